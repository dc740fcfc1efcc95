import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Candidate,
  candidatesOf,
  judgeFailback,
  judgeOverride,
  segmentsOf,
  type TableRoute,
} from "../../../../functions/dx-failover/failover/plan/effective";
import { cidrContains, cidrSize, formatCidr, parseCidr } from "../../../../shared/net/cidr";

/**
 * The effective-route judgment against the VPC User Guide's "How route priority works": longest prefix,
 * then static over prefix list over propagated, families independent. Examples, then properties against a
 * brute-force reading of the same rules, address by address.
 */

const ENI = "eni-0appliance0000001";
const VGW = "vgw-0dx000000000001";

const route = (
  destination: string,
  origin: string,
  target: string,
  state: "active" | "blackhole" = "active",
): TableRoute => ({
  destination,
  kind: destination.startsWith("pl-") ? "prefix-list" : destination.includes(":") ? "ipv6" : "ipv4",
  targets: [{ kind: target.startsWith("eni-") ? "network-interface" : "gateway", id: target }],
  state,
  origin,
});
const ours = (cidr: string) => route(cidr, "CreateRoute", ENI);
const dx = (cidr: string) => route(cidr, "EnableVgwRoutePropagation", VGW);
const block = (text: string) => {
  const c = parseCidr(text);
  if (c === undefined) throw new Error(text);
  return c;
};
const isOurs = (r: TableRoute) => r.origin === "CreateRoute" && r.targets[0]?.id === ENI;
const cands = (routes: TableRoute[], lists = new Map<string, string[]>(), version: 4 | 6 = 4) =>
  candidatesOf(routes, lists, version).candidates;

describe("effective route: the override", () => {
  it("a static /16 to the appliance carries the /16 over an equal propagated route and an aggregate", () => {
    const c = cands([ours("10.1.0.0/16"), dx("10.1.0.0/16"), dx("10.0.0.0/8")]);
    expect(judgeOverride(c, block("10.1.0.0/16"), isOurs)).toEqual({ kind: "effective" });
  });

  it("more specific propagated /24s inside the /16 defeat it for their /24s", () => {
    const c = cands([ours("10.1.0.0/16"), dx("10.1.5.0/24"), dx("10.1.200.0/24")]);
    const v = judgeOverride(c, block("10.1.0.0/16"), isOurs);
    expect(v.kind).toBe("defeated");
    if (v.kind === "defeated") expect(v.by.map((s) => s.range)).toEqual(["10.1.5.0/24", "10.1.200.0/24"]);
  });

  it("a static route to the appliance beats a prefix-list route with the same entry", () => {
    const lists = new Map([["pl-0123456789abcdef0", ["10.1.0.0/16"]]]);
    const c = cands([ours("10.1.0.0/16"), route("pl-0123456789abcdef0", "CreateRoute", "pcx-0abc")], lists);
    expect(judgeOverride(c, block("10.1.0.0/16"), isOurs)).toEqual({ kind: "effective" });
  });

  it("our route blackholed (its ENI gone) is not effective", () => {
    const c = cands([route("10.1.0.0/16", "CreateRoute", ENI, "blackhole")]);
    expect(judgeOverride(c, block("10.1.0.0/16"), isOurs)).toEqual({ kind: "blackhole" });
  });

  it("IPv6: families are independent; an IPv4 route never judges an IPv6 block", () => {
    const c = cands([ours("2001:db8::/48"), dx("2001:db8:0:1::/64"), dx("10.1.0.0/16")], new Map(), 6);
    const v = judgeOverride(c, block("2001:db8::/48"), isOurs);
    expect(v.kind === "defeated" && v.by.map((s) => s.range)).toEqual(["2001:db8:0:1::/64"]);
  });
});

describe("effective route: the failback", () => {
  it("an aggregate (10.0.0.0/8) carries a configured /16 once our route is gone", () => {
    const c = cands([ours("10.1.0.0/16"), dx("10.0.0.0/8"), route("0.0.0.0/0", "CreateRoute", "igw-0abc")]);
    expect(judgeFailback(c, block("10.1.0.0/16"), isOurs)).toEqual({ kind: "direct-connect" });
  });

  it("a set of more specifics covering the /16 carries it too", () => {
    const c = cands([ours("10.1.0.0/16"), dx("10.1.0.0/17"), dx("10.1.128.0/17")]);
    expect(judgeFailback(c, block("10.1.0.0/16"), isOurs)).toEqual({ kind: "direct-connect" });
  });

  it("nothing propagated: the default route would take it (blocked)", () => {
    const c = cands([ours("10.1.0.0/16"), route("0.0.0.0/0", "CreateRoute", "nat-0abc")]);
    const v = judgeFailback(c, block("10.1.0.0/16"), isOurs);
    expect(v.kind).toBe("blocked");
  });

  it("half advertised: the other half would have no route (blocked, that half named)", () => {
    const v = judgeFailback(cands([ours("10.1.0.0/16"), dx("10.1.0.0/17")]), block("10.1.0.0/16"), isOurs);
    expect(v.kind === "blocked" && v.segments.map((s) => s.range)).toEqual(["10.1.128.0/17"]);
  });

  it("someone's prefix-list route for the same prefix beats the propagated route (blocked)", () => {
    const lists = new Map([["pl-0123456789abcdef0", ["10.1.0.0/16"]]]);
    const c = cands(
      [ours("10.1.0.0/16"), dx("10.1.0.0/16"), route("pl-0123456789abcdef0", "CreateRoute", "pcx-0abc")],
      lists,
    );
    expect(judgeFailback(c, block("10.1.0.0/16"), isOurs).kind).toBe("blocked");
  });

  it("a Route Server route is never taken for Direct Connect", () => {
    const c = cands([ours("10.1.0.0/16"), route("10.1.0.0/16", "Advertisement", "eni-0rs")]);
    expect(judgeFailback(c, block("10.1.0.0/16"), isOurs).kind).toBe("blocked");
  });

  it("an unresolved prefix list is reported apart", () => {
    expect(
      candidatesOf([route("pl-0fedcba9876543210", "CreateRoute", "pcx-0abc")], new Map(), 4).unresolved,
    ).toEqual(["pl-0fedcba9876543210"]);
  });
});

// ——— properties ———

const RANK: Record<string, number> = { static: 3, "prefix-list": 2, propagated: 1, advertisement: 0 };

/** Brute force: the route for one address, straight from the priority rules. */
const oracle = (candidates: readonly Candidate[], address: bigint): Candidate | undefined => {
  const matching = candidates.filter((c) => cidrContains(c.cidr, { version: 4, value: address }));
  return matching.sort(
    (a, b) =>
      b.cidr.prefix - a.cidr.prefix ||
      (RANK[b.tier] ?? 0) - (RANK[a.tier] ?? 0) ||
      (a.route.destination < b.route.destination ? -1 : 1),
  )[0];
};

const masked = (text: string) => formatCidr(parseCidr(text, { hostBits: "mask" }) ?? block("10.0.0.0/16"));
const cidrArb = fc
  .tuple(fc.integer({ min: 0, max: 3 }), fc.nat(255), fc.integer({ min: 14, max: 26 }))
  .map(([b, c, prefix]) => masked(`10.${b}.${c}.0/${prefix}`));
const routeArb = fc.record({
  cidr: cidrArb,
  origin: fc.constantFrom("CreateRoute", "EnableVgwRoutePropagation", "Advertisement"),
  target: fc.constantFrom(ENI, VGW, "pcx-0abc", "nat-0abc"),
});

describe("effective route properties", () => {
  it("the segments partition the block exactly, and each agrees address by address with the rules", () => {
    fc.assert(
      fc.property(
        fc.array(routeArb, { maxLength: 8 }),
        cidrArb,
        fc.array(fc.bigInt({ min: 0n, max: (1n << 20n) - 1n }), { minLength: 5, maxLength: 20 }),
        (gen, judged, offsets) => {
          const routes = gen.map((g) => route(g.cidr, g.origin, g.target));
          const candidates = cands(routes);
          const b = block(judged);
          const segments = segmentsOf(candidates, b);
          const total = segments.reduce((n, s) => n + cidrSize(block(s.range)), 0n);
          expect(total).toBe(cidrSize(b));
          for (const offset of offsets) {
            const address = b.network + (offset % cidrSize(b));
            const seg = segments.filter((s) => cidrContains(block(s.range), { version: 4, value: address }));
            expect(seg).toHaveLength(1);
            const want = oracle(candidates, address);
            expect(seg[0]?.winner?.route).toBe(want?.route);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("failback is judged Direct Connect only if every address of the block would take an active propagated route", () => {
    fc.assert(
      fc.property(
        fc.array(routeArb, { maxLength: 8 }),
        cidrArb,
        fc.array(fc.nat(1 << 20), { minLength: 10, maxLength: 30 }),
        (gen, judged, offsets) => {
          const routes = [...gen.map((g) => route(g.cidr, g.origin, g.target)), ours(judged)];
          const candidates = cands(routes);
          const b = block(judged);
          const v = judgeFailback(candidates, b, (r) => r === routes[routes.length - 1]);
          fc.pre(v.kind === "direct-connect");
          const without = candidates.filter((c) => c.route !== routes[routes.length - 1]);
          for (const offset of offsets) {
            const w = oracle(without, b.network + (BigInt(offset) % cidrSize(b)));
            expect(w?.route.origin).toBe("EnableVgwRoutePropagation");
            expect(w?.route.targets[0]?.id).toBe(VGW);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
