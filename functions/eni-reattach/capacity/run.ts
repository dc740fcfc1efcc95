/**
 * Outposts capacity check (scheduled function and `tools/outposts-capacity.ts`): per Outpost of the
 * configured groups, GetOutpost state, GetOutpostInstanceTypes, `AWS/Outposts`
 * `AvailableInstanceType_Count` per type (batched GetMetricData) and DescribeInstanceTypes network
 * limits → the instance types that can host the firewall with its N ENIs and have capacity now.
 * Publishes `FirewallCapacityAvailable` per group (0 when the group's own type has none; an alarm in
 * serverless.yml fires on it).
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { OutpostsClient } from "@aws-sdk/client-outposts";
import {
  loadAvailableCapacity,
  loadNetworkLimits,
  loadOutpost,
  loadTaggedEnis,
} from "../../../shared/observe/attachments";
import type { EniReattachConfig } from "../config";
import { resolveEniSet } from "../reattach/plan";

export interface TypeCapacity {
  instanceType: string;
  /** Latest AvailableInstanceType_Count; undefined when the metric has no datapoint. */
  available?: number;
  maximumNetworkInterfaces?: number;
  /** Enough ENIs on card 0 for the primary + N. */
  fitsInterfaces: boolean;
  canHostNow: boolean;
}

export interface GroupCapacity {
  group: string;
  outpostId: string;
  outpostState: string;
  interfaces: number;
  instanceType?: string;
  /** The group's own type's available count (0 → alarm). */
  ownTypeAvailable?: number;
  types: TypeCapacity[];
  hostTypesNow: string[];
  issues: string[];
}

export interface CapacityClients {
  ec2: EC2Client;
  outposts: OutpostsClient;
  cloudWatch: CloudWatchClient;
}

export const checkCapacity = async (
  clients: CapacityClients,
  policy: EniReattachConfig,
  now: Date,
  only?: { outpostId: string; group?: string; instanceType?: string; interfaces?: number },
): Promise<GroupCapacity[]> => {
  const targets =
    only !== undefined
      ? [
          {
            name: only.group ?? "",
            outpostId: only.outpostId,
            instanceType: only.instanceType,
            interfaces: only.interfaces,
          },
        ]
      : policy.groups.flatMap((g) =>
          g.outpostId !== undefined
            ? [{ name: g.name, outpostId: g.outpostId, instanceType: g.instanceType, interfaces: undefined }]
            : [],
        );
  const out: GroupCapacity[] = [];
  for (const target of targets) {
    let interfaces = target.interfaces ?? 0;
    const issues: string[] = [];
    if (target.interfaces === undefined && target.name !== "") {
      const tagged = await loadTaggedEnis(clients.ec2, policy.tagKey, target.name);
      const set = resolveEniSet(tagged, target.name, policy.tagKey, {
        maxInterfaces: policy.maxInterfacesPerGroup,
      });
      interfaces = set.slots.length;
      issues.push(...set.issues);
    }
    const outpost = await loadOutpost(clients.outposts, target.outpostId);
    if (outpost.lifeCycleStatus !== "ACTIVE")
      issues.push(`Outpost ${outpost.id} is ${outpost.lifeCycleStatus}`);
    const [counts, limits] = await Promise.all([
      loadAvailableCapacity(clients.cloudWatch, outpost.id, outpost.instanceTypes, now),
      loadNetworkLimits(clients.ec2, outpost.instanceTypes),
    ]);
    const types = outpost.instanceTypes.map((instanceType): TypeCapacity => {
      const limit = limits.get(instanceType);
      const card0 =
        limit?.cards.find((c) => c.index === 0)?.maximumNetworkInterfaces ?? limit?.maximumNetworkInterfaces;
      const fitsInterfaces = card0 !== undefined && card0 >= interfaces + 1;
      const available = counts.get(instanceType);
      return {
        instanceType,
        ...(available !== undefined ? { available } : {}),
        ...(limit !== undefined ? { maximumNetworkInterfaces: limit.maximumNetworkInterfaces } : {}),
        fitsInterfaces,
        canHostNow: fitsInterfaces && (available ?? 0) > 0 && outpost.lifeCycleStatus === "ACTIVE",
      };
    });
    if (target.instanceType !== undefined && !outpost.instanceTypes.includes(target.instanceType)) {
      issues.push(`${target.instanceType} is not configured on Outpost ${outpost.id}`);
    }
    const own =
      target.instanceType !== undefined
        ? types.find((t) => t.instanceType === target.instanceType)
        : undefined;
    out.push({
      group: target.name,
      outpostId: outpost.id,
      outpostState: outpost.lifeCycleStatus,
      interfaces,
      ...(target.instanceType !== undefined ? { instanceType: target.instanceType } : {}),
      ...(target.instanceType !== undefined ? { ownTypeAvailable: own?.available ?? 0 } : {}),
      types,
      hostTypesNow: types.filter((t) => t.canHostNow).map((t) => t.instanceType),
      issues,
    });
  }
  return out;
};
