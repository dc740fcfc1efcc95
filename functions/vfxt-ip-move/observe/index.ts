import type { EC2Client } from "@aws-sdk/client-ec2";
import {
  loadAddressLimits,
  loadInterfacesOfInstances,
  type NetworkInterfaceView,
} from "../../../shared/observe/interfaces";
import type { InstanceView, RouteView } from "../../../shared/observe/model";
import { ConfigurationError } from "../../../shared/runtime/errors";
import { expandAddresses } from "../addresses";
import type { VfxtClusterConfig } from "../config";
import type { ClusterObservation, EniState, NodeState, OtherHolder, RouteState, SubnetState } from "../plan";
import {
  loadElasticIpAddresses,
  loadElasticIps,
  loadHolders,
  loadInstanceStatus,
  loadRouteTables,
  loadVpcCidrs,
  loadVpcSubnets,
  type StatusView,
  transitionTime,
} from "./loaders";

/**
 * Fresh reads of the account for one cluster (AWS is the state), all scoped to the cluster's VPC: its
 * CIDR blocks and subnets, the nodes' status checks and ENIs, the ENIs of the VPC holding the addresses,
 * the instance types' address limits, the route tables of the /32 routes.
 */

const clusterAddresses = (entries: readonly string[], cluster: string, key: string): string[] => {
  try {
    return expandAddresses(entries);
  } catch (error) {
    throw new ConfigurationError(`vfxtIpMove cluster ${cluster}: invalid address`, {
      source: `vfxtIpMove.clusters.${cluster}.${key}`,
      issues: [String(error instanceof Error ? error.message : error)],
    });
  }
};

/** The cluster's VPC: declared, or the one VPC of its nodes (Avere: "Subnets must all be within the same VPC"). */
const vpcOf = (config: VfxtClusterConfig, nodes: readonly InstanceView[]): string | undefined => {
  if (config.vpcId !== undefined) return config.vpcId;
  const vpcs = [...new Set(nodes.flatMap((n) => (n.vpcId === undefined ? [] : [n.vpcId])))];
  if (vpcs.length > 1) {
    throw new ConfigurationError(`vfxtIpMove cluster ${config.name}: its nodes are in several VPCs`, {
      source: `vfxtIpMove.clusters.${config.name}`,
      issues: [`nodes in ${vpcs.join(", ")}: declare vpcId, or tag the nodes of one VPC only`],
    });
  }
  return vpcs[0];
};

const routeStateOf = (route: RouteView): RouteState => {
  const target =
    route.targets.find((t) => t.kind === "network-interface") ??
    route.targets.find((t) => t.kind === "instance") ??
    route.targets[0];
  return {
    routeTableId: route.routeTableId,
    destination: route.destination,
    target: target?.id,
    origin: route.origin,
    state: route.state,
  };
};

/**
 * The /32 route tables: the configured ones and, with `discoverRouteTables`, the table of each node
 * subnet (its explicit association, else the VPC's main table, as the cluster's own software does).
 */
const readRouteTables = async (
  ec2: EC2Client,
  config: VfxtClusterConfig,
  vpcId: string,
  nodeSubnets: readonly string[],
): Promise<{ ids: string[]; routes: RouteState[] }> => {
  if (!config.discoverRouteTables) {
    if (config.routeTableIds.length === 0) return { ids: [], routes: [] };
    const tables = await loadRouteTables(ec2, [
      { Name: "route-table-id", Values: [...config.routeTableIds] },
    ]);
    return { ids: [...config.routeTableIds], routes: tables.flatMap((t) => t.routes).map(routeStateOf) };
  }
  const tables = await loadRouteTables(ec2, [{ Name: "vpc-id", Values: [vpcId] }]);
  const main = tables.find((t) => t.main);
  const ids = new Set(config.routeTableIds);
  for (const subnet of nodeSubnets) {
    const table = tables.find((t) => t.subnetIds.includes(subnet)) ?? main;
    if (table !== undefined) ids.add(table.id);
  }
  const routes = tables.filter((t) => ids.has(t.id)).flatMap((t) => t.routes);
  return { ids: [...ids], routes: routes.map(routeStateOf) };
};

const toEniState = (eni: NetworkInterfaceView, elasticIps: ReadonlyMap<string, string[]>): EniState => ({
  id: eni.id,
  subnetId: eni.subnetId,
  deviceIndex: eni.attachment?.deviceIndex ?? 0,
  primaryIp: eni.primaryPrivateIp,
  secondaryIps: eni.secondaryPrivateIps,
  sourceDestCheck: eni.sourceDestCheck,
  ...(elasticIps.has(eni.id) ? { elasticIpAddresses: elasticIps.get(eni.id) } : {}),
});

const toNodeState = (
  node: InstanceView,
  status: StatusView | undefined,
  limit: number | undefined,
  enis: EniState[],
): NodeState => {
  const unhealthySince =
    node.state === "running" ? status?.impairedSince : transitionTime(node.stateTransitionReason);
  return {
    instanceId: node.id,
    state: node.state,
    checks: { instance: status?.instance, system: status?.system },
    launchedAt: node.launchTime.getTime(),
    ...(unhealthySince === undefined ? {} : { unhealthySince }),
    ...(limit === undefined ? {} : { addressLimit: limit }),
    enis,
  };
};

/** Addresses held by ENIs of the VPC that are not the nodes': the cluster's spare ENIs, or foreign ones. */
const otherHoldersOf = (
  holders: readonly NetworkInterfaceView[],
  config: VfxtClusterConfig,
  memberIds: ReadonlySet<string>,
  wanted: ReadonlySet<string>,
  tagKey: string,
): Record<string, OtherHolder> => {
  const out: Record<string, OtherHolder> = {};
  for (const eni of holders) {
    if (eni.attachment !== undefined && memberIds.has(eni.attachment.instanceId)) continue;
    const ours = eni.attachment === undefined && eni.tags[tagKey] === config.name;
    for (const ip of [eni.primaryPrivateIp, ...eni.secondaryPrivateIps]) {
      if (!wanted.has(ip)) continue;
      out[ip] = { eniId: eni.id, kind: ours && ip !== eni.primaryPrivateIp ? "cluster-eni" : "foreign" };
    }
  }
  return out;
};

/** A VPC's CIDR blocks and subnets. */
export interface VpcShape {
  vpcCidrs: string[];
  subnets: SubnetState[];
}

export interface ObserveOptions {
  tagKey: string;
  /** Read what a clean-up of retired addresses needs (the Elastic IPs on the nodes' ENIs). */
  cleanup: boolean;
  /**
   * The VPC reads of this round, by VPC id: clusters of one VPC observed in the same round share one
   * DescribeVpcs and one DescribeSubnets (read moments apart, they would say the same).
   */
  vpcReads?: Map<string, Promise<VpcShape>>;
}

const readVpcShape = (ec2: EC2Client, vpcId: string, shared?: Map<string, Promise<VpcShape>>) => {
  const known = shared?.get(vpcId);
  if (known !== undefined) return known;
  const read = Promise.all([loadVpcCidrs(ec2, vpcId), loadVpcSubnets(ec2, vpcId)]).then(
    ([vpcCidrs, subnets]) => ({ vpcCidrs, subnets }),
  );
  shared?.set(vpcId, read);
  return read;
};

const emptyVpc = { vpcCidrs: [], subnets: [], holders: [], routeTables: { ids: [], routes: [] } };

/** Everything the plan needs about one cluster, from fresh reads. */
export const observeCluster = async (
  ec2: EC2Client,
  config: VfxtClusterConfig,
  members: readonly InstanceView[],
  options: ObserveOptions,
): Promise<ClusterObservation> => {
  const addresses = clusterAddresses(config.addresses, config.name, "addresses");
  const retired = clusterAddresses(config.retiredAddresses, config.name, "retiredAddresses");
  const vpcId = vpcOf(config, members);
  const live = members.filter((n) => n.state !== "terminated");
  const nodeSubnets = [...new Set(live.flatMap((n) => (n.subnetId === undefined ? [] : [n.subnetId])))];
  // A node shutting down loses its ENIs, and their Elastic IPs are disassociated: watched from now on.
  const dying = live.filter((n) => n.state === "shutting-down").map((n) => n.id);
  const [statuses, nodeEnis, limits, vpc, dyingElasticIps] = await Promise.all([
    // A terminated node is unhealthy whatever its checks, and may already be unknown to DescribeInstanceStatus.
    loadInstanceStatus(
      ec2,
      live.map((n) => n.id),
    ),
    loadInterfacesOfInstances(
      ec2,
      live.map((n) => n.id),
    ),
    loadAddressLimits(
      ec2,
      members.map((n) => n.instanceType),
    ),
    vpcId === undefined
      ? emptyVpc
      : readVpc(ec2, config, vpcId, [...addresses, ...retired], nodeSubnets, options.vpcReads),
    dying.length === 0 ? [] : loadElasticIps(ec2, { instanceIds: dying }),
  ]);
  const needElasticIps = options.cleanup && retired.length > 0 && nodeEnis.length > 0;
  const elasticIps = needElasticIps
    ? await loadElasticIpAddresses(
        ec2,
        nodeEnis.map((e) => e.id),
      )
    : new Map();
  const nodes = members.map((m) =>
    toNodeState(
      m,
      statuses.get(m.id),
      limits[m.instanceType],
      nodeEnis.filter((e) => e.attachment?.instanceId === m.id).map((e) => toEniState(e, elasticIps)),
    ),
  );
  const memberIds = new Set(members.map((m) => m.id));
  return {
    name: config.name,
    ...(vpcId === undefined ? {} : { vpcId }),
    vpcCidrs: vpc.vpcCidrs,
    subnets: vpc.subnets,
    addresses,
    retired,
    routeTableIds: vpc.routeTables.ids,
    nodes,
    otherHolders: otherHoldersOf(vpc.holders, config, memberIds, new Set(addresses), options.tagKey),
    routes: vpc.routeTables.routes,
    ...(dyingElasticIps.length === 0 ? {} : { elasticIps: dyingElasticIps }),
  };
};

/** The VPC-scoped reads: CIDR blocks, subnets, the ENIs holding the addresses, the route tables. */
const readVpc = async (
  ec2: EC2Client,
  config: VfxtClusterConfig,
  vpcId: string,
  addresses: readonly string[],
  nodeSubnets: readonly string[],
  shared: Map<string, Promise<VpcShape>> | undefined,
) => {
  const [shape, holders, routeTables] = await Promise.all([
    readVpcShape(ec2, vpcId, shared),
    loadHolders(ec2, vpcId, addresses),
    readRouteTables(ec2, config, vpcId, nodeSubnets),
  ]);
  return { ...shape, holders, routeTables };
};
