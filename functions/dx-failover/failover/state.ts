import { formatCidr, parseCidr } from "../../../shared/net/cidr";
import type { FailoverState, GameDayOverride, PathName } from "./plan/types";

/**
 * The state AWS cannot hold goes on each route table of the group, as tags visible to people, namespaced
 * per group so that several groups can share a table:
 *
 *   ops:failover-group                 <group> [<group> …]        membership (IAM conditions key on it)
 *   ops:dx-failover:<group>:state      "active=vpn since=… switch=… failback=… flaps=1 eni=eni-… override=vpn/…"
 *   ops:dx-failover:<group>:routes     "10.1.0.0/16 2001:db8::/48"  CIDRs whose static route the toolkit created
 *   ops:dx-failover:<group>:routes.2 … continuation when the list exceeds one tag value (256 characters)
 *
 * Two keys per group (three with a long list): little of the 50-tag budget. Times are ISO 8601 to the
 * second. Values use only characters every AWS tagging API accepts (letters, digits, space, `_ . : / = + -
 * @`). Tags of the first version (`ops:dx-failover:active`, `:since`, `:last-switch`, `:override`,
 * `:routes`) are read when the table belongs to this group alone, and removed at the next write.
 * Pure encode/decode; a malformed tag is reported and read as absent (never guessed).
 */

export const GROUP_TAG = "ops:failover-group";
export const TAG_PREFIX = "ops:dx-failover:";
export const TAG_VALUE_MAX = 256;
export const TAGS_PER_RESOURCE = 50;

export const stateKey = (group: string) => `${TAG_PREFIX}${group}:state`;
export const routesKey = (group: string, i = 1) => `${TAG_PREFIX}${group}:routes${i === 1 ? "" : `.${i}`}`;

/** The first version's keys (one group per table). */
export const LEGACY = {
  active: `${TAG_PREFIX}active`,
  since: `${TAG_PREFIX}since`,
  lastSwitch: `${TAG_PREFIX}last-switch`,
  override: `${TAG_PREFIX}override`,
  routes: (i = 1) => `${TAG_PREFIX}routes${i === 1 ? "" : `.${i}`}`,
} as const;

/** The groups a membership tag value names (space-separated). */
export const groupsOfTag = (value: string | undefined): string[] =>
  (value ?? "").split(" ").filter((s) => s !== "");

/** EC2 filter values matching a membership tag that names `group` (alone or in a list). */
export const membershipFilterValues = (group: string): string[] => [
  group,
  `${group} *`,
  `* ${group}`,
  `* ${group} *`,
];

export interface TableTags {
  routeTableId: string;
  tags: Readonly<Record<string, string>>;
}

export interface DecodedTable {
  state: Partial<FailoverState>;
  /** The appliance ENI our routes were last written to. */
  eni?: string;
  created: string[];
  legacy: boolean;
  problems: string[];
}

const iso = (t: number) => new Date(Math.floor(t / 1000) * 1000).toISOString().replace(".000Z", "Z");

const parseTime = (v: string, key: string, problems: string[]): number | undefined => {
  const t = Date.parse(v);
  if (Number.isNaN(t)) problems.push(`${key}: "${v}" is not an ISO 8601 time`);
  return Number.isNaN(t) ? undefined : t;
};

const parseOverride = (v: string, problems: string[]): GameDayOverride | undefined => {
  const m = /^(direct-connect|vpn)[/ ](?:until )?(\S+)$/.exec(v);
  const until = m?.[2] !== undefined ? Date.parse(m[2]) : Number.NaN;
  if (m && !Number.isNaN(until)) return { force: m[1] as PathName, until };
  problems.push(`override "${v}" is not "<path>/<ISO 8601>"`);
  return undefined;
};

/** `key=value` fields of the packed state value. */
const decodeState = (value: string, problems: string[]): { state: Partial<FailoverState>; eni?: string } => {
  const state: Partial<FailoverState> = {};
  let eni: string | undefined;
  for (const field of value.split(" ").filter((s) => s !== "")) {
    const [key, v = ""] = field.split(/=(.*)/s);
    if (key === "active" && (v === "vpn" || v === "direct-connect")) state.activePath = v;
    else if (key === "since") state.since = parseTime(v, key, problems);
    else if (key === "switch") state.lastSwitchAt = parseTime(v, key, problems);
    else if (key === "failback") state.lastFailbackAt = parseTime(v, key, problems);
    else if (key === "flaps" && /^\d{1,3}$/.test(v)) state.flaps = Number(v);
    else if (key === "eni" && /^eni-[0-9a-f]+$/.test(v)) eni = v;
    else if (key === "override") {
      const o = parseOverride(v, problems);
      if (o) state.override = o;
    } else problems.push(`state field "${field}" not understood`);
  }
  for (const k of Object.keys(state) as (keyof FailoverState)[]) if (state[k] === undefined) delete state[k];
  return { state, ...(eni !== undefined ? { eni } : {}) };
};

const decodeRouteList = (
  tags: Readonly<Record<string, string>>,
  keyOf: (i: number) => string,
  problems: string[],
) => {
  const created = new Set<string>();
  for (let i = 1; tags[keyOf(i)] !== undefined; i++) {
    for (const c of (tags[keyOf(i)] ?? "").split(" ").filter((s) => s !== "")) {
      const cidr = parseCidr(c, { hostBits: "mask" });
      if (cidr !== undefined) created.add(formatCidr(cidr));
      else problems.push(`${keyOf(i)} lists "${c}", which is not a CIDR`);
    }
  }
  return [...created].sort();
};

const decodeLegacy = (tags: Readonly<Record<string, string>>, problems: string[]): DecodedTable => {
  const state: Partial<FailoverState> = {};
  const active = tags[LEGACY.active];
  if (active === "vpn" || active === "direct-connect") state.activePath = active;
  const since = tags[LEGACY.since];
  if (since) state.since = parseTime(since, LEGACY.since, problems);
  const last = tags[LEGACY.lastSwitch];
  if (last) state.lastSwitchAt = parseTime(last, LEGACY.lastSwitch, problems);
  const o = tags[LEGACY.override];
  if (o) state.override = parseOverride(o, problems);
  for (const k of Object.keys(state) as (keyof FailoverState)[]) if (state[k] === undefined) delete state[k];
  return { state, created: decodeRouteList(tags, LEGACY.routes, problems), legacy: true, problems };
};

/** One table's tags for one group; the first version's keys when the table is this group's alone. */
export const decodeTableTags = (
  tags: Readonly<Record<string, string>>,
  group: string,
  groupTagKey: string = GROUP_TAG,
): DecodedTable => {
  const problems: string[] = [];
  const packed = tags[stateKey(group)];
  const members = groupsOfTag(tags[groupTagKey]);
  const hasLegacy = tags[LEGACY.active] !== undefined || tags[LEGACY.routes()] !== undefined;
  if (packed === undefined && hasLegacy && members.length === 1 && members[0] === group)
    return decodeLegacy(tags, problems);
  const { state, eni } = packed !== undefined ? decodeState(packed, problems) : { state: {}, eni: undefined };
  return {
    state,
    ...(eni !== undefined ? { eni } : {}),
    created: decodeRouteList(tags, (i) => routesKey(group, i), problems),
    legacy: false,
    problems,
  };
};

const max = (xs: readonly (number | undefined)[]) => {
  const v = xs.filter((x): x is number => x !== undefined);
  return v.length > 0 ? Math.max(...v) : undefined;
};

/**
 * The group's state from all its tables. They agree after a complete switch; after an interrupted one
 * (throttling, timeout) the conservative reading wins: VPN active if any table says so (the reconcile
 * completes it), the latest switch for the dwell, the most flaps, the override with the latest `until`.
 */
export const groupState = (
  tables: readonly TableTags[],
  group: string,
  groupTagKey: string = GROUP_TAG,
): { state: FailoverState; eni?: string; problems: string[] } => {
  const decoded = tables.map((t) => ({ id: t.routeTableId, ...decodeTableTags(t.tags, group, groupTagKey) }));
  const problems = decoded.flatMap((d) => d.problems.map((p) => `${d.id}: ${p}`));
  const activePath: PathName = decoded.some((d) => d.state.activePath === "vpn") ? "vpn" : "direct-connect";
  const state: FailoverState = { activePath, flaps: Math.max(0, ...decoded.map((d) => d.state.flaps ?? 0)) };
  const since = max(decoded.filter((d) => d.state.activePath === activePath).map((d) => d.state.since));
  if (since !== undefined) state.since = since;
  const last = max(decoded.map((d) => d.state.lastSwitchAt));
  if (last !== undefined) state.lastSwitchAt = last;
  const failback = max(decoded.map((d) => d.state.lastFailbackAt));
  if (failback !== undefined) state.lastFailbackAt = failback;
  const override = decoded
    .map((d) => d.state.override)
    .filter((o): o is GameDayOverride => o !== undefined)
    .sort((a, b) => b.until - a.until)[0];
  if (override) state.override = override;
  const enis = [...new Set(decoded.flatMap((d) => (d.eni ? [d.eni] : [])))];
  if (enis.length > 1) problems.push(`tables record different appliance ENIs: ${enis.join(", ")}`);
  return { state, ...(enis[0] !== undefined ? { eni: enis[0] } : {}), problems };
};

/** The packed state value (at most 256 characters: checked by a test with the longest fields). */
export const encodeState = (state: FailoverState, eni?: string): string =>
  [
    `active=${state.activePath}`,
    ...(state.since !== undefined ? [`since=${iso(state.since)}`] : []),
    ...(state.lastSwitchAt !== undefined ? [`switch=${iso(state.lastSwitchAt)}`] : []),
    ...(state.lastFailbackAt !== undefined ? [`failback=${iso(state.lastFailbackAt)}`] : []),
    ...(state.flaps > 0 ? [`flaps=${Math.min(999, state.flaps)}`] : []),
    ...(eni !== undefined ? [`eni=${eni}`] : []),
    ...(state.override ? [`override=${state.override.force}/${iso(state.override.until)}`] : []),
  ].join(" ");

/** The ownership list split into values of at most 256 characters. */
export const encodeRoutes = (cidrs: readonly string[]): string[] => {
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
  return values.length > 0 ? values : [""];
};

export interface TagChange {
  routeTableId: string;
  set: Record<string, string>;
  remove: string[];
}

const isLegacyKey = (k: string) =>
  ([LEGACY.active, LEGACY.since, LEGACY.lastSwitch, LEGACY.override] as string[]).includes(k) ||
  /^ops:dx-failover:routes(\.\d+)?$/.test(k);

/** The tag writes that make a table say `state` and `owned` for the group (only what differs). */
export const tableTagChange = (
  table: TableTags,
  group: string,
  state: FailoverState,
  owned: readonly string[],
  options: { eni?: string; groupTagKey?: string } = {},
): TagChange => {
  const wanted: Record<string, string> = { [stateKey(group)]: encodeState(state, options.eni) };
  encodeRoutes(owned).forEach((v, i) => {
    wanted[routesKey(group, i + 1)] = v;
  });
  const set = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => table.tags[k] !== v));
  const members = groupsOfTag(table.tags[options.groupTagKey ?? GROUP_TAG]);
  // The first version's keys go only from a table of this group alone (another group may still read them).
  const alone = members.length === 1 && members[0] === group;
  const remove = Object.keys(table.tags).filter(
    (k) => (k.startsWith(`${routesKey(group)}.`) && wanted[k] === undefined) || (alone && isLegacyKey(k)),
  );
  return { routeTableId: table.routeTableId, set, remove };
};

/** Whether a tag change fits EC2's limits: 50 user tags per resource (`aws:` not counted), 256-character values. */
export const tagHeadroom = (
  tags: Readonly<Record<string, string>>,
  change: Pick<TagChange, "set" | "remove">,
): { fits: boolean; count: number; longValues: string[] } => {
  const after = new Set(Object.keys(tags).filter((k) => !k.startsWith("aws:")));
  for (const k of change.remove) after.delete(k);
  for (const k of Object.keys(change.set)) after.add(k);
  const longValues = Object.entries(change.set)
    .filter(([, v]) => [...v].length > TAG_VALUE_MAX)
    .map(([k]) => k);
  return { fits: after.size <= TAGS_PER_RESOURCE && longValues.length === 0, count: after.size, longValues };
};
