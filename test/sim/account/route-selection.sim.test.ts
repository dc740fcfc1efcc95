import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Cidr,
  cidrContains,
  cidrSize,
  cidrWithin,
  formatCidr,
  type IpAddress,
  parseCidr,
} from "../../../shared/net/cidr";
import type { AccountFixtureInput, SimulatedAccount } from "../../../sim";
import { selectRoute, serveBlock } from "../../../sim/account/route-selection";
import type { RouteTableModel } from "../../../sim/account/state";
import { DX, dxAccount } from "./dx-fixture";
import { ec2 } from "./helpers";

const PL_A = "pl-0000000000000000a";
const PL_B = "pl-0000000000000000b";

type Static = {
  destinationCidrBlock?: string;
  destinationIpv6CidrBlock?: string;
  destinationPrefixListId?: string;
  target: string;
};

function table(routes: Static[], extra: Partial<AccountFixtureInput> = {}): SimulatedAccount {
  return dxAccount({
    routeTables: [{ id: DX.prodA, vpcId: DX.vpc, propagatingVgws: [DX.vgw], routes }],
    managedPrefixLists: [
      { id: PL_A, name: "a", addressFamily: "IPv4", maxEntries: 5, entries: [{ cidr: "10.100.0.0/16" }] },
      { id: PL_B, name: "b", addressFamily: "IPv4", maxEntries: 5, entries: [{ cidr: "10.100.0.0/16" }] },
    ],
    ...extra,
  });
}

function winner(a: SimulatedAccount, query: string) {
  const routes = a.network.effectiveRoutes(DX.prodA, query);
  expect(routes).toHaveLength(1);
  return routes[0]?.route;
}

describe("route selection (VPC User Guide, How route priority works)", () => {
  it("longest prefix first: the documented example (10.10.2.15/32 over 10.10.2.0/24)", () => {
    const a = table([
      { destinationCidrBlock: "10.10.2.0/24", target: "tgw-0123456789abcdef0" },
      { destinationCidrBlock: "10.10.2.15/32", target: DX.applianceEni },
    ]);
    expect(winner(a, "10.10.2.15")).toMatchObject({ DestinationCidrBlock: "10.10.2.15/32", tier: "static" });
    expect(winner(a, "10.10.2.16")).toMatchObject({ DestinationCidrBlock: "10.10.2.0/24" });
  });

  it("a more specific propagated route beats a static one: the /16 override loses its /24s", () => {
    const a = table([{ destinationCidrBlock: DX.onPrem, target: DX.applianceEni }]);
    a.network.setAdvertisedPrefixes(DX.vif1, ["10.100.1.0/24", "10.100.2.0/24"]);
    a.network.setAdvertisedPrefixes(DX.vif2, [DX.onPrem]);
    expect(winner(a, "10.100.1.9")).toMatchObject({
      DestinationCidrBlock: "10.100.1.0/24",
      target: DX.vgw,
      tier: "propagated",
    });
    expect(winner(a, "10.100.9.9")).toMatchObject({
      DestinationCidrBlock: DX.onPrem,
      target: DX.applianceEni,
      tier: "static",
    });
    expect(a.network.effectiveRoutes(DX.prodA, DX.onPrem).map((r) => [r.range, r.route?.target])).toEqual([
      ["10.100.0.0/24", DX.applianceEni],
      ["10.100.1.0/24", DX.vgw],
      ["10.100.2.0/24", DX.vgw],
      ["10.100.3.0/24", DX.applianceEni],
      ["10.100.4.0/22", DX.applianceEni],
      ["10.100.8.0/21", DX.applianceEni],
      ["10.100.16.0/20", DX.applianceEni],
      ["10.100.32.0/19", DX.applianceEni],
      ["10.100.64.0/18", DX.applianceEni],
      ["10.100.128.0/17", DX.applianceEni],
    ]);
  });

  it("static over propagated for the same prefix; an aggregate serves the block once the static route is gone", async () => {
    const a = table([{ destinationCidrBlock: DX.onPrem, target: DX.applianceEni }]);
    expect(winner(a, DX.onPrem)).toMatchObject({ target: DX.applianceEni, tier: "static" });
    a.network.setAdvertisedPrefixes(DX.vif1, ["10.0.0.0/8"]);
    a.network.setAdvertisedPrefixes(DX.vif2, ["10.0.0.0/8"]);
    await ec2(a, "DeleteRoute", { RouteTableId: DX.prodA, DestinationCidrBlock: DX.onPrem });
    expect(winner(a, DX.onPrem)).toMatchObject({
      DestinationCidrBlock: "10.0.0.0/8",
      target: DX.vgw,
      matched: "10.0.0.0/8",
    });
  });

  it("static over prefix list over propagated for the same prefix; two lists: the lower id, always", async () => {
    const a = table([{ destinationPrefixListId: PL_B, target: "tgw-0123456789abcdef0" }]);
    expect(winner(a, DX.onPrem)).toMatchObject({
      DestinationPrefixListId: PL_B,
      tier: "prefix-list",
      matched: DX.onPrem,
    });
    await ec2(a, "CreateRoute", {
      RouteTableId: DX.prodA,
      DestinationPrefixListId: PL_A,
      NatGatewayId: "nat-0123456789abcdef0",
    });
    expect(winner(a, DX.onPrem)).toMatchObject({ DestinationPrefixListId: PL_A });
    await ec2(a, "CreateRoute", {
      RouteTableId: DX.prodA,
      DestinationCidrBlock: DX.onPrem,
      NetworkInterfaceId: DX.applianceEni,
    });
    expect(winner(a, DX.onPrem)).toMatchObject({ DestinationCidrBlock: DX.onPrem, tier: "static" });
    // A new version of a list changes what it matches.
    a.network.setPrefixListEntries(PL_A, [{ cidr: "10.100.7.0/24" }]);
    expect(winner(a, "10.100.7.7")).toMatchObject({
      DestinationPrefixListId: PL_A,
      matched: "10.100.7.0/24",
    });
  });

  it("a blackhole route still wins its prefix (no fall back to a shorter one) [decision]", () => {
    const a = table([{ destinationCidrBlock: DX.onPrem, target: "eni-0ffffffffffffffff" }]);
    expect(winner(a, "10.100.0.1")).toMatchObject({ target: "eni-0ffffffffffffffff", state: "blackhole" });
  });

  it("IPv4 and IPv6 are independent; no match leaves a range without a route; bad queries are refused", () => {
    const a = table([{ destinationIpv6CidrBlock: "::/0", target: "igw-0123456789abcdef0" }]);
    expect(winner(a, "2001:db8::1")).toMatchObject({ DestinationIpv6CidrBlock: "::/0", matched: "::/0" });
    expect(a.network.effectiveRoutes(DX.prodA, "192.168.1.1")).toEqual([{ range: "192.168.1.1/32" }]);
    expect(() => a.network.effectiveRoutes(DX.prodA, "nonsense")).toThrow(TypeError);
    expect(() => a.network.effectiveRoutes("rtb-0ffffffffffffffff", "10.0.0.1")).toThrow(/does not exist/);
  });

  it("answers GET /__sim/route-tables/<id>/effective-routes?for=", async () => {
    const a = table([]);
    const r = await a.control("GET", `/__sim/route-tables/${DX.prodA}/effective-routes?for=10.100.3.4`);
    expect(r).toEqual({
      status: 200,
      body: {
        routeTableId: DX.prodA,
        routes: [
          {
            range: "10.100.3.4/32",
            route: {
              DestinationCidrBlock: DX.onPrem,
              target: DX.vgw,
              origin: "EnableVgwRoutePropagation",
              state: "active",
              matched: DX.onPrem,
              tier: "propagated",
            },
          },
        ],
      },
    });
    expect((await a.control("GET", `/__sim/route-tables/${DX.prodA}/effective-routes`)).status).toBe(400);
    expect(
      (await a.control("GET", "/__sim/route-tables/rtb-0ffffffffffffffff/effective-routes?for=1.1.1.1"))
        .status,
    ).toBe(400);
  });
});

// ---------------------------------------------------------------------------------------------------
// Properties: the selection agrees with a brute-force reading of the priority rules, and the split of a
// block agrees with the per-address selection.

const TIERS = ["static", "prefix-list", "propagated"] as const;
type Tier = (typeof TIERS)[number];
const RANK: Record<Tier, number> = { static: 0, "prefix-list": 1, propagated: 2 };
const BASE = 0xac100000n; // 172.16.0.0, outside the VPC

/** Blocks inside 172.16.0.0/16, /16 to /28. */
const blockArb = fc
  .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 16, max: 28 }))
  .map(([low, prefix]): Cidr => {
    const host = (1n << BigInt(32 - prefix)) - 1n;
    return { version: 4, network: (BASE | BigInt(low)) & ~host, prefix };
  });
const routeArb = fc.record({ block: blockArb, tier: fc.constantFrom(...TIERS) });
const addressArb = fc
  .integer({ min: 0, max: 0xffff })
  .map((low): IpAddress => ({ version: 4, value: BASE | BigInt(low) }));

interface Generated {
  block: Cidr;
  tier: Tier;
}

function build(routes: readonly Generated[]): { a: SimulatedAccount; rt: RouteTableModel } {
  const of = (tier: Tier) => [
    ...new Set(routes.filter((r) => r.tier === tier).map((r) => formatCidr(r.block))),
  ];
  const listed = of("prefix-list");
  const a = dxAccount({
    routeTables: [
      {
        id: DX.prodA,
        vpcId: DX.vpc,
        propagatingVgws: [DX.vgw],
        routes: [
          ...of("static").map((d) => ({ destinationCidrBlock: d, target: DX.applianceEni })),
          ...(listed.length > 0 ? [{ destinationPrefixListId: PL_A, target: "tgw-0123456789abcdef0" }] : []),
        ],
      },
    ],
    managedPrefixLists: [
      {
        id: PL_A,
        name: "a",
        addressFamily: "IPv4",
        maxEntries: 100,
        entries: listed.map((cidr) => ({ cidr })),
      },
    ],
    behaviour: { routesPerTable: 1000 },
  });
  a.network.setAdvertisedPrefixes(DX.vif1, of("propagated"));
  a.network.setAdvertisedPrefixes(DX.vif2, []);
  const rt = a.state().routeTables.get(DX.prodA);
  if (rt === undefined) throw new Error("no table");
  return { a, rt };
}

/** The rules read directly: the containing routes, longest first, then static, prefix list, propagated. */
function reference(
  routes: readonly Generated[],
  address: IpAddress,
): { matched: string; tier: Tier } | undefined {
  const best = routes
    .filter((r) => cidrContains(r.block, address))
    .sort((x, y) => y.block.prefix - x.block.prefix || RANK[x.tier] - RANK[y.tier])[0];
  return best === undefined ? undefined : { matched: formatCidr(best.block), tier: best.tier };
}

describe("route selection properties", () => {
  it("selects what the priority rules say for any address (longest prefix, then static, prefix list, propagated)", () => {
    fc.assert(
      fc.property(
        fc.array(routeArb, { maxLength: 12 }),
        fc.array(addressArb, { minLength: 1, maxLength: 8 }),
        (routes, addresses) => {
          const { a, rt } = build(routes);
          for (const address of addresses) {
            const got = selectRoute(a.state(), rt, address);
            expect(got === undefined ? undefined : { matched: got.matched, tier: got.tier }).toEqual(
              reference(routes, address),
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("splits a block into parts that cover it exactly, each served as each of its addresses is", () => {
    fc.assert(
      fc.property(
        fc.array(routeArb, { maxLength: 10 }),
        blockArb,
        fc.array(fc.bigInt({ min: 0n, max: 0xffffn }), { maxLength: 8 }),
        (routes, block, offsets) => {
          const { a, rt } = build(routes);
          const parts = serveBlock(a.state(), rt, block);
          const blocks = parts.map((p) => parseCidr(p.range) as Cidr);
          expect(blocks.reduce((sum, b) => sum + cidrSize(b), 0n)).toBe(cidrSize(block));
          expect(blocks.every((b) => cidrWithin(b, block))).toBe(true);
          for (const offset of offsets) {
            const address: IpAddress = { version: 4, value: block.network + (offset % cidrSize(block)) };
            const part = parts.find((p) => cidrContains(parseCidr(p.range) as Cidr, address));
            expect(part?.selected?.matched).toBe(selectRoute(a.state(), rt, address)?.matched);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
