/**
 * Fresh reads of one firewall group (DESIGN "AWS is the state"): the group and its members, its hooks,
 * the ENIs of the set (tagged for the group, and the allow-listed ids), the instances that hold them or
 * may receive them, their Auto Scaling membership in any group, their status checks, the ENIs the
 * receivers already have and their network limits. Three rounds of parallel reads.
 */
import {
  type AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeWarmPoolCommand,
} from "@aws-sdk/client-auto-scaling";
import { DescribeInstanceStatusCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { awsCall } from "../../../shared/aws/errors";
import {
  type EniView,
  loadAsgMembers,
  loadEnis,
  loadLifecycleHooks,
  loadNetworkLimits,
  loadTaggedEnis,
} from "../../../shared/observe/attachments";
import { chunks, loadInstances } from "../../../shared/observe/loaders";
import type { InstanceView } from "../../../shared/observe/model";
import type { EniReattachGroupConfig } from "../config";
import type { GroupWorld, InstanceFacts, MemberView } from "./plan";

export interface ObserveClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
}

/** Both spellings: DescribeAutoScalingGroups `Healthy`, DescribeAutoScalingInstances `HEALTHY`. */
const isHealthy = (status: string | undefined) => (status ?? "").toLowerCase() === "healthy";

interface GroupRecord {
  desiredCapacity: number;
  maxSize: number;
  members: MemberView[];
  warmPool: boolean;
  suspended: Array<{ process: string; reason: string }>;
}

const loadGroupRecord = async (
  autoScaling: AutoScalingClient,
  name: string,
): Promise<GroupRecord | undefined> => {
  const page = await awsCall("autoscaling", "DescribeAutoScalingGroups", () =>
    autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })),
  );
  const g = page.AutoScalingGroups?.find((x) => x.AutoScalingGroupName === name);
  if (g === undefined) return undefined;
  return {
    desiredCapacity: g.DesiredCapacity ?? 0,
    maxSize: g.MaxSize ?? 0,
    // The warm pool is not in Instances ("call the DescribeWarmPool API").
    members: (g.Instances ?? []).map((i) => ({
      instanceId: i.InstanceId ?? "",
      groupName: name,
      lifecycleState: i.LifecycleState ?? "",
      healthy: isHealthy(i.HealthStatus),
    })),
    warmPool: g.WarmPoolConfiguration !== undefined,
    suspended: (g.SuspendedProcesses ?? []).map((p) => ({
      process: p.ProcessName ?? "",
      reason: p.SuspensionReason ?? "",
    })),
  };
};

/** The warm pool's members (the reconcile looks for pooled instances waiting on our hooks). */
export const loadWarmPoolMembers = async (
  autoScaling: AutoScalingClient,
  name: string,
): Promise<MemberView[]> => {
  const out: MemberView[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall("autoscaling", "DescribeWarmPool", () =>
      autoScaling.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: name, NextToken: nextToken })),
    );
    for (const i of page.Instances ?? []) {
      out.push({
        instanceId: i.InstanceId ?? "",
        groupName: name,
        lifecycleState: i.LifecycleState ?? "",
        healthy: isHealthy(i.HealthStatus),
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
};

/** Running instances whose instance or system status check reads `impaired`. */
const loadImpaired = async (ec2: EC2Client, instanceIds: readonly string[]): Promise<Set<string>> => {
  const impaired = new Set<string>();
  for (const ids of chunks([...new Set(instanceIds)], 100)) {
    let nextToken: string | undefined;
    do {
      const page = await awsCall("ec2", "DescribeInstanceStatus", () =>
        ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: ids, NextToken: nextToken })),
      );
      for (const s of page.InstanceStatuses ?? []) {
        if (s.InstanceStatus?.Status === "impaired" || s.SystemStatus?.Status === "impaired")
          impaired.add(s.InstanceId ?? "");
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return impaired;
};

/** The group's tagged ENIs and its allow-listed ids (tagged or not), without duplicates. */
const loadGroupEnis = async (
  ec2: EC2Client,
  group: EniReattachGroupConfig,
  tagKey: string,
): Promise<EniView[]> => {
  const [tagged, listed] = await Promise.all([
    loadTaggedEnis(ec2, tagKey, group.name),
    loadEnis(ec2, group.allowedEniIds),
  ]);
  const byId = new Map([...tagged, ...listed].map((e) => [e.id, e]));
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
};

const toFacts = (i: InstanceView, impaired: ReadonlySet<string>): InstanceFacts => ({
  id: i.id,
  state: i.state,
  instanceType: i.instanceType,
  ...(i.availabilityZone !== undefined ? { availabilityZone: i.availabilityZone } : {}),
  ...(i.outpostArn !== undefined ? { outpostArn: i.outpostArn } : {}),
  impaired: impaired.has(i.id),
});

/**
 * The world of one group. `targets`: instances that may receive the set (the event's instance); the
 * group's InService members are always candidates.
 */
export const observeGroup = async (
  clients: ObserveClients,
  group: EniReattachGroupConfig,
  tagKey: string,
  targets: readonly string[] = [],
): Promise<GroupWorld & { warmPool: boolean }> => {
  const { ec2, autoScaling } = clients;
  const [record, enis] = await Promise.all([
    loadGroupRecord(autoScaling, group.name),
    loadGroupEnis(ec2, group, tagKey),
  ]);
  const members = record?.members ?? [];
  const holders = enis.flatMap((e) => (e.attachment === undefined ? [] : [e.attachment.instanceId]));
  const receivers = [
    ...targets,
    ...members.filter((m) => m.lifecycleState === "InService").map((m) => m.instanceId),
  ];
  const ids = [...new Set([...targets, ...members.map((m) => m.instanceId), ...holders])];
  const [hooks, instances, memberships, impaired] = await Promise.all([
    record === undefined ? Promise.resolve([]) : loadLifecycleHooks(autoScaling, group.name),
    loadInstances(ec2, ids),
    loadAsgMembers(autoScaling, ids),
    holders.length > 0 ? loadImpaired(ec2, holders) : Promise.resolve(new Set<string>()),
  ]);
  const byId = new Map(instances.map((i) => [i.id, i]));
  const receiving = [...new Set(receivers)].flatMap((id) => byId.get(id) ?? []);
  const [attached, limits] = await Promise.all([
    loadEnis(
      ec2,
      receiving.flatMap((i) => i.networkInterfaceIds),
    ),
    loadNetworkLimits(ec2, [...new Set(receiving.map((i) => i.instanceType))]),
  ]);
  return {
    groupName: group.name,
    ...(record !== undefined
      ? {
          group: {
            desiredCapacity: record.desiredCapacity,
            maxSize: record.maxSize,
            members,
            suspended: record.suspended,
          },
        }
      : {}),
    hooks,
    enis,
    instances: new Map(instances.map((i) => [i.id, toFacts(i, impaired)])),
    memberships: new Map(
      [...memberships.values()].map((m) => [
        m.instanceId,
        {
          instanceId: m.instanceId,
          groupName: m.groupName,
          lifecycleState: m.lifecycleState,
          healthy: isHealthy(m.healthStatus),
        },
      ]),
    ),
    attachedTo: new Map(
      receiving.map((i) => [i.id, attached.filter((e) => e.attachment?.instanceId === i.id)]),
    ),
    limits,
    warmPool: record?.warmPool ?? false,
  };
};
