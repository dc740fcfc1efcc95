/**
 * The invariants of dx-failover (functions/dx-failover/README.md, "Invariants"), as pure checks over views
 * of a simulated account taken step by step, for the capability's own sim tests, its bench and the chaos
 * campaign (issue 14):
 *
 * 1. `path`: traffic to every configured CIDR (IPv4 and IPv6) of every group table has a working effective
 *    path whenever either path is healthy for it (Direct Connect for the CIDR's family, or the VPN), except
 *    during the detection time (`detectionMs`; a break ends only once the
 *    path has worked again for `recoveryMs`, so an outage in pieces shorter than the detection time counts whole): every part of the CIDR is
 *    carried by an active propagated route while Direct Connect carries its family, or by an active static route to the
 *    group's appliance while the VPN works.
 * 2. `flap`: a failback happens only after Direct Connect has worked for the restore window of the group,
 *    multiplied for each recent flap (the larger of the flaps the checker counted from the failovers it saw
 *    and the `flaps` the state tag recorded), or while the VPN does not work:
 *    never more than one switch per flap cycle beyond the back-off policy.
 * 3. `failover-cause`: a failover happens only within the detection time of Direct Connect failing to carry
 *    some family of the group (a switch of a working path with nothing failed is outside any flap cycle).
 * 4. `only-our-routes`: a static route that disappears (or changes target) was the toolkit's: in a table of
 *    a group, for one of its CIDRs, listed in the group's ownership tag, and to an ENI that is or was the
 *    group's appliance. The tag alone proves nothing (safety rule 9: anyone with ec2:CreateTags writes it);
 *    the toolkit only ever creates routes to its appliance, so a route to anything else was not its own. A
 *    blackhole route to an ENI counts as an earlier appliance's (its ENI was deleted, and the toolkit may
 *    not remember every earlier appliance): it carries no traffic, and the planner replaces it the same way.
 * 5. `outside-configuration`: nothing changes in a table that no group's membership tag names, and only
 *    `ops:dx-failover:*` tags change.
 *
 * "Works" is the data plane the driver knows (the sim's Direct Connect sessions and data plane, the VPN
 * tunnel it simulates), not the capability's own judgment; route selection comes from the simulated
 * account's route-selection model (sim/account/route-selection.ts), not from the capability's planner.
 */
import {
  type DxFailoverConfig,
  type DxFailoverGroupConfig,
  flapBackoffOf,
} from "../../../functions/dx-failover/config";
import { decodeTableTags, groupsOfTag } from "../../../functions/dx-failover/failover/state";
import type { SimulatedAccount } from "../../../sim";

export type DxInvariant = "path" | "flap" | "failover-cause" | "only-our-routes" | "outside-configuration";

export interface Violation {
  invariant: DxInvariant;
  at: number;
  message: string;
}

export interface CellView {
  routeTableId: string;
  cidr: string;
  parts: Array<{ range: string; target?: string; origin?: string; state?: string }>;
}

export interface GroupView {
  /** Direct Connect carries every address family of the group's CIDRs. */
  directConnectUp: boolean;
  /** Per family, when the truth says (a family's BGP or data plane can fail alone); else `directConnectUp`. */
  directConnectFamilies?: Partial<Record<Family, boolean>>;
  vpnUp: boolean;
  /** ENIs that count as the group's appliance (the current one, and a replaced one while it is still routed). */
  applianceEnis: readonly string[];
  cells: CellView[];
  /**
   * The group's active path and flap count, from its state tag (the checker judges switches on the path
   * its routes show instead: `withActiveFromRoutes`).
   */
  active: "direct-connect" | "vpn";
  flaps: number;
}

export interface DxView {
  at: number;
  tables: Record<
    string,
    {
      routes: Record<string, { Target: string; Origin: string; State: string }>;
      tags: Record<string, string>;
    }
  >;
  groups: Record<string, GroupView>;
}

/** The data plane of a group, as the driver of the simulation knows it. */
export interface PathTruth {
  directConnectUp: boolean;
  directConnectFamilies?: Partial<Record<Family, boolean>>;
  vpnUp: boolean;
  applianceEnis: readonly string[];
}

export type Family = "ipv4" | "ipv6";
const familyOf = (cidr: string): Family => (cidr.includes(":") ? "ipv6" : "ipv4");

/**
 * Whether Direct Connect carries traffic of each of the group's families now: an available, up session of
 * that family on one of its interfaces whose data plane for that family is up.
 */
export const directConnectFamilies = (
  account: SimulatedAccount,
  group: DxFailoverGroupConfig,
): Partial<Record<Family, boolean>> => {
  const vifs = group.virtualInterfaceIds.map((id) => account.network.virtualInterface(id));
  const works = (family: Family) =>
    vifs.some(
      (vif) =>
        vif.dataPlanes[family] === "up" &&
        vif.bgpPeers.some(
          (p) => p.addressFamily === family && p.bgpStatus === "up" && p.bgpPeerState === "available",
        ),
    );
  return Object.fromEntries([...new Set(group.cidrs.map(familyOf))].map((f) => [f, works(f)]));
};

/** Whether Direct Connect carries traffic of every family of the group's CIDRs now. */
export const directConnectWorks = (account: SimulatedAccount, group: DxFailoverGroupConfig): boolean =>
  Object.values(directConnectFamilies(account, group)).every((up) => up);

/** Whether Direct Connect carries the family of a CIDR, as far as the view knows. */
export const dxUpFor = (g: GroupView, cidr: string): boolean =>
  g.directConnectFamilies?.[familyOf(cidr)] ?? g.directConnectUp;

const partsOf = (account: SimulatedAccount, id: string, cidr: string): CellView["parts"] =>
  account.network.effectiveRoutes(id, cidr).map((p) => ({
    range: p.range,
    ...(p.route ? { target: p.route.target, origin: p.route.origin, state: p.route.state } : {}),
  }));

/**
 * A cell's parts depend only on its table's listed routes and the prefix lists' entries: the route
 * selection (the costly part of a view, IPv6 included) is kept per account until those change.
 */
const partsCache = new WeakMap<SimulatedAccount, Map<string, CellView["parts"]>>();
const cachedParts = (account: SimulatedAccount, key: string, compute: () => CellView["parts"]) => {
  let cache = partsCache.get(account);
  if (cache === undefined || cache.size > 2000) {
    cache = new Map();
    partsCache.set(account, cache);
  }
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const parts = compute();
  cache.set(key, parts);
  return parts;
};

const routesKey = (routes: DxView["tables"][string]["routes"], lists: string): string =>
  `${JSON.stringify(routes)}|${lists}`;

/** The view of the account at this moment. */
export const dxView = (
  account: SimulatedAccount,
  config: DxFailoverConfig,
  truth: (g: DxFailoverGroupConfig) => PathTruth,
): DxView => {
  // Route selection reads the current version of each prefix list: a new version changes the cells.
  const lists = [...account.state().managedPrefixLists.values()].map((l) => `${l.id}@${l.version}`).join(",");
  const tables: DxView["tables"] = {};
  for (const [id, t] of Object.entries(account.routeTablesSnapshot()))
    tables[id] = { routes: t.Routes, tags: t.Tags };
  const groups: DxView["groups"] = {};
  for (const g of config.groups) {
    const mine = Object.entries(tables).filter(([, t]) =>
      groupsOfTag(t.tags[config.groupTagKey]).includes(g.name),
    );
    const cells = mine.flatMap(([id, t]) => {
      const routes = routesKey(t.routes, lists);
      return g.cidrs.map((cidr) => ({
        routeTableId: id,
        cidr,
        parts: cachedParts(account, `${id}|${cidr}|${routes}`, () => partsOf(account, id, cidr)),
      }));
    });
    const states = mine.map(([, t]) => decodeTableTags(t.tags, g.name, config.groupTagKey).state);
    groups[g.name] = {
      ...truth(g),
      cells,
      active: states.some((s) => s.activePath === "vpn") ? "vpn" : "direct-connect",
      flaps: Math.max(0, ...states.map((s) => s.flaps ?? 0)),
    };
  }
  return { at: account.clock.nowMs(), tables, groups };
};

export interface CheckState {
  /** `<group>|<table>|<cidr>` → since when its traffic has no working path while some path works. */
  brokenSince: Record<string, number>;
  /** Group → since when Direct Connect has worked without interruption. */
  dxUpSince: Record<string, number>;
  /** Group → the last view at which Direct Connect did not carry every family of the group. */
  dxDownAt?: Record<string, number>;
  /** `<group>|<table>|<cidr>` → since when its traffic has worked again after a break. */
  workingSince: Record<string, number>;
  /**
   * Group → the flaps the checker itself counted from the views (a failover within the back-off's memory of
   * the previous failback counts one more, else the count restarts), and that last failback: the window is
   * judged on the larger of this and the state tag's count, so a capability that loses its own count is caught.
   */
  flapsSeen?: Record<string, { flaps: number; lastFailbackAt?: number }>;
  /** Group → every ENI seen as its appliance (configured, or in a view): the only targets the toolkit writes. */
  appliancesSeen?: Record<string, string[]>;
  previous?: DxView;
}

export interface CheckOptions {
  /** How long a path may be broken before the toolkit must have moved it (probe detection + trigger + failover). */
  detectionMs: number;
  /** Slack for the sampling of the views (the time between two steps). */
  toleranceMs?: number;
  /** How long a broken path must work again before its break is over (default 0: at once). */
  recoveryMs?: number;
  /**
   * How long before the first view the world was already as that view shows it (the probe history the
   * model gives the capability at the start): Direct Connect working at the first view has worked since
   * then. Default 0: the checker knows nothing before its first view.
   */
  priorMs?: number;
}

/**
 * Whether every part of a cell's CIDR is carried by a route whose path works now for the CIDR's family: a
 * propagated route while Direct Connect carries that family, or a route to the appliance while the VPN works.
 */
export const cellWorks = (cell: CellView, g: GroupView): boolean =>
  cell.parts.every(
    (p) =>
      p.state === "active" &&
      ((p.origin === "EnableVgwRoutePropagation" && dxUpFor(g, cell.cidr)) ||
        (p.target !== undefined && g.applianceEnis.includes(p.target) && g.vpnUp)),
  );

/** Whether some path works for the cell's CIDR (its family over Direct Connect, or the VPN). */
export const cellHasPath = (cell: CellView, g: GroupView): boolean => dxUpFor(g, cell.cidr) || g.vpnUp;

const checkPaths = (view: DxView, state: CheckState, options: CheckOptions, out: Violation[]) => {
  for (const [name, g] of Object.entries(view.groups)) {
    for (const cell of g.cells) {
      const key = `${name}|${cell.routeTableId}|${cell.cidr}`;
      if (!cellHasPath(cell, g)) {
        delete state.brokenSince[key];
        delete state.workingSince[key];
        continue;
      }
      if (cellWorks(cell, g)) {
        // A break ends once the path has worked for the recovery time: an outage in short pieces is one.
        state.workingSince[key] ??= view.at;
        if (view.at - (state.workingSince[key] ?? view.at) >= (options.recoveryMs ?? 0))
          delete state.brokenSince[key];
        continue;
      }
      delete state.workingSince[key];
      state.brokenSince[key] ??= view.at;
      const since = state.brokenSince[key] ?? view.at;
      if (view.at - since > options.detectionMs + (options.toleranceMs ?? 0))
        out.push({
          invariant: "path",
          at: view.at,
          message: `${name}: ${cell.cidr} in ${cell.routeTableId} has no working path for ${Math.round((view.at - since) / 1000)} s while ${dxUpFor(g, cell.cidr) ? "Direct Connect" : "the VPN"} works (${cell.parts.map((p) => `${p.range} → ${p.target ?? "none"} ${p.origin ?? ""} ${p.state ?? ""}`).join("; ")})`,
        });
    }
  }
};

const checkFlaps = (
  view: DxView,
  state: CheckState,
  config: DxFailoverConfig,
  options: CheckOptions,
  out: Violation[],
) => {
  for (const group of config.groups) {
    const g = view.groups[group.name];
    if (g === undefined) continue;
    const prior = state.previous === undefined ? (options.priorMs ?? 0) : 0;
    if (g.directConnectUp) state.dxUpSince[group.name] ??= view.at - prior;
    else delete state.dxUpSince[group.name];
    const before = state.previous?.groups[group.name];
    const backoff = flapBackoffOf(group);
    const seen = countFlaps(
      state,
      group.name,
      before?.active,
      g.active,
      view.at,
      backoff.memorySeconds * 1000,
    );
    if (before?.active !== "vpn" || g.active !== "direct-connect" || !before.vpnUp) continue;
    const flaps = Math.max(before.flaps, seen);
    const window = Math.min(
      Math.max(group.restoreWindowSeconds, backoff.maxRestoreWindowSeconds) * 1000,
      group.restoreWindowSeconds * 1000 * backoff.multiplier ** flaps,
    );
    const upFor = view.at - (state.dxUpSince[group.name] ?? view.at);
    if (upFor + (options.toleranceMs ?? 0) < window)
      out.push({
        invariant: "flap",
        at: view.at,
        message: `${group.name}: failed back after ${Math.round(upFor / 1000)} s of Direct Connect, the window was ${window / 1000} s (${flaps} flap(s); the state tag says ${before.flaps})`,
      });
  }
};

/**
 * The checker's own flap count of a group (the capability's rule, `flapsAfterFailover`): a failover within
 * `memoryMs` of the previous failback is one more flap, any other restarts at 0; a failback is remembered.
 * Returns the count in force for a failback at this view.
 */
const countFlaps = (
  state: CheckState,
  name: string,
  before: GroupView["active"] | undefined,
  now: GroupView["active"],
  at: number,
  memoryMs: number,
): number => {
  state.flapsSeen ??= {};
  const seen = state.flapsSeen[name] ?? { flaps: 0 };
  if (before === "direct-connect" && now === "vpn") {
    const recent = seen.lastFailbackAt !== undefined && at - seen.lastFailbackAt < memoryMs;
    state.flapsSeen[name] = { ...seen, flaps: recent ? seen.flaps + 1 : 0 };
  } else if (before === "vpn" && now === "direct-connect")
    state.flapsSeen[name] = { ...seen, lastFailbackAt: at };
  return seen.flaps;
};

/**
 * `failover-cause`: a failover (direct-connect → vpn) needs Direct Connect to have failed to carry some
 * family of the group at a view within the detection time (and the tolerance) before it; a switch of a
 * working Direct Connect with nothing failed is a switch outside any flap cycle (it cuts the flows twice).
 */
const checkFailoverCause = (
  view: DxView,
  state: CheckState,
  config: DxFailoverConfig,
  options: CheckOptions,
  out: Violation[],
) => {
  state.dxDownAt ??= {};
  for (const group of config.groups) {
    const g = view.groups[group.name];
    if (g === undefined) continue;
    if (!g.directConnectUp) state.dxDownAt[group.name] = view.at;
    const before = state.previous?.groups[group.name];
    if (before?.active !== "direct-connect" || g.active !== "vpn") continue;
    const downAt = state.dxDownAt[group.name];
    const limit = options.detectionMs + (options.toleranceMs ?? 0);
    if (downAt === undefined || view.at - downAt > limit)
      out.push({
        invariant: "failover-cause",
        at: view.at,
        message: `${group.name}: failed over to the VPN while Direct Connect worked (${downAt === undefined ? "it never failed in this run" : `it last failed ${Math.round((view.at - downAt) / 1000)} s before, detection allows ${limit / 1000} s`})`,
      });
  }
};

/** Adds the appliance ENIs of this view (and of the configuration) to those seen so far. */
const noteAppliances = (view: DxView, state: CheckState, config: DxFailoverConfig) => {
  const seen: Record<string, string[]> = { ...state.appliancesSeen };
  for (const group of config.groups) {
    const known = new Set(seen[group.name]);
    if (group.applianceEniId !== undefined) known.add(group.applianceEniId);
    for (const eni of view.groups[group.name]?.applianceEnis ?? []) known.add(eni);
    seen[group.name] = [...known];
  }
  state.appliancesSeen = seen;
};

const checkRoutes = (
  view: DxView,
  previous: DxView,
  config: DxFailoverConfig,
  appliancesSeen: Record<string, string[]>,
  out: Violation[],
) => {
  for (const [id, before] of Object.entries(previous.tables)) {
    const after = view.tables[id];
    const members = groupsOfTag(before.tags[config.groupTagKey]);
    const changedTags = Object.keys({ ...before.tags, ...after?.tags }).filter(
      (k) => before.tags[k] !== after?.tags[k],
    );
    for (const k of changedTags)
      if (!k.startsWith("ops:dx-failover:"))
        out.push({ invariant: "outside-configuration", at: view.at, message: `${id}: tag ${k} changed` });
    for (const [dest, r] of Object.entries(before.routes)) {
      if (r.Origin !== "CreateRoute") continue;
      const now = after?.routes[dest];
      if (now !== undefined && now.Target === r.Target) continue;
      const ours = config.groups.some(
        (g) =>
          members.includes(g.name) &&
          g.cidrs.includes(dest) &&
          ((appliancesSeen[g.name] ?? []).includes(r.Target) ||
            (r.State === "blackhole" && r.Target.startsWith("eni-"))) &&
          decodeTableTags(before.tags, g.name, config.groupTagKey).created.includes(dest),
      );
      if (!ours)
        out.push({
          invariant: members.length > 0 ? "only-our-routes" : "outside-configuration",
          at: view.at,
          message: `${id}: the static route ${dest} → ${r.Target} was ${now ? `moved to ${now.Target}` : "deleted"}, and it was not the toolkit's`,
        });
    }
    if (members.length === 0)
      for (const dest of Object.keys(after?.routes ?? {}))
        if (before.routes[dest] === undefined && after?.routes[dest]?.Origin === "CreateRoute")
          out.push({
            invariant: "outside-configuration",
            at: view.at,
            message: `${id}: a static route ${dest} appeared in a table of no group`,
          });
  }
};

/**
 * The view with each group's `active` path read from its routes, not from its state tag (review 10): the
 * switch is the route change itself (a static route to the appliance wins over the propagated one for the
 * same prefix: VPC "Route priority"), and the capability writes its tag after the routes, as bookkeeping
 * that a failed `CreateTags` leaves behind. A group is on the VPN while some cell of it is carried by a
 * static route to an ENI that is or was its appliance; a group with no table keeps its tag's word.
 */
const withActiveFromRoutes = (view: DxView, appliancesSeen: Record<string, string[]>): DxView => {
  const groups: DxView["groups"] = {};
  for (const [name, g] of Object.entries(view.groups)) {
    const appliances = new Set([...(appliancesSeen[name] ?? []), ...g.applianceEnis]);
    const onAppliance = g.cells.some((c) =>
      c.parts.some((p) => p.origin === "CreateRoute" && p.target !== undefined && appliances.has(p.target)),
    );
    const active = g.cells.length === 0 ? g.active : onAppliance ? "vpn" : "direct-connect";
    groups[name] = active === g.active ? g : { ...g, active };
  }
  return { ...view, groups };
};

/** One step of the check: the violations this view shows, and the state for the next step. */
export const checkDxStep = (
  previous: CheckState | undefined,
  view: DxView,
  config: DxFailoverConfig,
  options: CheckOptions,
): { state: CheckState; violations: Violation[] } => {
  const state: CheckState = {
    brokenSince: { ...previous?.brokenSince },
    dxUpSince: { ...previous?.dxUpSince },
    dxDownAt: { ...previous?.dxDownAt },
    workingSince: { ...previous?.workingSince },
    flapsSeen: { ...previous?.flapsSeen },
    appliancesSeen: { ...previous?.appliancesSeen },
    ...(previous?.previous ? { previous: previous.previous } : {}),
  };
  const violations: Violation[] = [];
  noteAppliances(view, state, config);
  const judged = withActiveFromRoutes(view, state.appliancesSeen ?? {});
  checkPaths(judged, state, options, violations);
  checkFlaps(judged, state, config, options, violations);
  checkFailoverCause(judged, state, config, options, violations);
  if (state.previous !== undefined)
    checkRoutes(judged, state.previous, config, state.appliancesSeen ?? {}, violations);
  return { state: { ...state, previous: judged }, violations };
};
