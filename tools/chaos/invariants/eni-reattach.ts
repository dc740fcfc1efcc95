/**
 * The invariants of eni-reattach (issue 14; stated in functions/eni-reattach/README.md "Invariants"), as a
 * pure checker of one step of a simulated run: the account before and after the step, the calls the
 * function made during it, the subnets' placement, and the eni-reattach configuration section.
 *
 * - never-detach-serving: no DetachNetworkInterface from an instance that was serving just before the
 *   detach reached the account (the state at the invocation's start when no nearer one was captured: an
 *   incident between the function's calls, such as Auto Scaling marking the holder Unhealthy, changes it)
 *   (InService+Healthy and running, Pending*, Warmed:* — except one returning to the pool on a terminate
 *   hook —, Standby, ReplacingRootVolume*, another group's, or running outside any group), except from the instance the ENI is re-attached to (a wrong index).
 * - only-our-hooks: CompleteLifecycleAction and RecordLifecycleActionHeartbeat only for a configured group
 *   and one of its hookNames.
 * - abandon-only-when-impossible: an ABANDON only for an instance that could never take the set: an ENI of
 *   the set in another Availability Zone or on another Outpost, a declared index taken by another ENI, too
 *   few ENIs on the card, or a type or card the catalogue does not know. Never for a reason our limits caused.
 * - nothing-outside-configuration: attach, detach and attribute writes only on ENIs of a configured group's
 *   set (tag and allow-list), attaches only to instances of that group.
 * - settled (checkEniReattachSettled, at a quiet point): a group with members InService+Healthy and none
 *   launching or terminating (Standby, Retained and Detached members are parked, not moving) has every
 *   declared ENI attached at its index to one of them (the one holding most of the set) — with no member
 *   serving while DesiredCapacity > 0, every ENI is a gap — **or an alarm** of the group (settledOrAlarm:
 *   the stack's eni alarms, in the simulated account, in ALARM on a datapoint the functions published)
 *   within ALARM_GRACE_MS of the gap.
 * - served-or-alarm (servedOrAlarm, every step): the group unserved for ALARM_GRACE_MS with no alarm raised,
 *   whatever its members do (a relaunch loop never reaches a quiet point).
 */
import type { EniReattachConfig, EniReattachGroupConfig } from "../../../functions/eni-reattach/config";
import type { AccountSnapshot, CallRecord } from "../../../sim";
import { tookEffect } from "./calls";

export interface Violation {
  invariant: string;
  message: string;
}

export interface SubnetPlacement {
  vpcId: string;
  availabilityZone: string;
  outpostArn?: string;
}

export interface EniReattachStep {
  before: AccountSnapshot;
  after: AccountSnapshot;
  calls: readonly CallRecord[];
  subnets: Readonly<Record<string, SubnetPlacement>>;
  /** ENIs a network card of an instance type takes (to judge an ABANDON for a full card). */
  maxInterfaces: (instanceType: string, networkCardIndex: number) => number | undefined;
  /** The account just before the call `seq` reached it, if captured during the invocation. */
  stateBeforeCall?: (seq: number) => AccountSnapshot | undefined;
}

type Snapshot = AccountSnapshot;
type Member = { group: string; state: string; health: string };

const memberOf = (s: Snapshot, instanceId: string): Member | undefined => {
  for (const [group, g] of Object.entries(s.autoScalingGroups)) {
    const m = g.Instances[instanceId];
    if (m !== undefined) return { group, state: m.LifecycleState, health: m.HealthStatus };
  }
  return undefined;
};

const NOT_RUNNING = new Set(["stopping", "stopped", "shutting-down", "terminated"]);

/**
 * A member returning to the warm pool on scale in waits in `Warmed:Pending:Wait` "for the
 * EC2_INSTANCE_TERMINATING lifecycle action" (warm-pool-instance-lifecycle): it is leaving service.
 */
const returningToPool = (s: Snapshot, group: string, instanceId: string): boolean =>
  Object.entries(s.autoScalingGroups[group]?.LifecycleActions ?? {}).some(
    ([key, action]) =>
      key.startsWith(`${instanceId} `) && action.Transition === "autoscaling:EC2_INSTANCE_TERMINATING",
  );

/** Whether an ENI may not be taken from this holder (the capability's "serving, launching, standby, foreign"). */
export const isServing = (s: Snapshot, instanceId: string): boolean => {
  const instance = s.instances[instanceId];
  if (instance === undefined || NOT_RUNNING.has(instance.State)) return false;
  const m = memberOf(s, instanceId);
  if (m === undefined || m.state === "Detaching" || m.state === "Detached") return true;
  if (/^(Warmed:)?Terminating/.test(m.state)) return false;
  if (m.state === "Warmed:Pending:Wait" && returningToPool(s, m.group, instanceId)) return false;
  if (m.state === "InService") return m.health.toLowerCase() === "healthy";
  return true;
};

const inSet = (
  s: Snapshot,
  eniId: string,
  group: EniReattachGroupConfig,
  tagKey: string,
  subnets: EniReattachStep["subnets"],
) => {
  const eni = s.networkInterfaces[eniId];
  const value = eni?.Tags[tagKey];
  if (eni === undefined || value === undefined || !value.startsWith(`${group.name}/`)) return false;
  const index = Number(value.slice(group.name.length + 1));
  const vpc = subnets[eni.SubnetId]?.vpcId ?? "";
  const listed =
    group.allowedEniIds.includes(eniId) ||
    group.allowedSubnetIds.includes(eni.SubnetId) ||
    group.allowedVpcIds.includes(vpc);
  return listed && Number.isInteger(index) && index >= 1 && index <= group.expectedInterfaces;
};

/** ENI ids by attachment id, from the DescribeNetworkInterfaces answers of the step (and the attaches). */
const attachmentIndex = (calls: readonly CallRecord[]): Map<string, string> => {
  const out = new Map<string, string>();
  for (const c of calls) {
    const output = c.output as
      | {
          NetworkInterfaces?: Array<{ NetworkInterfaceId?: string; Attachment?: { AttachmentId?: string } }>;
          AttachmentId?: string;
        }
      | undefined;
    for (const n of output?.NetworkInterfaces ?? []) {
      if (n.Attachment?.AttachmentId !== undefined && n.NetworkInterfaceId !== undefined)
        out.set(n.Attachment.AttachmentId, n.NetworkInterfaceId);
    }
    if (c.operation === "AttachNetworkInterface" && output?.AttachmentId !== undefined)
      out.set(output.AttachmentId, String(c.input.NetworkInterfaceId));
  }
  return out;
};

const detachViolations = (step: EniReattachStep): Violation[] => {
  const enis = attachmentIndex(step.calls);
  // Exempt only a re-attach that succeeded and left the ENI on that instance (a wrong index fixed).
  const reattached = new Set(
    step.calls
      .filter((c) => c.operation === "AttachNetworkInterface" && tookEffect(c))
      .filter(
        (c) =>
          step.after.networkInterfaces[String(c.input.NetworkInterfaceId)]?.Attachment?.InstanceId ===
          c.input.InstanceId,
      )
      .map((c) => `${c.input.NetworkInterfaceId} ${c.input.InstanceId}`),
  );
  return step.calls
    .filter((c) => c.operation === "DetachNetworkInterface" && tookEffect(c) && c.input.DryRun !== true)
    .flatMap((c) => {
      const eniId = enis.get(String(c.input.AttachmentId)) ?? "";
      const at = step.stateBeforeCall?.(c.seq) ?? step.before;
      const holder = at.networkInterfaces[eniId]?.Attachment?.InstanceId;
      if (holder === undefined || reattached.has(`${eniId} ${holder}`) || !isServing(at, holder)) return [];
      return [
        {
          invariant: "never-detach-serving",
          message: `${eniId} detached from ${holder}, serving (${JSON.stringify(memberOf(at, holder) ?? "no group")}) at ${c.at}`,
        },
      ];
    });
};

const hookViolations = (step: EniReattachStep, config: EniReattachConfig): Violation[] =>
  step.calls
    .filter(
      (c) => c.operation === "CompleteLifecycleAction" || c.operation === "RecordLifecycleActionHeartbeat",
    )
    .flatMap((c) => {
      const group = config.groups.find((g) => g.name === c.input.AutoScalingGroupName);
      if (group?.hookNames.includes(String(c.input.LifecycleHookName))) return [];
      return [
        {
          invariant: "only-our-hooks",
          message: `${c.operation} ${c.input.AutoScalingGroupName}/${c.input.LifecycleHookName} for ${c.input.InstanceId}`,
        },
      ];
    });

/** Why an instance could never take its group's set (empty: it could). */
const impossibility = (
  step: EniReattachStep,
  group: EniReattachGroupConfig,
  tagKey: string,
  instanceId: string,
): string[] => {
  const s = step.before;
  const instance = s.instances[instanceId];
  const at = instance === undefined ? undefined : step.subnets[instance.SubnetId];
  if (instance === undefined || at === undefined) return ["instance unknown"];
  const ours = Object.keys(s.networkInterfaces).filter((id) => inSet(s, id, group, tagKey, step.subnets));
  const misplaced = ours.filter((id) => {
    const p = step.subnets[s.networkInterfaces[id]?.SubnetId ?? ""];
    return (
      p === undefined ||
      p.availabilityZone !== at.availabilityZone ||
      (p.outpostArn ?? "") !== (at.outpostArn ?? "")
    );
  });
  const others = Object.entries(s.networkInterfaces).filter(
    ([id, n]) =>
      !ours.includes(id) &&
      n.Attachment?.InstanceId === instanceId &&
      n.Attachment.NetworkCardIndex === group.networkCardIndex,
  );
  const collision = others.some(
    ([, n]) =>
      (n.Attachment?.DeviceIndex ?? 0) >= 1 && (n.Attachment?.DeviceIndex ?? 0) <= group.expectedInterfaces,
  );
  const max = step.maxInterfaces(instance.InstanceType, group.networkCardIndex);
  const full = max === undefined || max < others.length + ours.length;
  return [...misplaced, ...(collision ? ["collision"] : []), ...(full ? ["card"] : [])];
};

const abandonViolations = (step: EniReattachStep, config: EniReattachConfig): Violation[] =>
  step.calls
    .filter((c) => c.operation === "CompleteLifecycleAction" && c.input.LifecycleActionResult === "ABANDON")
    .flatMap((c) => {
      const group = config.groups.find((g) => g.name === c.input.AutoScalingGroupName);
      const id = String(c.input.InstanceId);
      if (group !== undefined && impossibility(step, group, config.tagKey, id).length > 0) return [];
      return [
        { invariant: "abandon-only-when-impossible", message: `ABANDON for ${id}, which could take the set` },
      ];
    });

const WRITES = new Set([
  "AttachNetworkInterface",
  "DetachNetworkInterface",
  "ModifyNetworkInterfaceAttribute",
]);

const scopeViolations = (step: EniReattachStep, config: EniReattachConfig): Violation[] => {
  const enis = attachmentIndex(step.calls);
  return step.calls
    .filter((c) => WRITES.has(c.operation) && c.input.DryRun !== true)
    .flatMap((c) => {
      const eniId = String(c.input.NetworkInterfaceId ?? enis.get(String(c.input.AttachmentId)) ?? "");
      const group = config.groups.find((g) => inSet(step.before, eniId, g, config.tagKey, step.subnets));
      const instance = c.operation === "AttachNetworkInterface" ? String(c.input.InstanceId) : undefined;
      const member =
        instance === undefined
          ? undefined
          : (memberOf(step.before, instance) ?? memberOf(step.after, instance));
      if (group !== undefined && (instance === undefined || member?.group === group.name)) return [];
      return [
        {
          invariant: "nothing-outside-configuration",
          message: `${c.operation} on ${eniId}${instance ? ` → ${instance}` : ""}`,
        },
      ];
    });
};

export const checkEniReattachStep = (step: EniReattachStep, config: EniReattachConfig): Violation[] => [
  ...detachViolations(step),
  ...hookViolations(step, config),
  ...abandonViolations(step, config),
  ...scopeViolations(step, config),
];

/** Warm pool members waiting in the pool ("Warm pool instance lifecycle", EC2 Auto Scaling User Guide). */
const PARKED = /^Warmed:(Stopped|Running|Hibernated)$/;
/**
 * Parked by an operator or a retention policy, for as long as they like: Standby ("instances remain in
 * Standby until you exit them", AS UG "Temporarily remove instances"), `*:Retained` ("remain until you call
 * TerminateInstanceInAutoScalingGroup", API RetentionTriggers), Detached. They do not hold the check off.
 */
const HELD = /^(Standby|Detached|(Warmed:)?(Pending|Terminating):Retained)$/;

/** At a quiet point: every group with one serving member and nothing in flight has its whole set on it. */
export const checkEniReattachSettled = (
  s: Snapshot,
  subnets: EniReattachStep["subnets"],
  config: EniReattachConfig,
): Violation[] =>
  config.groups.flatMap((group) => {
    const members = Object.entries(s.autoScalingGroups[group.name]?.Instances ?? {});
    const serving = members.filter(
      ([, m]) => m.LifecycleState === "InService" && m.HealthStatus.toLowerCase() === "healthy",
    );
    // Warm pool members are parked, not on their way in or out of service: they do not hold the check off.
    const moving = members.some(
      ([, m]) =>
        m.LifecycleState !== "InService" && !PARKED.test(m.LifecycleState) && !HELD.test(m.LifecycleState),
    );
    const set = Object.keys(s.networkInterfaces).filter((id) => inSet(s, id, group, config.tagKey, subnets));
    if (moving) return [];
    // No member serves while the group should have one: every ENI of the set is a gap (issue 14: "or an alarm").
    if (serving.length === 0)
      return (s.autoScalingGroups[group.name]?.DesiredCapacity ?? 0) === 0
        ? []
        : set.map((id) => ({
            invariant: "settled",
            message: `${group.name}: no member serves; ${id} is on no serving firewall`,
          }));
    // The set's holder: the serving member holding most of it (with several serving, any one of them).
    const holds = (member: string) =>
      set.filter((id) => s.networkInterfaces[id]?.Attachment?.InstanceId === member).length;
    const only = serving.map(([id]) => id).sort((a, b) => holds(b) - holds(a))[0] ?? "";
    return set.flatMap((id) => {
      const a = s.networkInterfaces[id]?.Attachment;
      const index = Number(s.networkInterfaces[id]?.Tags[config.tagKey]?.split("/").pop());
      if (a?.InstanceId === only && a.DeviceIndex === index && a.Status === "attached") return [];
      return [
        {
          invariant: "settled",
          message: `${group.name}: ${id} is not attached to the serving ${only} at ${index} (${a === undefined ? "available" : `${a.InstanceId}/${a.DeviceIndex}/${a.Status}`})`,
        },
      ];
    });
  });

/** How many ENIs of the group's declared set exist (fewer than declared: one was deleted). */
export const setSize = (
  s: Snapshot,
  subnets: EniReattachStep["subnets"],
  config: EniReattachConfig,
  group: EniReattachGroupConfig,
): number =>
  Object.keys(s.networkInterfaces).filter((id) => inSet(s, id, group, config.tagKey, subnets)).length;

/**
 * Whether the group is served: a member InService and Healthy, its instance running, holds every ENI of
 * the set at its index (the measure `eni-unserved-s`: from losing this to getting it back).
 */
export const groupServed = (
  s: Snapshot,
  subnets: EniReattachStep["subnets"],
  config: EniReattachConfig,
  group: EniReattachGroupConfig,
): boolean => {
  const set = Object.keys(s.networkInterfaces).filter((id) => inSet(s, id, group, config.tagKey, subnets));
  return Object.entries(s.autoScalingGroups[group.name]?.Instances ?? {}).some(
    ([id, m]) =>
      m.LifecycleState === "InService" &&
      m.HealthStatus.toLowerCase() === "healthy" &&
      s.instances[id]?.State === "running" &&
      set.length === group.expectedInterfaces &&
      set.every((eni) => {
        const a = s.networkInterfaces[eni]?.Attachment;
        const index = Number(s.networkInterfaces[eni]?.Tags[config.tagKey]?.split("/").pop());
        return a?.InstanceId === id && a.DeviceIndex === index && a.Status === "attached";
      }),
  );
};

/**
 * How long a gap may last without an alarm: the slowest of the stack's eni alarms (capacity unknown: two
 * 15-minute periods after the 15-minute check) plus a reconcile interval.
 */
export const ALARM_GRACE_MS = 35 * 60_000;

/**
 * Issue 14: "every replacement ends with all ENIs on the serving instance or an alarm". The gaps of
 * checkEniReattachSettled are violations once they have lasted ALARM_GRACE_MS and none of the group's
 * alarms is raised (the operator was told nothing).
 */
export const settledOrAlarm = (
  gaps: readonly Violation[],
  raised: readonly string[],
  gapAgeMs: number,
): Violation[] => {
  if (gaps.length === 0 || raised.length > 0 || gapAgeMs < ALARM_GRACE_MS) return [];
  return gaps.map((g) => ({
    ...g,
    message: `${g.message}, and no alarm of the group after ${gapAgeMs / 60_000} min`,
  }));
};

/**
 * Issue 14's "or an alarm", judged on time rather than on a quiet member list (a relaunch loop or launches
 * refused for hours change the members all the time): the group unserved (groupServed false) for
 * ALARM_GRACE_MS or more with none of its alarms raised is a violation.
 */
export const servedOrAlarm = (
  group: string,
  unservedForMs: number,
  raised: readonly string[],
): Violation[] =>
  unservedForMs < ALARM_GRACE_MS || raised.length > 0
    ? []
    : [
        {
          invariant: "served-or-alarm",
          message: `${group}: no member InService and Healthy has held the whole set for ${Math.round(unservedForMs / 60_000)} min, and no alarm of the group is raised`,
        },
      ];
