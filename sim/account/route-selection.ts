/**
 * Which route of a route table carries traffic to an address, as the VPC router chooses it — the sim's
 * own reading of the VPC User Guide, "How route priority works" (route-tables-priority.html), written
 * independently of any capability code, for tests and the control endpoint:
 *
 * 1. Longest prefix first: "we direct traffic using the most specific route that matches the traffic",
 *    "for routes that overlap, more specific routes always take priority irrespective of whether they are
 *    propagated routes, static routes, or routes that reference prefix lists".
 * 2. Same prefix: static routes (local included) before prefix-list routes before propagated routes ("If
 *    your route table contains a static route with a destination CIDR block that overlaps a static route
 *    with a prefix list, the static route with the CIDR block takes priority. If your route table contains
 *    a propagated route that matches a route that references a prefix list, the route that references the
 *    prefix list takes priority.").
 * 3. Two prefix lists with the same entry: AWS picks one at random, then always the same one — here the
 *    lower prefix list id [decision].
 * 4. IPv4 and IPv6 are independent; a prefix-list route matches every entry of the list's current version.
 * 5. A `blackhole` route still matches (traffic is dropped; no fall back to a shorter prefix) [decision].
 */
import {
  type Cidr,
  cidrContains,
  cidrWithin,
  formatCidr,
  type IpAddress,
  parseCidr,
  parseIp,
} from "../../shared/net/cidr";
import { listedRoutes } from "./dx";
import { currentPrefixListCidrs } from "./prefix-lists";
import { destinationKind } from "./route-destination";
import type { RegionState, RouteModel, RouteTableModel } from "./state";

export type RouteTier = "static" | "prefix-list" | "propagated";

const TIER_RANK: Readonly<Record<RouteTier, number>> = { static: 0, "prefix-list": 1, propagated: 2 };

/** One prefix a route matches (a prefix-list route gives one per entry). */
interface Candidate {
  route: RouteModel;
  cidr: Cidr;
  tier: RouteTier;
  order: number;
}

/** The route chosen for some traffic, with the prefix that matched and why it won. */
export interface SelectedRoute {
  route: RouteModel;
  /** The matching prefix: the route's block, or the prefix-list entry. */
  matched: string;
  tier: RouteTier;
  state: "active" | "blackhole";
}

/** A part of a queried block and the route its traffic takes (none: no route, dropped). */
export interface ServedRange {
  range: string;
  selected?: SelectedRoute;
}

function tierOf(route: RouteModel): RouteTier {
  if (route.origin === "EnableVgwRoutePropagation") return "propagated";
  return destinationKind(route.destinationCidrBlock) === "prefix-list" ? "prefix-list" : "static";
}

function candidatesOf(state: RegionState, table: RouteTableModel): Candidate[] {
  return listedRoutes(state, table).flatMap((route, order) => {
    const tier = tierOf(route);
    const texts =
      tier === "prefix-list"
        ? currentPrefixListCidrs(state, route.destinationCidrBlock)
        : [route.destinationCidrBlock];
    return texts.flatMap((text) => {
      const cidr = parseCidr(text);
      return cidr === undefined ? [] : [{ route, cidr, tier, order }];
    });
  });
}

/** Longest prefix, then tier, then (prefix lists) the lower list id, then listing order. */
function better(a: Candidate, b: Candidate): boolean {
  if (a.cidr.prefix !== b.cidr.prefix) return a.cidr.prefix > b.cidr.prefix;
  if (a.tier !== b.tier) return TIER_RANK[a.tier] < TIER_RANK[b.tier];
  if (a.tier === "prefix-list" && a.route.destinationCidrBlock !== b.route.destinationCidrBlock)
    return a.route.destinationCidrBlock < b.route.destinationCidrBlock;
  return a.order < b.order;
}

function selected(state: RegionState, c: Candidate | undefined): SelectedRoute | undefined {
  if (c === undefined) return undefined;
  return { route: c.route, matched: formatCidr(c.cidr), tier: c.tier, state: state.routeState(c.route) };
}

function bestOf(candidates: readonly Candidate[], covers: (c: Candidate) => boolean): Candidate | undefined {
  let best: Candidate | undefined;
  for (const c of candidates) if (covers(c) && (best === undefined || better(c, best))) best = c;
  return best;
}

/** The route the table uses for one address (undefined: no route matches). */
export function selectRoute(
  state: RegionState,
  table: RouteTableModel,
  address: IpAddress,
): SelectedRoute | undefined {
  return selected(
    state,
    bestOf(candidatesOf(state, table), (c) => cidrContains(c.cidr, address)),
  );
}

function halves(block: Cidr): [Cidr, Cidr] {
  const bits = block.version === 4 ? 32 : 128;
  const half = 1n << BigInt(bits - block.prefix - 1);
  const prefix = block.prefix + 1;
  return [
    { version: block.version, network: block.network, prefix },
    { version: block.version, network: block.network + half, prefix },
  ];
}

/** Splits a block where more specific prefixes start, each part with the candidate that wins it. */
function serve(block: Cidr, candidates: readonly Candidate[]): { block: Cidr; winner?: Candidate }[] {
  const relevant = candidates.filter((c) => cidrWithin(block, c.cidr) || cidrWithin(c.cidr, block));
  if (!relevant.some((c) => c.cidr.prefix > block.prefix)) {
    return [{ block, winner: bestOf(relevant, (c) => cidrWithin(block, c.cidr)) }];
  }
  const parts = halves(block).map((h) => serve(h, relevant));
  const [low = [], high = []] = parts;
  // Both halves wholly served by the same prefix: report the block once.
  if (low.length === 1 && high.length === 1 && low[0]?.winner === high[0]?.winner)
    return [{ block, winner: low[0]?.winner }];
  return parts.flat();
}

/**
 * How the table routes a whole block: the block split into the parts that take different routes (a more
 * specific route inside it wins its part; the rest goes to the longest route containing the block).
 */
export function serveBlock(state: RegionState, table: RouteTableModel, block: Cidr): ServedRange[] {
  return serve(block, candidatesOf(state, table)).map((part) => {
    const winner = selected(state, part.winner);
    return winner === undefined
      ? { range: formatCidr(part.block) }
      : { range: formatCidr(part.block), selected: winner };
  });
}

/** `10.0.1.5` → the route for that address; `10.0.0.0/16` → the parts of the block and their routes. */
export function effectiveRoutes(state: RegionState, table: RouteTableModel, query: string): ServedRange[] {
  const address = parseIp(query);
  const block =
    address === undefined
      ? parseCidr(query)
      : { version: address.version, network: address.value, prefix: address.version === 4 ? 32 : 128 };
  if (block === undefined) throw new TypeError(`${query} is neither an IP address nor a CIDR block`);
  return serveBlock(state, table, block);
}
