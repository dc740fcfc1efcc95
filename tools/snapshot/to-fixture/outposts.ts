import type { OutpostRead } from "../read/outposts";
import { compact, type Out } from "./common";

/** An Outpost, its configured types and their available capacity now (the latest datapoint; null: none). */
export const toOutpost = ({ outpost, instanceTypes, available }: OutpostRead): Out<"outposts"> =>
  compact({
    id: outpost.OutpostId ?? "",
    name: outpost.Name,
    siteId: outpost.SiteId,
    availabilityZone: outpost.AvailabilityZone ?? "",
    lifeCycleStatus: outpost.LifeCycleStatus,
    ownerId: outpost.OwnerId,
    instanceTypes: instanceTypes.map((instanceType) => ({
      instanceType,
      availableCount: available.get(instanceType) ?? null,
    })),
  });
