import {
  type AutoScalingClient,
  type AutoScalingGroup,
  DescribeLifecycleHooksCommand,
  type Instance,
  type LifecycleHook,
  paginateDescribeAutoScalingGroups,
  paginateDescribeWarmPool,
  type WarmPoolConfiguration,
} from "@aws-sdk/client-auto-scaling";
import type { Scope } from "../scope";

/** DescribeAutoScalingGroups: at most 100 names per call, MaxRecords 1–100. */
const NAMES_PER_CALL = 100;
/** DescribeWarmPool: MaxRecords 1–50. */
const WARM_POOL_PAGE = 50;

export interface GroupRead {
  group: AutoScalingGroup;
  hooks: LifecycleHook[];
  /** DescribeWarmPool: the pool's configuration and its instances (not in DescribeAutoScalingGroups). */
  warmPool?: { configuration?: WarmPoolConfiguration; instances: Instance[] };
}

const describeGroups = async (
  client: AutoScalingClient,
  names: readonly string[] | undefined,
  filters: Scope["autoScalingGroupFilters"],
): Promise<AutoScalingGroup[]> => {
  const out: AutoScalingGroup[] = [];
  const batches: (string[] | undefined)[] = [];
  if (names === undefined) batches.push(undefined);
  else
    for (let i = 0; i < names.length; i += NAMES_PER_CALL) batches.push(names.slice(i, i + NAMES_PER_CALL));
  for (const batch of batches) {
    const input = {
      AutoScalingGroupNames: batch,
      Filters: filters.length > 0 && batch === undefined ? filters : undefined,
    };
    for await (const page of paginateDescribeAutoScalingGroups({ client, pageSize: 100 }, input))
      out.push(...(page.AutoScalingGroups ?? []));
  }
  return out;
};

const readWarmPool = async (client: AutoScalingClient, name: string): Promise<GroupRead["warmPool"]> => {
  const instances: Instance[] = [];
  let configuration: WarmPoolConfiguration | undefined;
  for await (const page of paginateDescribeWarmPool(
    { client, pageSize: WARM_POOL_PAGE },
    { AutoScalingGroupName: name },
  )) {
    configuration ??= page.WarmPoolConfiguration;
    instances.push(...(page.Instances ?? []));
  }
  return { configuration, instances };
};

/** The groups (named, or all with the scope's tag filters), their lifecycle hooks and warm pools. */
export const readGroups = async (
  client: AutoScalingClient,
  names: readonly string[] | undefined,
  filters: Scope["autoScalingGroupFilters"],
): Promise<GroupRead[]> => {
  if (names !== undefined && names.length === 0) return [];
  const groups = await describeGroups(client, names, filters);
  const out: GroupRead[] = [];
  for (const group of groups) {
    const name = group.AutoScalingGroupName ?? "";
    const hooks = await client.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: name }));
    const warmPool = group.WarmPoolConfiguration === undefined ? undefined : await readWarmPool(client, name);
    out.push({ group, hooks: hooks.LifecycleHooks ?? [], warmPool });
  }
  return out;
};
