import { type Cidr, cidrWithin, formatCidr, parseCidr } from "../../../../shared/net/cidr";
import type { RouteTarget } from "../../../../shared/observe/model";

/**
 * Which route carries the traffic of a block, as the VPC router chooses (VPC User Guide, "How route
 * priority works"): the longest prefix first, whatever the route's kind; for the same prefix a static route
 * beats a prefix-list route, which beats a propagated route; IPv4 and IPv6 are independent. A prefix-list
 * route stands for one route per entry of the list's current version. Pure: the planner judges every
 * configured CIDR of every table with it, before and after a change.
 */

export type DestinationKind = "ipv4" | "ipv6" | "prefix-list";
/** Route Server routes (`Origin: Advertisement`) are not in AWS's priority list: ranked last, and never taken for DX. */
export type RouteTier = "static" | "prefix-list" | "propagated" | "advertisement";

/** A route as DescribeRouteTables lists it, with its one destination. */
export interface TableRoute {
  /** A CIDR in canonical form, or a prefix list id. */
  destination: string;
  kind: DestinationKind;
  targets: readonly RouteTarget[];
  state: "active" | "blackhole";
  origin: string;
}

/** A prefix list's size as the route quota counts it (DescribeManagedPrefixLists `MaxEntries`, `AddressFamily`). */
export interface PrefixListLimit {
  maxEntries: number;
  family: "ipv4" | "ipv6";
}

/** One prefix a route offers for the traffic (a prefix-list route offers one per entry). */
export interface Candidate {
  cidr: Cidr;
  route: TableRoute;
  tier: RouteTier;
}

/** A part of the judged block and the route that wins it (none: no route matches). */
export interface Segment {
  range: string;
  winner?: Candidate;
}

const RANK: Readonly<Record<RouteTier, number>> = {
  static: 3,
  "prefix-list": 2,
  propagated: 1,
  advertisement: 0,
};

const tierOf = (route: TableRoute): RouteTier => {
  if (route.origin === "EnableVgwRoutePropagation") return "propagated";
  if (route.origin === "Advertisement") return "advertisement";
  return route.kind === "prefix-list" ? "prefix-list" : "static";
};

/**
 * The candidates of one address family: CIDR routes as they are, prefix-list routes expanded with their
 * entries. Lists whose entries are unknown are returned apart (the caller reports them).
 */
export const candidatesOf = (
  routes: readonly TableRoute[],
  prefixLists: ReadonlyMap<string, readonly string[]>,
  version: 4 | 6,
): { candidates: Candidate[]; unresolved: string[] } => {
  const candidates: Candidate[] = [];
  const unresolved: string[] = [];
  for (const route of routes) {
    const tier = tierOf(route);
    const texts = route.kind === "prefix-list" ? prefixLists.get(route.destination) : [route.destination];
    if (texts === undefined) {
      unresolved.push(route.destination);
      continue;
    }
    for (const text of texts) {
      const cidr = parseCidr(text, { hostBits: "mask" });
      if (cidr !== undefined && cidr.version === version) candidates.push({ cidr, route, tier });
    }
  }
  return { candidates, unresolved };
};

/** Longest prefix, then tier, then the lower destination (two prefix lists with one entry: AWS picks one for good). */
const better = (a: Candidate, b: Candidate): boolean => {
  if (a.cidr.prefix !== b.cidr.prefix) return a.cidr.prefix > b.cidr.prefix;
  if (RANK[a.tier] !== RANK[b.tier]) return RANK[a.tier] > RANK[b.tier];
  return a.route.destination < b.route.destination;
};

const halves = (block: Cidr): [Cidr, Cidr] => {
  const bits = block.version === 4 ? 32 : 128;
  const half = 1n << BigInt(bits - block.prefix - 1);
  const prefix = block.prefix + 1;
  return [
    { version: block.version, network: block.network, prefix },
    { version: block.version, network: block.network + half, prefix },
  ];
};

/**
 * The parts of `block` and the route that wins each: a candidate strictly inside the block wins its own
 * part; the rest goes to the best candidate containing it.
 */
export const segmentsOf = (candidates: readonly Candidate[], block: Cidr): Segment[] => {
  const relevant = candidates.filter((c) => cidrWithin(c.cidr, block) || cidrWithin(block, c.cidr));
  const inside = relevant.some((c) => c.cidr.prefix > block.prefix);
  if (!inside) {
    const winner = relevant.reduce<Candidate | undefined>(
      (w, c) => (w === undefined || better(c, w) ? c : w),
      undefined,
    );
    return [{ range: formatCidr(block), ...(winner ? { winner } : {}) }];
  }
  const [low, high] = halves(block);
  const parts = [...segmentsOf(relevant, low), ...segmentsOf(relevant, high)];
  const [a, b] = parts;
  // Siblings won by the same route are one segment again.
  if (parts.length === 2 && a?.winner !== undefined && a.winner === b?.winner)
    return [{ range: formatCidr(block), winner: a.winner }];
  return parts;
};

export type OverrideVerdict =
  /** Our static route to the appliance carries all of the block. */
  | { kind: "effective" }
  /** Part of the block is carried by another route (a more specific one): the failover does not hold. */
  | { kind: "defeated"; by: Segment[] }
  /** Our route is there but its target is not available. */
  | { kind: "blackhole" };

/** Whether our route (`isOurs`) is the effective one for every address of the block. */
export const judgeOverride = (
  candidates: readonly Candidate[],
  block: Cidr,
  isOurs: (route: TableRoute) => boolean,
): OverrideVerdict => {
  const segments = segmentsOf(candidates, block);
  const by = segments.filter((s) => s.winner === undefined || !isOurs(s.winner.route));
  if (by.length > 0) return { kind: "defeated", by };
  return segments.every((s) => s.winner?.route.state === "active")
    ? { kind: "effective" }
    : { kind: "blackhole" };
};

export type FailbackVerdict =
  /** Without our route, every address of the block goes to an active propagated (Direct Connect) route. */
  | { kind: "direct-connect" }
  /** Some part would go elsewhere (a default route, another target) or nowhere: keep our route. */
  | { kind: "blocked"; segments: Segment[] };

/** A propagated route of the virtual private gateway, active: the Direct Connect path (BGP). */
export const isDirectConnect = (route: TableRoute): boolean =>
  route.origin === "EnableVgwRoutePropagation" &&
  route.state === "active" &&
  route.targets.some((t) => t.kind === "gateway" && t.id.startsWith("vgw-"));

/** Whether Direct Connect would carry the whole block once our route (`isOurs`) is gone (aggregates count). */
export const judgeFailback = (
  candidates: readonly Candidate[],
  block: Cidr,
  isOurs: (route: TableRoute) => boolean,
): FailbackVerdict => {
  const without = candidates.filter((c) => !isOurs(c.route));
  const blocked = segmentsOf(without, block).filter(
    (s) => s.winner === undefined || !isDirectConnect(s.winner.route),
  );
  return blocked.length === 0 ? { kind: "direct-connect" } : { kind: "blocked", segments: blocked };
};

/** "10.1.2.0/24 → pcx-… (static)" for reports. */
export const describeSegment = (s: Segment): string =>
  s.winner === undefined
    ? `${s.range} → no route`
    : `${s.range} → ${s.winner.route.targets.map((t) => t.id).join("+") || "?"} (${s.winner.tier} ${formatCidr(s.winner.cidr)}${s.winner.route.state === "blackhole" ? ", blackhole" : ""})`;
