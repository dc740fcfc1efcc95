/**
 * The read-only reads of the eni-reattach doctor checks, once per (doctor run, group): the group with the
 * settings that decide the hand-over order, its hooks, the ENIs of its set (tagged for it, and the
 * allow-listed ids), the subnets involved (with `OutpostArn`), the instances holding the ENIs and their
 * Auto Scaling membership, and the network limits of the firewall's instance types.
 */
import { type AutoScalingClient, DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeVpcsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import type { EniReattachGroupConfig } from "../../../../functions/eni-reattach/config";
import { awsCall } from "../../../../shared/aws/errors";
import {
  type AsgMemberView,
  type EniView,
  type LifecycleHookView,
  loadAsgMembers,
  loadEnis,
  loadLifecycleHooks,
  loadTaggedEnis,
  type NetworkLimits,
} from "../../../../shared/observe/attachments";
import { loadSubnets } from "../../../../shared/observe/interfaces";
import { chunks, describeInstanceTypes, loadInstances } from "../../../../shared/observe/loaders";
import type { InstanceView } from "../../../../shared/observe/model";
import type { DoctorContext } from "../../types";
import { cachedRead } from "../support";

/** The group as DescribeAutoScalingGroups shows it, reduced to what the checks judge. */
export interface GroupFacts {
  desiredCapacity: number;
  subnetIds: string[];
  healthCheckType: string;
  /** `InstanceMaintenancePolicy`, when set. */
  maintenance?: { minHealthyPercentage?: number; maxHealthyPercentage?: number };
  warmPool?: { poolState?: string; minSize?: number };
  /** `InstanceLifecyclePolicy.RetentionTriggers.TerminateHookAbandon` (`retain` | `terminate`). */
  terminateHookAbandon?: string;
  /** The instance types of its members (outside the warm pool). */
  memberTypes: string[];
}

export interface SubnetFacts {
  id: string;
  vpcId: string;
  availabilityZone: string;
  outpostArn?: string;
}

export interface FirewallFacts {
  /** Absent when the group does not exist. */
  group?: GroupFacts;
  hooks: LifecycleHookView[];
  /** ENIs tagged for the group, and the allow-listed ids (tagged or not). */
  enis: EniView[];
  subnets: ReadonlyMap<string, SubnetFacts>;
  /** Instances holding an ENI of the set. */
  holders: ReadonlyMap<string, InstanceView>;
  /** Auto Scaling membership of the holders (absent: in no group). */
  memberships: ReadonlyMap<string, AsgMemberView>;
  limits: ReadonlyMap<string, NetworkLimits>;
  /** The `allowedVpcIds` that exist. */
  vpcIds: ReadonlySet<string>;
}

const loadGroup = async (autoScaling: AutoScalingClient, name: string): Promise<GroupFacts | undefined> => {
  const page = await awsCall("autoscaling", "DescribeAutoScalingGroups", () =>
    autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })),
  );
  const g = page.AutoScalingGroups?.find((x) => x.AutoScalingGroupName === name);
  if (g === undefined) return undefined;
  const policy = g.InstanceMaintenancePolicy;
  const pool = g.WarmPoolConfiguration;
  const retain = g.InstanceLifecyclePolicy?.RetentionTriggers?.TerminateHookAbandon;
  return {
    desiredCapacity: g.DesiredCapacity ?? 0,
    subnetIds: (g.VPCZoneIdentifier ?? "").split(",").filter((id) => id !== ""),
    healthCheckType: g.HealthCheckType ?? "EC2",
    ...(policy === undefined
      ? {}
      : {
          maintenance: {
            ...(policy.MinHealthyPercentage === undefined
              ? {}
              : { minHealthyPercentage: policy.MinHealthyPercentage }),
            ...(policy.MaxHealthyPercentage === undefined
              ? {}
              : { maxHealthyPercentage: policy.MaxHealthyPercentage }),
          },
        }),
    ...(pool === undefined
      ? {}
      : {
          warmPool: {
            ...(pool.PoolState === undefined ? {} : { poolState: pool.PoolState }),
            ...(pool.MinSize === undefined ? {} : { minSize: pool.MinSize }),
          },
        }),
    ...(retain === undefined ? {} : { terminateHookAbandon: retain }),
    memberTypes: [...new Set((g.Instances ?? []).flatMap((i) => (i.InstanceType ? [i.InstanceType] : [])))],
  };
};

/**
 * Network limits by instance type, through the `instance-type` filter: a type the Region does not know
 * (a typo in `instanceType`) is absent instead of failing the whole call (`InvalidInstanceType`).
 */
const loadTypeLimits = async (
  ec2: EC2Client,
  types: readonly string[],
): Promise<Map<string, NetworkLimits>> => {
  const out = new Map<string, NetworkLimits>();
  for (const [name, t] of await describeInstanceTypes(ec2, types)) {
    const max = t.NetworkInfo?.MaximumNetworkInterfaces ?? 1;
    const cards = (t.NetworkInfo?.NetworkCards ?? []).map((c) => ({
      index: c.NetworkCardIndex ?? 0,
      maximumNetworkInterfaces: c.MaximumNetworkInterfaces ?? max,
    }));
    out.set(name, {
      instanceType: name,
      maximumNetworkInterfaces: max,
      cards: cards.length > 0 ? cards : [{ index: 0, maximumNetworkInterfaces: max }],
    });
  }
  return out;
};

/** Which of these VPCs exist (a filter: unknown ids are absent, not an error). */
const loadVpcIds = async (ec2: EC2Client, ids: readonly string[]): Promise<Set<string>> => {
  const out = new Set<string>();
  for (const part of chunks([...new Set(ids)])) {
    const page = await awsCall("ec2", "DescribeVpcs", () =>
      ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "vpc-id", Values: part }] })),
    );
    for (const v of page.Vpcs ?? []) if (v.VpcId !== undefined) out.add(v.VpcId);
  }
  return out;
};

/** Subnets by id with their Outpost; unknown ids are absent (the shared loader filters, not `SubnetIds`). */
const loadSubnetFacts = async (ec2: EC2Client, ids: readonly string[]): Promise<Map<string, SubnetFacts>> =>
  new Map(
    (await loadSubnets(ec2, ids)).map((s) => [
      s.id,
      {
        id: s.id,
        vpcId: s.vpcId,
        availabilityZone: s.availabilityZone ?? "",
        ...(s.outpostArn === undefined ? {} : { outpostArn: s.outpostArn }),
      },
    ]),
  );

const loadGroupEnis = async (ec2: EC2Client, group: EniReattachGroupConfig, tagKey: string) => {
  const [tagged, listed] = await Promise.all([
    loadTaggedEnis(ec2, tagKey, group.name),
    loadEnis(ec2, group.allowedEniIds),
  ]);
  return [...new Map([...tagged, ...listed].map((e) => [e.id, e])).values()].sort((a, b) =>
    a.id.localeCompare(b.id),
  );
};

const readFirewall = async (ctx: DoctorContext, group: EniReattachGroupConfig): Promise<FirewallFacts> => {
  const { ec2, autoScaling } = ctx.clients;
  const tagKey = ctx.config.eniReattach.tagKey;
  const [facts, enis] = await Promise.all([
    loadGroup(autoScaling, group.name),
    loadGroupEnis(ec2, group, tagKey),
  ]);
  const holderIds = [...new Set(enis.flatMap((e) => (e.attachment ? [e.attachment.instanceId] : [])))];
  const types = [
    ...(group.instanceType === undefined ? [] : [group.instanceType]),
    ...(facts?.memberTypes ?? []),
  ];
  const [hooks, subnets, holders, memberships, limits, vpcIds] = await Promise.all([
    facts === undefined ? Promise.resolve([]) : loadLifecycleHooks(autoScaling, group.name),
    loadSubnetFacts(ec2, [
      ...(facts?.subnetIds ?? []),
      ...enis.map((e) => e.subnetId),
      ...group.allowedSubnetIds,
    ]),
    loadInstances(ec2, holderIds),
    holderIds.length === 0
      ? Promise.resolve(new Map<string, AsgMemberView>())
      : loadAsgMembers(autoScaling, holderIds),
    loadTypeLimits(ec2, types),
    loadVpcIds(ec2, group.allowedVpcIds),
  ]);
  return {
    ...(facts === undefined ? {} : { group: facts }),
    hooks,
    enis,
    subnets,
    holders: new Map(holders.map((i) => [i.id, i])),
    memberships,
    limits,
    vpcIds,
  };
};

/** One read per (doctor run, group), shared by every eni-reattach check of the run. */
export const firewallFacts = (ctx: DoctorContext, group: EniReattachGroupConfig): Promise<FirewallFacts> =>
  cachedRead(ctx, `eni-reattach:${group.name}`, () => readFirewall(ctx, group));

/** The read-only calls of the reads above (for `--print-policy`). */
export const FIREWALL_READ_ACTIONS = [
  "autoscaling:DescribeAutoScalingGroups",
  "autoscaling:DescribeAutoScalingInstances",
  "autoscaling:DescribeLifecycleHooks",
  "ec2:DescribeInstances",
  "ec2:DescribeInstanceTypes",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeSubnets",
  "ec2:DescribeVpcs",
] as const;
