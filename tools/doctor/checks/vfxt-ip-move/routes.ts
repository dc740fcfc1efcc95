/**
 * Pure judgements of a vFXT cluster's /32 routes (route mode): the configured tables exist, every table
 * routes each address to one node's ENI (never elsewhere, never two nodes), and the nodes can route
 * (source/destination check off).
 */
import type { VfxtClusterConfig } from "../../../../functions/vfxt-ip-move/config";
import type { ClusterObservation, NodeState, RouteState } from "../../../../functions/vfxt-ip-move/plan";
import type { Finding } from "../../types";
import { specsOf } from "./addresses";
import { isHealthy } from "./health";
import type { ClusterFacts } from "./read";
import { CHECK, finding, SOURCES } from "./sources";

const nodeOfTarget = (obs: ClusterObservation, target: string | undefined): NodeState | undefined =>
  target === undefined
    ? undefined
    : obs.nodes.find((n) => n.instanceId === target || n.enis.some((e) => e.id === target));

type RouteProblem = "missing" | "elsewhere" | "unserved";

/** What is wrong with one table's /32 route of an address, if anything. */
const problemOf = (obs: ClusterObservation, route: RouteState | undefined): RouteProblem | undefined => {
  if (route === undefined) return "missing";
  const node = nodeOfTarget(obs, route.target);
  if (node === undefined) return "elsewhere";
  return route.state === "blackhole" || !isHealthy(node) ? "unserved" : undefined;
};

const describeRoute = (obs: ClusterObservation, route: RouteState | undefined): string => {
  const node = nodeOfTarget(obs, route?.target);
  const target = node === undefined ? (route?.target ?? "no target") : `${node.instanceId} (${node.state})`;
  return `${route?.routeTableId ?? "?"} → ${target}${route?.state === "blackhole" ? ", blackhole" : ""}`;
};

/** One address's routes in the tables that have a problem, one finding per kind of problem. */
const routeProblemFindings = (
  obs: ClusterObservation,
  cluster: string,
  address: string,
  routes: ReadonlyMap<string, RouteState | undefined>,
): Finding[] => {
  const byProblem = new Map<RouteProblem, string[]>();
  for (const [table, route] of routes) {
    const problem = problemOf(obs, route);
    if (problem !== undefined) byProblem.set(problem, [...(byProblem.get(problem) ?? []), table]);
  }
  const destination = `${address}/32`;
  const replace = (verb: string, table: string) =>
    `aws ec2 ${verb}-route --route-table-id ${table} --destination-cidr-block ${destination} --network-interface-id <healthy node ENI>`;
  return [...byProblem].map(([problem, tables]) => {
    const first = tables[0] ?? "";
    if (problem === "missing") {
      return finding(
        CHECK.routes,
        "warning",
        destination,
        `${tables.join(", ")} ${tables.length === 1 ? "has" : "have"} no static route for ${destination} (${cluster}): clients of ${tables.length === 1 ? "that table" : "those tables"} do not reach the address; the function creates it at its next run`,
        `${replace("create", first)} (each table)`,
        SOURCES.routeMoreSpecific,
      );
    }
    const seen = tables.map((t) => describeRoute(obs, routes.get(t))).join("; ");
    return problem === "elsewhere"
      ? finding(
          CHECK.routes,
          "warning",
          destination,
          `${destination} (${cluster}) is routed to no live node of the cluster (${seen}): a target ENI deleted with its node, or another system's; the function rewrites it to a healthy node`,
          `${replace("replace", first)} (each table)`,
          SOURCES.routeMoreSpecific,
        )
      : finding(
          CHECK.routes,
          "warning",
          destination,
          `${destination} (${cluster}) is routed to a node that is not healthy (${seen}): unserved now; the function moves it after the cluster's grace`,
          "check why the node failed and why the cluster did not move the route",
          SOURCES.routeMoreSpecific,
        );
  });
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
    const routes = new Map(
      present.map((table) => [
        table,
        obs.routes.find(
          (r) => r.routeTableId === table && r.destination === `${address}/32` && r.origin === "CreateRoute",
        ),
      ]),
    );
    out.push(...routeProblemFindings(obs, cluster.name, address, routes));
    out.push(
      ...disagreement(
        obs,
        cluster.name,
        address,
        [...routes.values()].flatMap((r) => (r === undefined ? [] : [r])),
      ),
    );
  }
  return [...out, ...sourceDestFindings(obs, cluster.name)];
};
