/**
 * The read-only reads of the vfxt-ip-move doctor checks, once per (doctor run, cluster): the nodes as the
 * function finds them (tag, and `instanceIds` when listed), the capability's own observation of the cluster
 * (functions/vfxt-ip-move/observe), the subnet CIDR reservations of the address subnets, the configured
 * route tables that exist, and the nodes' status-check alarms.
 */
import { DescribeVpcsCommand, type EC2Client, GetSubnetCidrReservationsCommand } from "@aws-sdk/client-ec2";
import type { VfxtClusterConfig } from "../../../../functions/vfxt-ip-move/config";
import { observeCluster } from "../../../../functions/vfxt-ip-move/observe";
import { loadRouteTables } from "../../../../functions/vfxt-ip-move/observe/loaders";
import type { ClusterObservation } from "../../../../functions/vfxt-ip-move/plan";
import { awsCall } from "../../../../shared/aws/errors";
import { containsAddress } from "../../../../shared/net/cidr";
import { describeInstances, loadMetricAlarms } from "../../../../shared/observe/loaders";
import type { AlarmView, InstanceView } from "../../../../shared/observe/model";
import { ConfigurationError } from "../../../../shared/runtime/errors";
import type { DoctorContext } from "../../types";
import { cachedRead } from "../support";

export interface ReservationFacts {
  cidr: string;
  type: string;
}

export interface ClusterFacts {
  /** Instances tagged with the cluster's name (listed or not). */
  tagged: InstanceView[];
  /** The nodes: tagged and, when the cluster lists `instanceIds`, listed. */
  nodes: InstanceView[];
  /** The capability's observation; absent when it refused the cluster (`problem`). */
  observation?: ClusterObservation;
  /** Why the cluster cannot be observed (its nodes in several VPCs, a declared VPC that does not exist). */
  problem?: { message: string; fix: string };
  /** Subnet CIDR reservations of the subnets holding secondary-mode addresses, by subnet id. */
  reservations: ReadonlyMap<string, readonly ReservationFacts[]>;
  /** Configured route tables that exist. */
  existingTables: ReadonlySet<string>;
  /** Status-check alarms found, by name. */
  alarms: ReadonlyMap<string, AlarmView>;
}

const loadReservations = async (ec2: EC2Client, subnetId: string): Promise<ReservationFacts[]> => {
  const out: ReservationFacts[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall("ec2", "GetSubnetCidrReservations", () =>
      ec2.send(new GetSubnetCidrReservationsCommand({ SubnetId: subnetId, NextToken: nextToken })),
    );
    for (const r of page.SubnetIpv4CidrReservations ?? []) {
      if (r.Cidr !== undefined) out.push({ cidr: r.Cidr, type: r.ReservationType ?? "" });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
};

const vpcExists = async (ec2: EC2Client, vpcId: string): Promise<boolean> => {
  const page = await awsCall("ec2", "DescribeVpcs", () =>
    ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] })),
  );
  return (page.Vpcs ?? []).length > 0;
};

/** The capability's observation, or the configuration problem it raises for this cluster. */
const observe = async (
  ctx: DoctorContext,
  cluster: VfxtClusterConfig,
  nodes: readonly InstanceView[],
): Promise<Pick<ClusterFacts, "observation" | "problem">> => {
  // The capability reads a declared VPC by id (DescribeVpcs VpcIds): one that does not exist fails the read.
  if (cluster.vpcId !== undefined && !(await vpcExists(ctx.clients.ec2, cluster.vpcId))) {
    return {
      problem: {
        message: `vpcId ${cluster.vpcId} of cluster ${cluster.name} does not exist in this Region: the function cannot read the cluster`,
        fix: "correct vfxtIpMove.clusters[].vpcId (or remove it: the nodes' VPC is used)",
      },
    };
  }
  try {
    const tagKey = ctx.config.vfxtIpMove.clusterTagKey;
    return { observation: await observeCluster(ctx.clients.ec2, cluster, nodes, { tagKey, cleanup: false }) };
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    return {
      problem: {
        message: [error.message, ...error.context.issues].join(": "),
        fix: "declare vpcId for the cluster, or tag only the nodes of its VPC",
      },
    };
  }
};

/** Subnets of the cluster's VPC that contain one of its addresses (secondary-mode candidates). */
const addressSubnets = (obs: ClusterObservation | undefined): string[] =>
  (obs?.subnets ?? [])
    .filter((s) => obs?.addresses.some((a) => containsAddress(s.cidr, a, { version: 4 })))
    .map((s) => s.id);

const readCluster = async (ctx: DoctorContext, cluster: VfxtClusterConfig): Promise<ClusterFacts> => {
  const { ec2, cloudWatch } = ctx.clients;
  const tagKey = ctx.config.vfxtIpMove.clusterTagKey;
  const tagged = await describeInstances(ec2, [{ Name: `tag:${tagKey}`, Values: [cluster.name] }]);
  const listed = new Set(cluster.instanceIds);
  const nodes = cluster.instanceIds.length === 0 ? tagged : tagged.filter((i) => listed.has(i.id));
  const prefix = ctx.config.vfxtIpMove.statusAlarmPrefix;
  const [observed, tables, alarms] = await Promise.all([
    observe(ctx, cluster, nodes),
    cluster.routeTableIds.length === 0
      ? Promise.resolve([])
      : loadRouteTables(ec2, [{ Name: "route-table-id", Values: [...cluster.routeTableIds] }]),
    loadMetricAlarms(cloudWatch, { names: nodes.map((n) => `${prefix}${n.id}`) }),
  ]);
  const subnets = addressSubnets(observed.observation);
  const reservations = await Promise.all(subnets.map((id) => loadReservations(ec2, id)));
  return {
    tagged,
    nodes,
    ...observed,
    reservations: new Map(subnets.map((id, i) => [id, reservations[i] ?? []])),
    existingTables: new Set(tables.map((t) => t.id)),
    alarms: new Map(alarms.map((a) => [a.name, a])),
  };
};

/** One read per (doctor run, cluster), shared by every vfxt-ip-move check of the run. */
export const clusterFacts = (ctx: DoctorContext, cluster: VfxtClusterConfig): Promise<ClusterFacts> =>
  cachedRead(ctx, `vfxt-ip-move:${cluster.name}`, () => readCluster(ctx, cluster));

/** The read-only calls of the reads above (for `--print-policy`). */
export const CLUSTER_READ_ACTIONS = [
  "ec2:DescribeInstances",
  "ec2:DescribeInstanceStatus",
  "ec2:DescribeInstanceTypes",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeVpcs",
  "ec2:DescribeSubnets",
  "ec2:DescribeRouteTables",
  "ec2:DescribeAddresses",
  "ec2:GetSubnetCidrReservations",
  "cloudwatch:DescribeAlarms",
] as const;
