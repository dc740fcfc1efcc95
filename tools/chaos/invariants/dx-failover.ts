/**
 * The invariants of dx-failover (functions/dx-failover/README.md, "Invariants"), as pure checks over views
 * of a simulated account taken step by step, for the capability's own sim tests, its bench and the chaos
 * campaign (issue 14):
 *
 * 1. `path`: traffic to every configured CIDR of every group table has a working effective path whenever
 *    either path is healthy, except during the detection time (`detectionMs`; a break ends only once the
 *    path has worked again for `recoveryMs`, so an outage in pieces shorter than the detection time counts whole): every part of the CIDR is
 *    carried by an active propagated route while Direct Connect works, or by an active static route to the
 *    group's appliance while the VPN works.
 * 2. `flap`: a failback happens only after Direct Connect has worked for the restore window of the group,
 *    multiplied for each recent flap (the `flaps` its state tag recorded), or while the VPN does not work:
 *    never more than one switch per flap cycle beyond the back-off policy.
 * 3. `only-our-routes`: a static route that disappears (or changes target) was the toolkit's: in a table of
 *    a group, for one of its CIDRs, listed in the group's ownership tag.
 * 4. `outside-configuration`: nothing changes in a table that no group's membership tag names, and only
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

export type DxInvariant = "path" | "flap" | "only-our-routes" | "outside-configuration";

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
  directConnectUp: boolean;
  vpnUp: boolean;
  /** ENIs that count as the group's appliance (the current one, and a replaced one while it is still routed). */
  applianceEnis: readonly string[];
  cells: CellView[];
  /** The group's active path and flap count, from its state tag. */
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
  vpnUp: boolean;
  applianceEnis: readonly string[];
}

const familyOf = (cidr: string) => (cidr.includes(":") ? "ipv6" : "ipv4");

/** Whether Direct Connect carries traffic of the group's families now (an up session on a VIF whose data plane is up). */
export const directConnectWorks = (account: SimulatedAccount, group: DxFailoverGroupConfig): boolean => {
  const families = new Set(group.cidrs.map(familyOf));
  return [...families].every((family) =>
    group.virtualInterfaceIds.some((id) => {
      const vif = account.network.virtualInterface(id);
      return (
        vif.dataPlane === "up" && vif.bgpPeers.some((p) => p.addressFamily === family && p.bgpStatus === "up")
      );
    }),
  );
};

/** The view of the account at this moment. */
export const dxView = (
  account: SimulatedAccount,
  config: DxFailoverConfig,
  truth: (g: DxFailoverGroupConfig) => PathTruth,
): DxView => {
  const tables: DxView["tables"] = {};
  for (const [id, t] of Object.entries(account.routeTablesSnapshot()))
    tables[id] = { routes: t.Routes, tags: t.Tags };
  const groups: DxView["groups"] = {};
  for (const g of config.groups) {
    const mine = Object.entries(tables).filter(([, t]) =>
      groupsOfTag(t.tags[config.groupTagKey]).includes(g.name),
    );
    const cells = mine.flatMap(([id]) =>
      g.cidrs.map((cidr) => ({
        routeTableId: id,
        cidr,
        parts: account.network.effectiveRoutes(id, cidr).map((p) => ({
          range: p.range,
          ...(p.route ? { target: p.route.target, origin: p.route.origin, state: p.route.state } : {}),
        })),
      })),
    );
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
  /** `<group>|<table>|<cidr>` → since when its traffic has worked again after a break. */
  workingSince: Record<string, number>;
  previous?: DxView;
}

export interface CheckOptions {
  /** How long a path may be broken before the toolkit must have moved it (probe detection + trigger + failover). */
  detectionMs: number;
  /** Slack for the sampling of the views (the time between two steps). */
  toleranceMs?: number;
  /** How long a broken path must work again before its break is over (default 0: at once). */
  recoveryMs?: number;
}

/** Whether every part of a cell's CIDR is carried by a route whose path works now. */
export const cellWorks = (cell: CellView, g: GroupView): boolean =>
  cell.parts.every(
    (p) =>
      p.state === "active" &&
      ((p.origin === "EnableVgwRoutePropagation" && g.directConnectUp) ||
        (p.target !== undefined && g.applianceEnis.includes(p.target) && g.vpnUp)),
  );

const checkPaths = (view: DxView, state: CheckState, options: CheckOptions, out: Violation[]) => {
  for (const [name, g] of Object.entries(view.groups)) {
    for (const cell of g.cells) {
      const key = `${name}|${cell.routeTableId}|${cell.cidr}`;
      if (!(g.directConnectUp || g.vpnUp)) {
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
          message: `${name}: ${cell.cidr} in ${cell.routeTableId} has no working path for ${Math.round((view.at - since) / 1000)} s while ${g.directConnectUp ? "Direct Connect" : "the VPN"} works (${cell.parts.map((p) => `${p.range} → ${p.target ?? "none"} ${p.origin ?? ""} ${p.state ?? ""}`).join("; ")})`,
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
    if (g.directConnectUp) state.dxUpSince[group.name] ??= view.at;
    else delete state.dxUpSince[group.name];
    const before = state.previous?.groups[group.name];
    if (before?.active !== "vpn" || g.active !== "direct-connect" || !before.vpnUp) continue;
    const backoff = flapBackoffOf(group);
    const window = Math.min(
      Math.max(group.restoreWindowSeconds, backoff.maxRestoreWindowSeconds) * 1000,
      group.restoreWindowSeconds * 1000 * backoff.multiplier ** before.flaps,
    );
    const upFor = view.at - (state.dxUpSince[group.name] ?? view.at);
    if (upFor + (options.toleranceMs ?? 0) < window)
      out.push({
        invariant: "flap",
        at: view.at,
        message: `${group.name}: failed back after ${Math.round(upFor / 1000)} s of Direct Connect, the window was ${window / 1000} s (${before.flaps} flap(s))`,
      });
  }
};

const checkRoutes = (view: DxView, previous: DxView, config: DxFailoverConfig, out: Violation[]) => {
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
    workingSince: { ...previous?.workingSince },
    ...(previous?.previous ? { previous: previous.previous } : {}),
  };
  const violations: Violation[] = [];
  checkPaths(view, state, options, violations);
  checkFlaps(view, state, config, options, violations);
  if (state.previous !== undefined) checkRoutes(view, state.previous, config, violations);
  return { state: { ...state, previous: view }, violations };
};
