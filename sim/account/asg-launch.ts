/**
 * Instances an Auto Scaling group launches (issue 9): a new EC2 instance in `pending` (→ `running`
 * after `behaviour.pendingToRunningMs`) with its primary ENI and the launch template's secondary ENIs
 * (they count toward the card's ENI limit, so an attach later can hit `AttachmentLimitExceeded`), the
 * `aws:autoscaling:groupName` tag and the group's tags. The member is `Pending` until it enters
 * `Pending:Wait` `lifecycleWaitDelayMs` later (default half of pendingToRunningMs: the lifecycle
 * event can arrive while EC2 still says `pending`). With a warm pool, a launch takes a pooled instance
 * first (started if stopped; a second action and token at `Pending:Wait`) and the pool is refilled.
 */
import { addressAt, cidrSize, formatIp, parseCidr } from "../../shared/net/cidr";
import {
  capacityRetryFor,
  LaunchFailedError,
  launchRefusal,
  recordFailedLaunch,
} from "./asg-launch-failures";
import { derivedId, derivedMac } from "./ids";
import { defaultLaunchDetails } from "./instance-details";
import { enterTransition, LAUNCHING, setMemberState } from "./lifecycle-engine";
import { moveSlot } from "./outpost-slots";
import type { AsgModel, EmitServiceEvent, EniModel, InstanceModel, RegionState } from "./state";
import { statusOnStateChange } from "./status-checks";

export interface LaunchOptions {
  /** Launch in this subnet (default: the first subnet of the group's VPCZoneIdentifier). */
  subnetId?: string;
}

const POOLED_READY = new Set(["Warmed:Stopped", "Warmed:Running", "Warmed:Hibernated"]);

function waitDelay(state: RegionState): number {
  return state.behaviour.lifecycleWaitDelayMs ?? Math.floor(state.behaviour.pendingToRunningMs / 2);
}

/** The first address of the subnet no ENI or instance uses (the first four and the last are reserved). */
function freeAddress(state: RegionState, subnetId: string, cidrBlock: string): string {
  const cidr = parseCidr(cidrBlock, { version: 4 });
  if (cidr === undefined) throw new Error(`subnet ${subnetId} has no IPv4 block`);
  const used = new Set<string>();
  for (const eni of state.networkInterfaces.values())
    if (eni.subnetId === subnetId)
      for (const ip of [eni.privateIpAddress, ...eni.secondaryPrivateIpAddresses]) used.add(ip);
  // A terminated instance's address is free again (its primary ENI was deleted with it).
  for (const i of state.instances.values())
    if (i.state !== "terminated" && i.subnetId === subnetId) used.add(i.privateIpAddress);
  for (let offset = 4n; offset < cidrSize(cidr) - 1n; offset += 1n) {
    const address = addressAt(cidr, offset);
    const text = address === undefined ? undefined : formatIp(address);
    if (text !== undefined && !used.has(text)) return text;
  }
  throw new Error(`subnet ${subnetId} has no free address`);
}

function newEni(
  id: string,
  instance: InstanceModel,
  slot: { deviceIndex: number; networkCardIndex: number; deleteOnTermination: boolean; description: string },
  ip: string,
  now: number,
): EniModel {
  return {
    id,
    subnetId: instance.subnetId,
    vpcId: instance.vpcId,
    availabilityZone: instance.availabilityZone,
    outpostArn: instance.outpostArn,
    description: slot.description,
    interfaceType: "interface",
    privateIpAddress: ip,
    secondaryPrivateIpAddresses: [],
    sourceDestCheck: true,
    requesterManaged: false,
    macAddress: derivedMac(id),
    tags: new Map(),
    attachment: {
      attachmentId: derivedId("eni-attach", `attach|${id}|${instance.id}`),
      instanceId: instance.id,
      deviceIndex: slot.deviceIndex,
      networkCardIndex: slot.networkCardIndex,
      status: "attached",
      deleteOnTermination: slot.deleteOnTermination,
      attachTime: new Date(now),
    },
  };
}

function launchType(state: RegionState, group: AsgModel): string {
  const fromTemplate = group.policies?.launchInstanceType;
  if (fromTemplate !== undefined) return fromTemplate;
  for (const m of group.instances) {
    const type = state.instances.get(m.instanceId)?.instanceType;
    if (type === undefined) continue;
    // The launch template's type stays when the member it was read from leaves [decision].
    if (group.policies !== undefined) group.policies.launchInstanceType = type;
    return type;
  }
  return "t3.micro";
}

/** A new EC2 instance of the group, `pending`, with its ENIs (primary + launch template). */
export function createGroupInstance(
  state: RegionState,
  emit: EmitServiceEvent,
  now: number,
  group: AsgModel,
  options: LaunchOptions = {},
): InstanceModel {
  const subnetId = options.subnetId ?? group.vpcZoneIdentifier[0];
  const subnet = subnetId === undefined ? undefined : state.subnets.get(subnetId);
  if (subnet === undefined) throw new Error(`group ${group.name} has no subnet to launch in`);
  const type = launchType(state, group);
  const slots = [
    { deviceIndex: 0, networkCardIndex: 0, deleteOnTermination: true, description: "" },
    ...(group.policies?.launchInterfaces ?? []),
  ];
  const refusal = launchRefusal(state, subnet, type, slots.length, now);
  if (refusal !== undefined) throw new LaunchFailedError(refusal, subnet.id);
  state.asg.launched += 1;
  const seed = `asg-launch|${state.accountId}|${group.name}|${state.asg.launched}`;
  const instance: InstanceModel = {
    id: derivedId("i", seed),
    instanceType: type,
    imageId: derivedId("ami", `image|${type}`),
    state: "pending",
    stateSince: now,
    stateReason: { code: "pending", message: "pending" },
    stateTransitionReason: "",
    transition: { to: "running", at: now + state.behaviour.pendingToRunningMs },
    launchTime: new Date(now),
    subnetId: subnet.id,
    vpcId: subnet.vpcId,
    availabilityZone: subnet.availabilityZone,
    outpostArn: subnet.outpostArn,
    privateIpAddress: freeAddress(state, subnet.id, subnet.cidrBlock),
    tags: new Map([...group.tags, ["aws:autoscaling:groupName", group.name]]),
    hibernationConfigured: false,
    disableApiStop: false,
    disableApiTermination: false,
    reservationId: derivedId("r", `reservation|${seed}`),
    monitoring: "disabled",
    architecture: state.instanceTypes.get(type)?.architecture ?? "x86_64",
    amiLaunchIndex: 0,
    status: statusOnStateChange(false, now, state.behaviour.statusInitializingMs),
    launchDetails: defaultLaunchDetails(derivedId("vol", `root|${seed}`)),
  };
  state.instances.set(instance.id, instance);
  moveSlot(state, instance, now, -1);
  const primary = derivedId("eni", `primary|${instance.id}`);
  slots.forEach((slot, i) => {
    const id = i === 0 ? primary : derivedId("eni", `template|${instance.id}|${i}`);
    const ip = i === 0 ? instance.privateIpAddress : freeAddress(state, subnet.id, subnet.cidrBlock);
    state.networkInterfaces.set(id, newEni(id, instance, slot, ip, now));
  });
  emit({
    source: "aws.ec2",
    detailType: "EC2 Instance State-change Notification",
    resources: [`arn:aws:ec2:${state.region}:${state.accountId}:instance/${instance.id}`],
    detail: { "instance-id": instance.id, state: "pending" },
    at: now,
  });
  return instance;
}

/** Members of the warm pool that can be taken (not on their way in or out). */
export function readyPoolMembers(group: AsgModel) {
  return group.instances.filter((m) => POOLED_READY.has(m.lifecycleState));
}

/** The pool size Auto Scaling maintains: max(MinSize, MaxGroupPreparedCapacity (or MaxSize) − desired). */
function poolTarget(group: AsgModel): number {
  const pool = group.policies?.warmPool;
  if (pool === undefined) return 0;
  return Math.max(pool.minSize, (pool.maxGroupPreparedCapacity ?? group.maxSize) - group.desiredCapacity);
}

type GroupMember = AsgModel["instances"][number];

/**
 * After the launch delay, a member still in the state it has now (`Pending` or `Warmed:Pending`) enters the
 * launching lifecycle transition (its hooks, or straight on), from `origin` to `destination`.
 */
function scheduleLaunching(
  state: RegionState,
  now: number,
  group: AsgModel,
  member: GroupMember,
  origin: "EC2" | "WarmPool",
  destination: "WarmPool" | "AutoScalingGroup",
): void {
  const waiting = member.lifecycleState;
  const due = now + waitDelay(state);
  state.scheduled.push({
    at: due,
    run: (e) => {
      if (member.lifecycleState !== waiting) return;
      enterTransition(state, e, due, {
        groupName: group.name,
        instanceId: member.instanceId,
        transition: LAUNCHING,
        origin,
        destination,
      });
    },
  });
}

/** Launches a new instance into the warm pool: `Warmed:Pending` → `Warmed:Pending:Wait` (EC2 → WarmPool). */
export function launchIntoPool(
  state: RegionState,
  emit: EmitServiceEvent,
  now: number,
  group: AsgModel,
): string {
  const instance = createGroupInstance(state, emit, now, group);
  const member = { instanceId: instance.id, lifecycleState: "Warmed:Pending", protectedFromScaleIn: false };
  group.instances.push(member);
  setMemberState(state, member, "Warmed:Pending", now);
  scheduleLaunching(state, now, group, member, "EC2", "WarmPool");
  return instance.id;
}

/** Starts a pooled instance for the group: `Pending` → `Pending:Wait` (WarmPool → AutoScalingGroup). */
function takeFromPool(
  state: RegionState,
  emit: EmitServiceEvent,
  now: number,
  group: AsgModel,
  instanceId: string,
): string {
  const member = group.instances.find((m) => m.instanceId === instanceId);
  const instance = state.instances.get(instanceId);
  if (member === undefined || instance === undefined) throw new Error(`no pooled instance ${instanceId}`);
  // A Stopped pooled instance holds no Outpost slot: starting it needs one (it stays in the pool otherwise).
  const subnet = state.subnets.get(instance.subnetId);
  if (instance.state === "stopped" && subnet?.outpostArn !== undefined) {
    const refusal = launchRefusal(state, subnet, instance.instanceType, 0, now);
    if (refusal !== undefined) throw new LaunchFailedError(refusal, subnet.id);
  }
  setMemberState(state, member, "Pending", now);
  if (instance.state === "stopped") {
    instance.launchTime = new Date(now);
    state.changeInstanceState(instance, "pending", now, emit, {
      to: "running",
      at: now + state.behaviour.pendingToRunningMs,
    });
  }
  scheduleLaunching(state, now, group, member, "WarmPool", "AutoScalingGroup");
  const inPool = group.instances.filter((m) => m.lifecycleState.startsWith("Warmed:")).length;
  try {
    for (let n = inPool; n < poolTarget(group); n += 1) launchIntoPool(state, emit, now, group);
  } catch (error) {
    // The pool stays short: a failed activity (the pool is refilled at its next launch) [decision].
    if (!(error instanceof LaunchFailedError)) throw error;
    recordFailedLaunch(state, emit, now, group, error, "Refilling the warm pool.");
  }
  return instanceId;
}

/**
 * Launches one instance into the group (scale-out or replacement): from the warm pool when it has a
 * ready instance, else a new one. Returns the instance id.
 */
export function launchIntoGroup(
  state: RegionState,
  emit: EmitServiceEvent,
  now: number,
  group: AsgModel,
  options: LaunchOptions = {},
): string {
  const pooled = group.policies?.warmPool !== undefined ? readyPoolMembers(group)[0] : undefined;
  if (pooled !== undefined && options.subnetId === undefined)
    return takeFromPool(state, emit, now, group, pooled.instanceId);
  const instance = createGroupInstance(state, emit, now, group, options);
  const member = { instanceId: instance.id, lifecycleState: "Pending", protectedFromScaleIn: false };
  group.instances.push(member);
  setMemberState(state, member, "Pending", now);
  scheduleLaunching(state, now, group, member, "EC2", "AutoScalingGroup");
  return instance.id;
}

/**
 * A launch for the desired capacity (scale out): when EC2 refuses it, Auto Scaling records a failed
 * activity and tries again later (asg-launch-failures.ts); undefined then.
 */
export function launchOrRetry(
  state: RegionState,
  emit: EmitServiceEvent,
  now: number,
  group: AsgModel,
  cause: string,
): string | undefined {
  try {
    return launchIntoGroup(state, emit, now, group);
  } catch (error) {
    if (!(error instanceof LaunchFailedError)) throw error;
    recordFailedLaunch(state, emit, now, group, error, cause);
    capacityRetryFor(state, group.name, now);
    return undefined;
  }
}
