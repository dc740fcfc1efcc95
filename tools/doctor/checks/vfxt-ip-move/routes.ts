/**
 * Pure judgements of a vFXT cluster's /32 routes (route mode): the configured tables exist, every table
 * routes each address to one node's ENI (never elsewhere, never two nodes), and the nodes can route
 * (source/destination check off).
 */
import type { VfxtClusterConfig } from "../../../../functions/vfxt-ip-move/config";
import type { ClusterObservation, NodeState, RouteState } from "../../../../functions/vfxt-ip-move/plan";
import { healthOf } from "../../../../functions/vfxt-ip-move/plan/health";
import type { Finding } from "../../types";
import { specsOf } from "./addresses";
import type { ClusterFacts } from "./read";
import { CHECK, finding, SOURCES } from "./sources";

const nodeOfTarget = (obs: ClusterObservation, target: string | undefined): NodeState | undefined =>
  target === undefined
    ? undefined
    : obs.nodes.find((n) => n.instanceId === target || n.enis.some((e) => e.id === target));

const isHealthy = (node: NodeState) => healthOf(node, node.launchedAt, 0) === "healthy";

/** One table's /32 route of an address, judged. */
const routeFinding = (
  obs: ClusterObservation,
  cluster: string,
  address: string,
  table: string,
  route: RouteState | undefined,
): Finding | undefined => {
  const resource = `${table} ${address}/32`;
  const replace = `aws ec2 replace-route --route-table-id ${table} --destination-cidr-block ${address}/32 --network-interface-id <healthy node ENI>`;
  if (route === undefined) {
    return finding(
      CHECK.routes,
      "warning",
      resource,
      `${table} has no static route for ${address}/32 (${cluster}): clients of that table do not reach the address; the function creates it at its next run`,
      replace.replace("replace-route", "create-route"),
      SOURCES.routeMoreSpecific,
    );
  }
  const node = nodeOfTarget(obs, route.target);
  if (node === undefined) {
    return finding(
      CHECK.routes,
      "warning",
      resource,
      `${table} routes ${address}/32 (${cluster}) to ${route.target ?? "no target"}, which is no node of the cluster${route.state === "blackhole" ? " (blackhole)" : ""}: the function rewrites it to a healthy node`,
      replace,
      SOURCES.routeMoreSpecific,
    );
  }
  if (route.state === "blackhole" || !isHealthy(node)) {
    return finding(
      CHECK.routes,
      "warning",
      resource,
      `${table} routes ${address}/32 (${cluster}) to ${node.instanceId} (${node.state}${route.state === "blackhole" ? ", blackhole" : ""}): unserved now; the function moves it after the cluster's grace`,
      "check why the node failed and why the cluster did not move the route",
      SOURCES.routeMoreSpecific,
    );
  }
  return undefined;
};

/** The tables routing one address to two different healthy nodes: the cluster's to settle. */
const disagreement = (
  obs: ClusterObservation,
  cluster: string,
  address: string,
  routes: readonly RouteState[],
) => {
  const targets = new Set(
    routes.flatMap((r) => {
      const node = nodeOfTarget(obs, r.target);
      return node !== undefined && isHealthy(node) && r.state === "active" ? [node.instanceId] : [];
    }),
  );
  if (targets.size < 2) return [];
  return [
    finding(
      CHECK.routes,
      "warning",
      `${address}/32`,
      `the tables of ${cluster} route ${address}/32 to ${targets.size} healthy nodes (${[...targets].join(", ")}): clients reach it through different nodes (routes-disagree); the function leaves it to the cluster`,
      "point every table at the node the cluster serves the address on",
      SOURCES.routeMoreSpecific,
    ),
  ];
};

const tableFindings = (facts: ClusterFacts, cluster: VfxtClusterConfig): Finding[] =>
  cluster.routeTableIds
    .filter((id) => !facts.existingTables.has(id))
    .map((id) =>
      finding(
        CHECK.routes,
        "error",
        id,
        `route table ${id} (routeTableIds of ${cluster.name}) does not exist: the /32 routes there can never be moved`,
        `remove it from routeTableIds, or name the table that replaced it`,
        SOURCES.routeMoreSpecific,
      ),
    );

/** Nodes route a /32 address only with source/destination check off on their ENI. */
const sourceDestFindings = (obs: ClusterObservation, cluster: string): Finding[] => {
  const live = obs.nodes.filter((n) => n.state !== "terminated" && n.enis.length > 0);
  const routing = live.filter((n) => n.enis.some((e) => !e.sourceDestCheck));
  if (live.length > 0 && routing.length === 0) {
    return [
      finding(
        CHECK.routes,
        "error",
        cluster,
        `no node of ${cluster} has an ENI with source/destination check off: no node can take a /32 address (no-eligible-target)`,
        "aws ec2 modify-network-interface-attribute --network-interface-id <node ENI> --no-source-dest-check, on every node",
        SOURCES.sourceDestCheck,
      ),
    ];
  }
  return live
    .filter((n) => !routing.includes(n))
    .map((n) =>
      finding(
        CHECK.routes,
        "warning",
        n.instanceId,
        `${n.instanceId} (${cluster}) has source/destination check on on every ENI: it can never take a /32 address`,
        `aws ec2 modify-network-interface-attribute --network-interface-id ${n.enis[0]?.id ?? "<eni>"} --no-source-dest-check`,
        SOURCES.sourceDestCheck,
      ),
    );
};

export const routeFindings = (facts: ClusterFacts, cluster: VfxtClusterConfig): Finding[] => {
  const obs = facts.observation;
  if (obs === undefined) return tableFindings(facts, cluster);
  const addresses = specsOf(obs, cluster)
    .filter((s) => s.mode === "route")
    .map((s) => s.address);
  if (addresses.length === 0) return tableFindings(facts, cluster);
  const present = obs.routeTableIds.filter(
    (id) => !cluster.routeTableIds.includes(id) || facts.existingTables.has(id),
  );
  const out = tableFindings(facts, cluster);
  for (const address of addresses) {
    const routes = present.flatMap((table) => {
      const route = obs.routes.find(
        (r) => r.routeTableId === table && r.destination === `${address}/32` && r.origin === "CreateRoute",
      );
      const judged = routeFinding(obs, cluster.name, address, table, route);
      if (judged !== undefined) out.push(judged);
      return route === undefined ? [] : [route];
    });
    out.push(...disagreement(obs, cluster.name, address, routes));
  }
  return [...out, ...sourceDestFindings(obs, cluster.name)];
};
