import { compareIps } from "../addresses";
import { addSkip, healthOfNode, type Ledger } from "./ledger";
import type { RouteChange, RouteState } from "./types";

/** The /32 routes of route-mode addresses in the cluster's route tables: who they point to, what to change. */

export const destinationOf = (address: string): string => `${address}/32`;

/** The static route of a destination in a table (a propagated one is not ours to change). */
export const staticRoute = (ledger: Ledger, table: string, destination: string): RouteState | undefined =>
  ledger.obs.routes.find(
    (r) => r.routeTableId === table && r.destination === destination && r.origin === "CreateRoute",
  );

/** The ENI a route target means: an instance target is its primary ENI (EC2 routes to it). */
export const routeTargetEni = (ledger: Ledger, target: string | undefined): string | undefined => {
  if (target === undefined || !target.startsWith("i-")) return target;
  return ledger.nodes.find((n) => n.instanceId === target)?.enis.find((e) => e.deviceIndex === 0)?.id;
};

/**
 * The ENIs the address's /32 routes target, most agreeing tables first (ties: by ENI id); an instance
 * target whose ENI is gone (terminated: EC2 deleted it) stays its instance id, so its node is still known.
 */
export const rankedTargets = (ledger: Ledger, address: string): string[] => {
  const counts = new Map<string, number>();
  for (const table of ledger.obs.routeTableIds) {
    const target = staticRoute(ledger, table, destinationOf(address))?.target;
    const eni = routeTargetEni(ledger, target) ?? target;
    if (eni !== undefined) counts.set(eni, (counts.get(eni) ?? 0) + 1);
  }
  return [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).map(([eni]) => eni);
};

/** An ENI a healthy node can route through: a route to it is where the cluster (or an operator) put it. */
const servingEni = (ledger: Ledger, eniId: string | undefined): boolean => {
  const node = eniId === undefined ? undefined : ledger.nodeOfEni.get(eniId);
  return (
    node !== undefined &&
    healthOfNode(ledger, node.instanceId) === "healthy" &&
    ledger.eniById.get(eniId as string)?.sourceDestCheck === false
  );
};

/**
 * Route-mode addresses that keep their target but whose tables disagree: a route missing, or to a node
 * that is not healthy (blackhole), is repaired to the target. A table routing to another healthy node is
 * never rewritten with rebalance off: the cluster moves its own routes (only in its own tables, AvereSDK
 * `_get_route_tables`), so two healthy targets are reported (`routes-disagree`) and nothing is written.
 */
export const routeRepairs = (ledger: Ledger): string[] => {
  const moved = new Set(ledger.moves.map((m) => m.address));
  const out: string[] = [];
  for (const [address, target] of ledger.routeTargets) {
    if (moved.has(address)) continue;
    const others = ledger.obs.routeTableIds
      .map((table) => ({
        table,
        eni: routeTargetEni(ledger, staticRoute(ledger, table, destinationOf(address))?.target),
      }))
      .filter((t) => t.eni !== target.eni);
    const elsewhere = others.filter((t) => servingEni(ledger, t.eni));
    if (elsewhere.length > 0 && !ledger.policy.rebalance) {
      addSkip(
        ledger,
        address,
        "routes-disagree",
        `tables route ${address} to healthy nodes' ENIs ${[target.eni, ...new Set(elsewhere.map((t) => t.eni))].join(", ")} (${elsewhere.map((t) => t.table).join(", ")} differ): the cluster's to settle, nothing written`,
      );
      continue;
    }
    if (others.length > 0) out.push(address);
  }
  return out.sort(compareIps);
};

/** Every table's write for these addresses: ReplaceRoute where a static route exists, CreateRoute otherwise. */
export const routeChanges = (ledger: Ledger, addresses: readonly string[]): RouteChange[] => {
  const changes: RouteChange[] = [];
  for (const address of [...addresses].sort(compareIps)) {
    const target = ledger.routeTargets.get(address);
    if (target === undefined) continue;
    const destination = destinationOf(address);
    for (const table of ledger.obs.routeTableIds) {
      const route = staticRoute(ledger, table, destination);
      if (route !== undefined && routeTargetEni(ledger, route.target) === target.eni) continue;
      changes.push({
        routeTableId: table,
        destination,
        address,
        networkInterfaceId: target.eni,
        instanceId: target.instanceId,
        operation: route === undefined ? "create" : "replace",
        previousTarget: route?.target,
      });
    }
  }
  return changes;
};
