import type { RouteView } from "../../../../shared/observe/model";
import type { Plan, PlannedAction, Skip } from "../../../../shared/pipeline/types";
import type { Decision } from "./decide";

/**
 * The route plan of one dx-failover group: a pure function of (decision, observed routes, group) → one
 * cell per route table × CIDR, and the create/delete actions among them. Property-tested in
 * test/functions/dx-failover/routes.test.ts.
 *
 * - desired "vpn": a CIDR without a static route gets `create` (static route to the appliance ENI, which
 *   overrides the propagated DX route); a static route to the appliance ENI is already right (`none`);
 *   a static route to another target is a `conflict`: refused, reported, nothing touched.
 * - desired "direct-connect": our static route (origin CreateRoute, target = the appliance ENI, CIDR listed
 *   in the table's ownership tag) is deleted only when the decision makes the CIDR eligible for failback
 *   AND the propagated DX route of that CIDR is present and active in that very table: a CIDR is never left
 *   without a route. A static route we did not create is never touched.
 * - desired "hold": nothing, not even the ownership tags.
 * - `ownership` is the CIDR list each table's ownership tag must carry once the plan is applied: the executor
 *   writes the tag BEFORE CreateRoute and AFTER DeleteRoute, so a route of ours is never unlisted.
 */

export const CREATE_ROUTE_ACTION = "ec2:create-route";
export const DELETE_ROUTE_ACTION = "ec2:delete-route";

export interface GroupTable {
  routeTableId: string;
  /** CIDRs whose static route the toolkit created in this table (from the ownership tag). */
  created: readonly string[];
}

export interface RouteGroup {
  name: string;
  applianceEniId: string;
  cidrs: readonly string[];
  tables: readonly GroupTable[];
}

export type CellAction = "create" | "delete" | "conflict" | "none";

export type CellReason =
  | "missing-static-route"
  | "failback"
  | "conflicting-static-route"
  | "already-on-vpn"
  | "static-route-not-owned"
  | "awaiting-propagated-route"
  | "failback-not-eligible"
  | "on-direct-connect"
  | "hold";

export interface RouteCell {
  routeTableId: string;
  cidr: string;
  action: CellAction;
  reason: CellReason;
  /** The target of the static route found, if any. */
  staticTarget?: string;
  propagatedPresent: boolean;
}

export interface RouteParams {
  operation: "create" | "delete";
  group: string;
  routeTableId: string;
  destinationCidrBlock: string;
  networkInterfaceId: string;
}

export interface RoutePlan extends Plan<RouteParams> {
  decision: "failover" | "failback" | "reconcile" | "nothing-to-do" | "hold";
  desired: Decision["desired"];
  cells: RouteCell[];
  /** Route table → the sorted CIDR list of its ownership tag after the plan. */
  ownership: Record<string, string[]>;
}

const targetId = (r: RouteView): string => r.targets.map((t) => t.id).join("+") || "(none)";

const targetsEni = (r: RouteView, eni: string) =>
  r.targets.length === 1 && r.targets[0]?.kind === "network-interface" && r.targets[0].id === eni;

export const isStatic = (r: RouteView) => r.origin === "CreateRoute";
export const isPropagated = (r: RouteView) => r.origin === "EnableVgwRoutePropagation";

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const planRoutes = (
  decision: Pick<Decision, "desired" | "activePath" | "cidrs">,
  observedRoutes: readonly RouteView[],
  group: RouteGroup,
): RoutePlan => {
  const eni = group.applianceEniId;
  const cidrs = [...new Set(group.cidrs)].sort(byString);
  const tables = [...group.tables].sort((a, b) => byString(a.routeTableId, b.routeTableId));
  const eligible = new Set(decision.cidrs.filter((c) => c.failback).map((c) => c.cidr));
  const cells: RouteCell[] = [];
  const actions: PlannedAction<RouteParams>[] = [];
  const skips: Skip[] = [];
  const ownership: Record<string, string[]> = {};

  for (const table of tables) {
    const rtb = table.routeTableId;
    const routes = observedRoutes.filter((r) => r.routeTableId === rtb);
    const created = new Set(table.created);
    const staticOf = (cidr: string) => routes.find((r) => isStatic(r) && r.destination === cidr);
    const ours = (cidr: string) => {
      const r = staticOf(cidr);
      return r !== undefined && targetsEni(r, eni) && created.has(cidr);
    };
    // The tag after the plan: what we created and still exists, plus what we create now, minus what we delete.
    const owned = new Set([...created].filter((c) => ours(c)));

    for (const cidr of cidrs) {
      const st = staticOf(cidr);
      const propagatedPresent = routes.some(
        (r) => isPropagated(r) && r.destination === cidr && r.state === "active",
      );
      const cell = (action: CellAction, reason: CellReason): RouteCell => ({
        routeTableId: rtb,
        cidr,
        action,
        reason,
        ...(st ? { staticTarget: targetId(st) } : {}),
        propagatedPresent,
      });
      const resource = `${rtb}:${cidr}`;
      const params = (operation: RouteParams["operation"]): RouteParams => ({
        operation,
        group: group.name,
        routeTableId: rtb,
        destinationCidrBlock: cidr,
        networkInterfaceId: eni,
      });

      if (decision.desired === "hold") {
        cells.push(cell("none", "hold"));
        continue;
      }
      if (st !== undefined && !targetsEni(st, eni)) {
        cells.push(cell("conflict", "conflicting-static-route"));
        skips.push({
          resource,
          reason: "conflicting-static-route",
          detail: `${rtb} has a static route for ${cidr} to ${targetId(st)}, not to ${eni}: refused, left untouched`,
        });
        continue;
      }
      if (decision.desired === "vpn") {
        if (st === undefined) {
          cells.push(cell("create", "missing-static-route"));
          owned.add(cidr);
          actions.push({
            id: `dx-failover:${group.name}:create:${rtb}:${cidr}`,
            kind: CREATE_ROUTE_ACTION,
            resources: [rtb],
            description: `static route ${cidr} → ${eni} in ${rtb} (overrides the propagated Direct Connect route)`,
            params: params("create"),
          });
        } else if (created.has(cidr)) cells.push(cell("none", "already-on-vpn"));
        else {
          // Already routed to the appliance, but not by us: right for a failover, never ours to delete.
          cells.push(cell("none", "static-route-not-owned"));
          skips.push({
            resource,
            reason: "static-route-not-owned",
            detail: `${rtb} already routes ${cidr} to ${eni}, but the toolkit did not create that route: it will not delete it on failback`,
          });
        }
        continue;
      }
      // desired === "direct-connect"
      if (st === undefined) {
        cells.push(cell("none", "on-direct-connect"));
        continue;
      }
      if (!created.has(cidr)) {
        cells.push(cell("none", "static-route-not-owned"));
        skips.push({
          resource,
          reason: "static-route-not-owned",
          detail: `${rtb} routes ${cidr} to ${eni} through a static route the toolkit did not create: not deleted`,
        });
        continue;
      }
      if (!eligible.has(cidr)) {
        cells.push(cell("none", "failback-not-eligible"));
        skips.push({
          resource,
          reason: "failback-not-eligible",
          detail: `${cidr} is not eligible for failback yet: the static route in ${rtb} stays`,
        });
        continue;
      }
      if (!propagatedPresent) {
        cells.push(cell("none", "awaiting-propagated-route"));
        skips.push({
          resource,
          reason: "awaiting-propagated-route",
          detail: `no active propagated Direct Connect route for ${cidr} in ${rtb}: deleting the static route would leave it without a route`,
        });
        continue;
      }
      cells.push(cell("delete", "failback"));
      owned.delete(cidr);
      actions.push({
        id: `dx-failover:${group.name}:delete:${rtb}:${cidr}`,
        kind: DELETE_ROUTE_ACTION,
        resources: [rtb],
        description: `delete our static route ${cidr} → ${eni} in ${rtb} (the propagated Direct Connect route takes over)`,
        params: params("delete"),
      });
    }
    ownership[rtb] =
      decision.desired === "hold" ? [...table.created].sort(byString) : [...owned].sort(byString);
  }

  const planDecision: RoutePlan["decision"] =
    decision.desired === "hold"
      ? "hold"
      : actions.length === 0
        ? "nothing-to-do"
        : decision.desired === decision.activePath
          ? "reconcile"
          : decision.desired === "vpn"
            ? "failover"
            : "failback";
  return { decision: planDecision, desired: decision.desired, actions, skips, cells, ownership };
};
