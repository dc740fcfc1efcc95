import { isCidr } from "../../../shared/net/cidr";
import type { FailoverState, GameDayOverride, PathName } from "./plan/decide";

/**
 * The state AWS cannot hold goes on each route table of the group, as tags visible to people:
 *
 *   ops:failover-group          <group>                      membership (IAM conditions key on it)
 *   ops:dx-failover:active      direct-connect | vpn
 *   ops:dx-failover:since       ISO 8601                     when the active path became active
 *   ops:dx-failover:last-switch ISO 8601                     the dwell time counts from here
 *   ops:dx-failover:override    "vpn until <ISO 8601>"       a game-day force, if any
 *   ops:dx-failover:routes      "10.1.0.0/16 10.2.0.0/16"    CIDRs whose static route the toolkit created
 *   ops:dx-failover:routes.2 …  continuation when the list exceeds one tag value (256 characters)
 *
 * Values use only characters every AWS tagging API accepts (letters, digits, space, `_ . : / = + - @`).
 * Pure encode/decode; a malformed tag is reported and read as absent (never guessed).
 */

export const GROUP_TAG = "ops:failover-group";
export const ACTIVE_TAG = "ops:dx-failover:active";
export const SINCE_TAG = "ops:dx-failover:since";
export const LAST_SWITCH_TAG = "ops:dx-failover:last-switch";
export const OVERRIDE_TAG = "ops:dx-failover:override";
export const ROUTES_TAG = "ops:dx-failover:routes";
export const TAG_VALUE_MAX = 256;

export interface TableTags {
  routeTableId: string;
  tags: Readonly<Record<string, string>>;
}

export interface DecodedTable {
  activePath?: PathName;
  since?: number;
  lastSwitchAt?: number;
  override?: GameDayOverride;
  created: string[];
  problems: string[];
}

const routesKey = (i: number) => (i === 1 ? ROUTES_TAG : `${ROUTES_TAG}.${i}`);

const parseTime = (v: string | undefined, key: string, problems: string[]): number | undefined => {
  if (v === undefined || v === "") return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) {
    problems.push(`${key}="${v}" is not an ISO 8601 time`);
    return undefined;
  }
  return t;
};

export const decodeTableTags = (tags: Readonly<Record<string, string>>): DecodedTable => {
  const problems: string[] = [];
  const out: DecodedTable = { created: [], problems };
  const active = tags[ACTIVE_TAG];
  if (active === "direct-connect" || active === "vpn") out.activePath = active;
  else if (active !== undefined) problems.push(`${ACTIVE_TAG}="${active}" is neither direct-connect nor vpn`);
  const since = parseTime(tags[SINCE_TAG], SINCE_TAG, problems);
  if (since !== undefined) out.since = since;
  const last = parseTime(tags[LAST_SWITCH_TAG], LAST_SWITCH_TAG, problems);
  if (last !== undefined) out.lastSwitchAt = last;
  const ov = tags[OVERRIDE_TAG];
  if (ov !== undefined && ov !== "") {
    const m = /^(direct-connect|vpn) until (\S+)$/.exec(ov);
    const until = m?.[2] !== undefined ? Date.parse(m[2]) : Number.NaN;
    if (m && !Number.isNaN(until)) out.override = { force: m[1] as PathName, until };
    else problems.push(`${OVERRIDE_TAG}="${ov}" is not "<path> until <ISO 8601>"`);
  }
  const created = new Set<string>();
  for (let i = 1; tags[routesKey(i)] !== undefined; i++) {
    for (const c of (tags[routesKey(i)] ?? "").split(" ").filter((s) => s !== "")) {
      if (isCidr(c, { hostBits: "mask" })) created.add(c);
      else problems.push(`${routesKey(i)} lists "${c}", which is not a CIDR`);
    }
  }
  out.created = [...created].sort();
  return out;
};

/**
 * The group's state from all its tables. They agree after a complete switch; after an interrupted one
 * (throttling, timeout) the conservative reading wins: VPN active if any table says so (the reconcile
 * completes it), the latest switch for the dwell time, the override with the latest `until`.
 */
export const groupState = (tables: readonly TableTags[]): { state: FailoverState; problems: string[] } => {
  const decoded = tables.map((t) => ({ id: t.routeTableId, ...decodeTableTags(t.tags) }));
  const problems = decoded.flatMap((d) => d.problems.map((p) => `${d.id}: ${p}`));
  const max = (xs: (number | undefined)[]) => {
    const v = xs.filter((x): x is number => x !== undefined);
    return v.length > 0 ? Math.max(...v) : undefined;
  };
  const activePath: PathName = decoded.some((d) => d.activePath === "vpn") ? "vpn" : "direct-connect";
  const state: FailoverState = { activePath };
  const since = max(decoded.filter((d) => d.activePath === activePath).map((d) => d.since));
  if (since !== undefined) state.since = since;
  const last = max(decoded.map((d) => d.lastSwitchAt));
  if (last !== undefined) state.lastSwitchAt = last;
  const override = decoded
    .map((d) => d.override)
    .filter((o): o is GameDayOverride => o !== undefined)
    .sort((a, b) => b.until - a.until)[0];
  if (override) state.override = override;
  return { state, problems };
};

/** Tag values for the state (keys to set, and keys to delete). */
export const encodeState = (state: FailoverState): { set: Record<string, string>; remove: string[] } => {
  const set: Record<string, string> = { [ACTIVE_TAG]: state.activePath };
  const remove: string[] = [];
  const iso = (t: number) => new Date(t).toISOString();
  if (state.since !== undefined) set[SINCE_TAG] = iso(state.since);
  else remove.push(SINCE_TAG);
  if (state.lastSwitchAt !== undefined) set[LAST_SWITCH_TAG] = iso(state.lastSwitchAt);
  else remove.push(LAST_SWITCH_TAG);
  if (state.override) set[OVERRIDE_TAG] = `${state.override.force} until ${iso(state.override.until)}`;
  else remove.push(OVERRIDE_TAG);
  return { set, remove };
};

/** The ownership tags for a CIDR list, split into values of at most 256 characters; stale continuation keys removed. */
export const encodeRoutes = (
  cidrs: readonly string[],
  current: Readonly<Record<string, string>> = {},
): { set: Record<string, string>; remove: string[] } => {
  const values: string[] = [];
  let cur = "";
  for (const c of [...new Set(cidrs)].sort()) {
    const next = cur === "" ? c : `${cur} ${c}`;
    if (next.length > TAG_VALUE_MAX) {
      values.push(cur);
      cur = c;
    } else cur = next;
  }
  if (cur !== "") values.push(cur);
  const set: Record<string, string> = {};
  const remove: string[] = [];
  values.forEach((v, i) => {
    set[routesKey(i + 1)] = v;
  });
  if (values.length === 0) set[ROUTES_TAG] = "";
  for (let i = Math.max(2, values.length + 1); current[routesKey(i)] !== undefined; i++)
    remove.push(routesKey(i));
  return { set, remove };
};
