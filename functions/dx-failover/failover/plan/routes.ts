import { parseCidr } from "../../../../shared/net/cidr";
import type { Plan, PlannedAction, Skip } from "../../../../shared/pipeline/types";
import {
  type Candidate,
  candidatesOf,
  type FailbackVerdict,
  judgeFailback,
  judgeOverride,
  type OverrideVerdict,
  type PrefixListLimit,
  type TableRoute,
} from "./effective";
import type { Decision } from "./types";

/**
 * The route plan of one dx-failover group: a pure function of (decision, observed tables, group) → one
 * cell per route table × CIDR, and the create/replace/delete actions among them. Property-tested in
 * test/functions/dx-failover/failover/routes.test.ts.
 *
 * - desired "vpn": a CIDR without a static route gets `create` (a static route to the appliance ENI); a
 *   static route of ours to an earlier appliance ENI (blackhole, or an ENI that carried the appliance) gets
 *   `replace` (ReplaceRoute: no moment without a route); a static route of someone else is a `conflict`.
 *   Each cell carries the judgment of the effective route: does our route carry all of the CIDR, or do
 *   more specific routes defeat it.
 * - desired "direct-connect": our static route (listed in the ownership tag) is deleted only when the CIDR
 *   is eligible and, without it, Direct Connect would carry every address of the CIDR in that table
 *   (longest prefix: an aggregate counts, a default route to elsewhere does not). A static route we did
 *   not create is never touched.
 * - desired "hold": nothing.
 */

export const CREATE_ROUTE_ACTION = "ec2:create-route";
export const REPLACE_ROUTE_ACTION = "ec2:replace-route";
export const DELETE_ROUTE_ACTION = "ec2:delete-route";

export interface PlanTable {
  routeTableId: string;
  routes: readonly TableRoute[];
  /** CIDRs whose static route the toolkit created in this table for this group (ownership tag). */
  created: readonly string[];
}

export interface RouteGroup {
  name: string;
  /** The appliance ENI now; undefined when not found (nothing can go to the VPN). */
  applianceEniId?: string;
  /** ENIs that were the appliance before (recorded, or carrying the appliance tag): our routes may move off them. */
  previousEnis: readonly string[];
  /** Canonical CIDRs. */
  cidrs: readonly string[];
  tables: readonly PlanTable[];
  prefixLists: ReadonlyMap<string, readonly string[]>;
  /** MaxEntries and family of the prefix lists the tables use (what the route quota counts). */
  prefixListLimits?: ReadonlyMap<string, PrefixListLimit>;
}

export type CellAction = "create" | "replace" | "delete" | "conflict" | "none";

export type CellReason =
  | "missing-static-route"
  | "appliance-replaced"
  | "failback"
  | "conflicting-static-route"
  | "already-on-vpn"
  | "static-route-not-owned"
  | "awaiting-direct-connect"
  | "failback-not-eligible"
  | "on-direct-connect"
  | "no-appliance"
  | "family-on-direct-connect"
  | "hold";

export interface RouteCell {
  routeTableId: string;
  cidr: string;
  action: CellAction;
  reason: CellReason;
  /** The target of the static route found, if any. */
  staticTarget?: string;
  /** Desired VPN: whether our route (once written) carries all of the CIDR. */
  override?: OverrideVerdict;
  /** Desired DX: whether Direct Connect carries all of the CIDR without our route. */
  failback?: FailbackVerdict;
}

export interface RouteParams {
  operation: "create" | "replace" | "delete";
  group: string;
  routeTableId: string;
  /** The CIDR (IPv4 or IPv6). */
  destination: string;
  networkInterfaceId: string;
}

export interface RoutePlan extends Plan<RouteParams> {
  decision: "failover" | "failback" | "reconcile" | "nothing-to-do" | "hold";
  desired: Decision["desired"];
  cells: RouteCell[];
  /** Route table → the sorted CIDR list of its ownership tag after the plan. */
  ownership: Record<string, string[]>;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const soleEni = (r: TableRoute): string | undefined =>
  r.targets.length === 1 && r.targets[0]?.kind === "network-interface" ? r.targets[0].id : undefined;

const targetId = (r: TableRoute): string => r.targets.map((t) => t.id).join("+") || "(none)";

/** The static route for exactly this CIDR (ours or not), if any. */
export const staticFor = (routes: readonly TableRoute[], cidr: string): TableRoute | undefined =>
  routes.find((r) => r.origin === "CreateRoute" && r.kind !== "prefix-list" && r.destination === cidr);

/** Our route in a table: listed as ours, to the appliance or to an earlier appliance we may move it off. */
export const ourRoute = (group: RouteGroup, table: PlanTable, cidr: string) => {
  const st = staticFor(table.routes, cidr);
  if (st === undefined || !table.created.includes(cidr)) return undefined;
  const eni = soleEni(st);
  if (eni === undefined) return undefined;
  if (eni === group.applianceEniId) return { route: st, current: true };
  const earlier = st.state === "blackhole" || group.previousEnis.includes(eni);
  return earlier ? { route: st, current: false } : undefined;
};

const versionOf = (cidr: string) => parseCidr(cidr)?.version ?? 4;

/** The candidates of a table for the family of `cidr`, with `extra` routes (a route about to be written). */
const candidates = (
  group: RouteGroup,
  table: PlanTable,
  cidr: string,
  extra: TableRoute[] = [],
): Candidate[] => candidatesOf([...table.routes, ...extra], group.prefixLists, versionOf(cidr)).candidates;

const routeTo = (cidr: string, eni: string): TableRoute => ({
  destination: cidr,
  kind: versionOf(cidr) === 4 ? "ipv4" : "ipv6",
  targets: [{ kind: "network-interface", id: eni }],
  state: "active",
  origin: "CreateRoute",
});

const isTo = (cidr: string, eni: string | undefined) => (r: TableRoute) =>
  r.origin === "CreateRoute" && r.destination === cidr && soleEni(r) === eni;

/** Whether Direct Connect would carry `cidr` in `table` once our route is gone. */
export const failbackVerdictOf = (group: RouteGroup, table: PlanTable, cidr: string): FailbackVerdict => {
  const block = parseCidr(cidr);
  const ours = ourRoute(group, table, cidr)?.route;
  if (block === undefined) return { kind: "blocked", segments: [] };
  return judgeFailback(candidates(group, table, cidr), block, (r) => r === ours);
};

/** Whether our route to the appliance carries all of `cidr` in `table` (with the route written, if it is not yet). */
export const overrideVerdictOf = (
  group: RouteGroup,
  table: PlanTable,
  cidr: string,
): OverrideVerdict | undefined => {
  const block = parseCidr(cidr);
  const eni = group.applianceEniId;
  if (block === undefined || eni === undefined) return undefined;
  const written = table.routes.some(isTo(cidr, eni));
  const all = candidates(group, table, cidr, written ? [] : [routeTo(cidr, eni)]);
  return judgeOverride(
    all.filter(
      (c) => !(c.route.origin === "CreateRoute" && c.route.destination === cidr && !isTo(cidr, eni)(c.route)),
    ),
    block,
    isTo(cidr, eni),
  );
};

interface CellInput {
  group: RouteGroup;
  table: PlanTable;
  cidr: string;
  eligible: boolean;
}

const cellBase = (i: CellInput, st: TableRoute | undefined) => ({
  routeTableId: i.table.routeTableId,
  cidr: i.cidr,
  ...(st ? { staticTarget: targetId(st) } : {}),
});

/** The cell of one table × CIDR when the VPN is desired. */
const vpnCell = (i: CellInput): RouteCell => {
  const st = staticFor(i.table.routes, i.cidr);
  const base = cellBase(i, st);
  if (i.group.applianceEniId === undefined) return { ...base, action: "none", reason: "no-appliance" };
  const override = overrideVerdictOf(i.group, i.table, i.cidr);
  const judged = override !== undefined ? { override } : {};
  if (st === undefined) return { ...base, action: "create", reason: "missing-static-route", ...judged };
  const ours = ourRoute(i.group, i.table, i.cidr);
  if (ours?.current === false) return { ...base, action: "replace", reason: "appliance-replaced", ...judged };
  if (soleEni(st) === i.group.applianceEniId)
    return { ...base, action: "none", reason: ours ? "already-on-vpn" : "static-route-not-owned", ...judged };
  return { ...base, action: "conflict", reason: "conflicting-static-route" };
};

/** The cell of one table × CIDR when Direct Connect is desired. */
const dxCell = (i: CellInput): RouteCell => {
  const st = staticFor(i.table.routes, i.cidr);
  const base = cellBase(i, st);
  if (st === undefined) return { ...base, action: "none", reason: "on-direct-connect" };
  if (!i.table.created.includes(i.cidr)) return { ...base, action: "none", reason: "static-route-not-owned" };
  if (ourRoute(i.group, i.table, i.cidr) === undefined)
    return { ...base, action: "conflict", reason: "conflicting-static-route" };
  const failback = failbackVerdictOf(i.group, i.table, i.cidr);
  if (!i.eligible) return { ...base, action: "none", reason: "failback-not-eligible", failback };
  if (failback.kind !== "direct-connect")
    return { ...base, action: "none", reason: "awaiting-direct-connect", failback };
  return { ...base, action: "delete", reason: "failback", failback };
};

const SKIP_DETAIL: Partial<Record<CellReason, (c: RouteCell, eni: string) => string>> = {
  "conflicting-static-route": (c, eni) =>
    `${c.routeTableId} has a static route for ${c.cidr} to ${c.staticTarget}, not to ${eni}: refused, left untouched`,
  "static-route-not-owned": (c) =>
    `${c.routeTableId} routes ${c.cidr} to ${c.staticTarget} through a static route the toolkit did not create: never deleted by it`,
  "failback-not-eligible": (c) =>
    `${c.cidr} is not eligible for failback yet: the static route in ${c.routeTableId} stays`,
  "awaiting-direct-connect": (c) =>
    `without our route, Direct Connect would not carry all of ${c.cidr} in ${c.routeTableId}: the static route stays`,
  "no-appliance": (c) => `no appliance ENI found for ${c.cidr} in ${c.routeTableId}`,
};

const ACTION_KIND: Record<RouteParams["operation"], string> = {
  create: CREATE_ROUTE_ACTION,
  replace: REPLACE_ROUTE_ACTION,
  delete: DELETE_ROUTE_ACTION,
};

const actionOf = (
  group: RouteGroup,
  cell: RouteCell,
  operation: RouteParams["operation"],
): PlannedAction<RouteParams> => {
  const eni = group.applianceEniId ?? "";
  const what = {
    create: `static route ${cell.cidr} → ${eni} in ${cell.routeTableId} (overrides the Direct Connect route)`,
    replace: `move our static route ${cell.cidr} from ${cell.staticTarget} to the appliance ${eni} in ${cell.routeTableId}`,
    delete: `delete our static route ${cell.cidr} in ${cell.routeTableId} (Direct Connect carries it again)`,
  }[operation];
  return {
    id: `dx-failover:${group.name}:${operation}:${cell.routeTableId}:${cell.cidr}`,
    kind: ACTION_KIND[operation],
    resources: [cell.routeTableId],
    description: what,
    params: {
      operation,
      group: group.name,
      routeTableId: cell.routeTableId,
      destination: cell.cidr,
      networkInterfaceId: eni,
    },
  };
};

const planDecision = (
  decision: Pick<Decision, "desired" | "activePath">,
  actions: number,
): RoutePlan["decision"] => {
  if (decision.desired === "hold") return "hold";
  if (actions === 0) return "nothing-to-do";
  if (decision.desired === decision.activePath) return "reconcile";
  return decision.desired === "vpn" ? "failover" : "failback";
};

/** When only some families fail over, a CIDR of another family keeps its route as it is (never written). */
const outOfScopeCell = (i: CellInput): RouteCell => {
  const st = staticFor(i.table.routes, i.cidr);
  const ours = ourRoute(i.group, i.table, i.cidr) !== undefined;
  return { ...cellBase(i, st), action: "none", reason: ours ? "already-on-vpn" : "family-on-direct-connect" };
};

export const planRoutes = (
  decision: Pick<Decision, "desired" | "activePath" | "cidrs" | "families">,
  group: RouteGroup,
): RoutePlan => {
  const inScope = (cidr: string) =>
    decision.families === undefined || decision.families.includes(cidr.includes(":") ? "ipv6" : "ipv4");
  const eligible = new Set(decision.cidrs.filter((c) => c.failback).map((c) => c.cidr));
  const cells: RouteCell[] = [];
  const ownership: Record<string, string[]> = {};
  const tables = [...group.tables].sort((a, b) => byString(a.routeTableId, b.routeTableId));
  for (const table of tables) {
    const owned = new Set(
      table.created.filter((c) => ourRoute(group, table, c) !== undefined || !group.cidrs.includes(c)),
    );
    for (const cidr of [...new Set(group.cidrs)].sort(byString)) {
      const input = { group, table, cidr, eligible: eligible.has(cidr) };
      const cell: RouteCell =
        decision.desired === "hold"
          ? { ...cellBase(input, undefined), action: "none", reason: "hold" }
          : decision.desired === "vpn"
            ? inScope(cidr)
              ? vpnCell(input)
              : outOfScopeCell(input)
            : dxCell(input);
      if (cell.action === "create" || cell.action === "replace") owned.add(cidr);
      if (cell.action === "delete") owned.delete(cidr);
      cells.push(cell);
    }
    ownership[table.routeTableId] =
      decision.desired === "hold" ? [...table.created].sort(byString) : [...owned].sort(byString);
  }
  const actions = cells.flatMap((c) =>
    c.action === "create" || c.action === "replace" || c.action === "delete"
      ? [actionOf(group, c, c.action)]
      : [],
  );
  const skips: Skip[] = cells.flatMap((c) => {
    const detail = SKIP_DETAIL[c.reason];
    return detail
      ? [
          {
            resource: `${c.routeTableId}:${c.cidr}`,
            reason: c.reason,
            detail: detail(c, group.applianceEniId ?? ""),
          },
        ]
      : [];
  });
  return {
    decision: planDecision(decision, actions.length),
    desired: decision.desired,
    actions,
    skips,
    cells,
    ownership,
  };
};
