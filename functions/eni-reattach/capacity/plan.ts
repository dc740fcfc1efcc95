import type { OutpostObservation } from "./observe";

/**
 * Which instance types of an Outpost can host a firewall with N ENIs (+ the primary on card 0) and have
 * capacity now (pure). A type without a datapoint has unknown capacity: the metric has a 5-minute
 * resolution and no datapoint while the service link is down, and "a metric with no datapoint is
 * missing, not zero" — so unknown is never reported as 0 (nor as capacity).
 */

export interface CapacityTarget {
  group: string;
  outpostId: string;
  interfaces: number;
  instanceType?: string;
}

export interface TypeCapacity {
  instanceType: string;
  /** Latest AvailableInstanceType_Count; undefined when unknown (no datapoint). */
  available?: number;
  maximumNetworkInterfaces?: number;
  /** Enough ENIs on card 0 for the primary + N. */
  fitsInterfaces: boolean;
  canHostNow: boolean;
}

export type CapacityStatus = "ok" | "short" | "unknown";

export interface GroupCapacity {
  group: string;
  outpostId: string;
  outpostState: string;
  interfaces: number;
  instanceType?: string;
  /** The group's own type: its count (undefined when unknown) and what that means. */
  ownTypeAvailable?: number;
  status?: CapacityStatus;
  types: TypeCapacity[];
  hostTypesNow: string[];
  issues: string[];
}

const typeCapacity = (
  observed: OutpostObservation,
  interfaces: number,
  instanceType: string,
): TypeCapacity => {
  const limit = observed.limits.get(instanceType);
  const card0 =
    limit?.cards.find((c) => c.index === 0)?.maximumNetworkInterfaces ?? limit?.maximumNetworkInterfaces;
  const fitsInterfaces = card0 !== undefined && card0 >= interfaces + 1;
  const available = observed.available.get(instanceType);
  return {
    instanceType,
    ...(available !== undefined ? { available } : {}),
    ...(limit !== undefined ? { maximumNetworkInterfaces: limit.maximumNetworkInterfaces } : {}),
    fitsInterfaces,
    canHostNow: fitsInterfaces && (available ?? 0) > 0 && observed.outpost.lifeCycleStatus === "ACTIVE",
  };
};

const statusOf = (own: TypeCapacity | undefined, active: boolean): CapacityStatus => {
  if (own === undefined || !active) return "short";
  if (own.available === undefined) return "unknown";
  return own.available > 0 ? "ok" : "short";
};

export const assessCapacity = (target: CapacityTarget, observed: OutpostObservation): GroupCapacity => {
  const { outpost } = observed;
  const issues: string[] = [];
  if (outpost.lifeCycleStatus !== "ACTIVE")
    issues.push(`Outpost ${outpost.id} is ${outpost.lifeCycleStatus}`);
  const types = outpost.instanceTypes.map((t) => typeCapacity(observed, target.interfaces, t));
  const own =
    target.instanceType === undefined ? undefined : types.find((t) => t.instanceType === target.instanceType);
  if (target.instanceType !== undefined && own === undefined)
    issues.push(`${target.instanceType} is not configured on Outpost ${outpost.id}`);
  const unknown = types.filter((t) => t.available === undefined).map((t) => t.instanceType);
  if (unknown.length > 0)
    issues.push(
      `no AvailableInstanceType_Count datapoint for ${unknown.join(", ")}: capacity unknown (not 0)`,
    );
  return {
    group: target.group,
    outpostId: outpost.id,
    outpostState: outpost.lifeCycleStatus,
    interfaces: target.interfaces,
    ...(target.instanceType !== undefined
      ? { instanceType: target.instanceType, status: statusOf(own, outpost.lifeCycleStatus === "ACTIVE") }
      : {}),
    ...(own?.available !== undefined ? { ownTypeAvailable: own.available } : {}),
    types,
    hostTypesNow: types.filter((t) => t.canHostNow).map((t) => t.instanceType),
    issues,
  };
};

/** The invocation's decision: any group short → short; else any unknown → unknown; else ok. */
export const capacityDecision = (groups: readonly GroupCapacity[]): string => {
  if (groups.length === 0) return "nothing-to-check";
  if (groups.some((g) => g.status === "short")) return "capacity-short";
  if (groups.some((g) => g.status === "unknown")) return "capacity-unknown";
  return "capacity-ok";
};
