import type { EC2Client } from "@aws-sdk/client-ec2";
import { type ElasticIpView, loadElasticIps } from "./observe/loaders";
import type { ClusterObservation, ClusterPlan } from "./plan";

/**
 * Elastic IPs on addresses that wait for the cluster's grace on a node shutting down. A moved address
 * takes its Elastic IP along (AssignPrivateIpAddresses API reference), but a terminated node's ENI is
 * deleted and the Elastic IP disassociated ("When a secondary private IPv4 address is unassigned from an
 * interface, an associated Elastic IP address is automatically disassociated", EC2 User Guide): the
 * address then moves without it. Seen before the wait, checked after the moves: a lost one is reported.
 */

export interface WatchedElasticIp extends ElasticIpView {
  cluster: string;
  address: string;
}

/** The Elastic IPs on the plan's waiting addresses (pure). */
export const watchedIn = (plan: ClusterPlan, observation: ClusterObservation): WatchedElasticIp[] =>
  (observation.elasticIps ?? []).flatMap((eip) => {
    const on = plan.waiting.find((w) => w.eniId === eip.networkInterfaceId && w.address === eip.privateIp);
    return on === undefined ? [] : [{ ...eip, cluster: plan.cluster, address: on.address }];
  });

/** The watched Elastic IPs that are no longer on their address (disassociated, or released). */
export const lostElasticIps = async (
  ec2: EC2Client,
  watched: readonly WatchedElasticIp[],
): Promise<WatchedElasticIp[]> => {
  if (watched.length === 0) return [];
  const now = await loadElasticIps(ec2, { allocationIds: watched.map((w) => w.allocationId) });
  return watched.filter((w) => {
    const eip = now.find((e) => e.allocationId === w.allocationId);
    return eip?.networkInterfaceId === undefined || eip.privateIp !== w.address;
  });
};
