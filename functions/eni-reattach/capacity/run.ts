import type { EniReattachConfig } from "../config";
import { type CapacityClients, observeOutpost } from "./observe";
import { assessCapacity, type CapacityTarget, type GroupCapacity } from "./plan";

/**
 * The Outposts capacity check (scheduled function and `tools/outposts-capacity.ts`): per configured group
 * with an `outpostId` (or the one target the CLI names): observe the Outpost, assess it.
 */
export const capacityTargets = (policy: EniReattachConfig): CapacityTarget[] =>
  policy.groups.flatMap((g) =>
    g.outpostId === undefined
      ? []
      : [
          {
            group: g.name,
            outpostId: g.outpostId,
            interfaces: g.expectedInterfaces,
            ...(g.instanceType !== undefined ? { instanceType: g.instanceType } : {}),
          },
        ],
  );

export const checkCapacity = async (
  clients: CapacityClients,
  targets: readonly CapacityTarget[],
  now: Date,
): Promise<GroupCapacity[]> => {
  const out: GroupCapacity[] = [];
  for (const target of targets)
    out.push(assessCapacity(target, await observeOutpost(clients, target.outpostId, now)));
  return out;
};
