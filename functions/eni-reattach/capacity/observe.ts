import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { OutpostsClient } from "@aws-sdk/client-outposts";
import {
  loadAvailableCapacity,
  loadNetworkLimits,
  loadOutpost,
  type NetworkLimits,
  type OutpostView,
} from "../../../shared/observe/attachments";

export interface CapacityClients {
  ec2: EC2Client;
  outposts: OutpostsClient;
  cloudWatch: CloudWatchClient;
}

/** What one Outpost shows: its state and types, the latest available counts, the types' ENI limits. */
export interface OutpostObservation {
  outpost: OutpostView;
  /** `AvailableInstanceType_Count` per type; a type with no datapoint is absent (unknown, not 0). */
  available: ReadonlyMap<string, number>;
  limits: ReadonlyMap<string, NetworkLimits>;
}

export const observeOutpost = async (
  clients: CapacityClients,
  outpostId: string,
  now: Date,
): Promise<OutpostObservation> => {
  const outpost = await loadOutpost(clients.outposts, outpostId);
  const [available, limits] = await Promise.all([
    loadAvailableCapacity(clients.cloudWatch, outpost.id, outpost.instanceTypes, now),
    loadNetworkLimits(clients.ec2, outpost.instanceTypes),
  ]);
  return { outpost, available, limits };
};
