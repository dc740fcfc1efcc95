import type { EC2Client } from "@aws-sdk/client-ec2";
import {
  loadAddressLimits,
  loadInterfacesHoldingAddresses,
  loadInterfacesOfInstances,
  loadSubnets,
} from "../../shared/observe/interfaces";
import { describeRoutes } from "../../shared/observe/loaders";
import type { InstanceView, RouteView } from "../../shared/observe/model";
import { ConfigurationError } from "../../shared/runtime/errors";
import { expandAddresses } from "./addresses";
import type { VfxtClusterConfig } from "./config";
import type { ClusterObservation, NodeState, RouteState } from "./plan";

/** Fresh reads of the account for the clusters an invocation acts on (AWS is the state). */

export const clusterAddresses = (cluster: VfxtClusterConfig): string[] => {
  try {
    return expandAddresses(cluster.addresses);
  } catch (error) {
    throw new ConfigurationError(`vfxtIpMove cluster ${cluster.name}: invalid address`, {
      source: `vfxtIpMove.clusters.${cluster.name}.addresses`,
      issues: [String(error instanceof Error ? error.message : error)],
    });
  }
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

/** Fresh reads of everything the plan needs for these clusters. */
export const observeClusters = async (
  ec2: EC2Client,
  failingInstances: ReadonlySet<string>,
  clusters: ReadonlyArray<{ config: VfxtClusterConfig; addresses: string[]; nodes: InstanceView[] }>,
  tagKey: string,
): Promise<ClusterObservation[]> => {
  const nodes = clusters.flatMap((c) => c.nodes);
  const [nodeEnis, holders, limits] = await Promise.all([
    loadInterfacesOfInstances(
      ec2,
      nodes.filter((n) => n.state !== "terminated").map((n) => n.id),
    ),
    loadInterfacesHoldingAddresses(
      ec2,
      clusters.flatMap((c) => c.addresses),
    ),
    loadAddressLimits(
      ec2,
      nodes.map((n) => n.instanceType),
    ),
  ]);
  const tables = [...new Set(clusters.flatMap((c) => c.config.routeTableIds))];
  const [subnets, routes] = await Promise.all([
    loadSubnets(
      ec2,
      nodeEnis.map((e) => e.subnetId),
    ),
    tables.length > 0
      ? describeRoutes(ec2, [{ Name: "route-table-id", Values: tables }])
      : Promise.resolve([]),
  ]);
  const cidrOf = new Map(subnets.map((s) => [s.id, s.cidrBlock]));
  return clusters.map(({ config, addresses, nodes: members }) => {
    const memberIds = new Set(members.map((m) => m.id));
    const clusterEniHolders: Record<string, string> = {};
    const foreignHolders: Record<string, string> = {};
    const wanted = new Set(addresses);
    for (const eni of holders) {
      if (eni.attachment !== undefined && memberIds.has(eni.attachment.instanceId)) continue;
      const ours = eni.attachment === undefined && eni.tags[tagKey] === config.name;
      for (const ip of [eni.primaryPrivateIp, ...eni.secondaryPrivateIps]) {
        if (!wanted.has(ip)) continue;
        if (ours && ip !== eni.primaryPrivateIp) clusterEniHolders[ip] = eni.id;
        else foreignHolders[ip] = eni.id;
      }
    }
    const nodeStates: NodeState[] = members.map((m) => ({
      instanceId: m.id,
      state: m.state,
      statusCheckFailing: failingInstances.has(m.id),
      addressLimit: limits[m.instanceType],
      enis: nodeEnis
        .filter((e) => e.attachment?.instanceId === m.id)
        .map((e) => ({
          id: e.id,
          subnetId: e.subnetId,
          subnetCidr: cidrOf.get(e.subnetId),
          deviceIndex: e.attachment?.deviceIndex ?? 0,
          primaryIp: e.primaryPrivateIp,
          secondaryIps: e.secondaryPrivateIps,
          sourceDestCheck: e.sourceDestCheck,
        })),
    }));
    const clusterTables = new Set(config.routeTableIds);
    return {
      name: config.name,
      addresses,
      routeTableIds: config.routeTableIds,
      rebalance: config.rebalance,
      nodes: nodeStates,
      clusterEniHolders,
      foreignHolders,
      routes: routes.filter((r) => clusterTables.has(r.routeTableId)).map(routeStateOf),
    };
  });
};
