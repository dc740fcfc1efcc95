import type { VirtualInterfaces } from "@aws-sdk/client-direct-connect";
import type { DescribeRouteTablesResult, Route } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { type AccountFixtureInput, FixtureError, parseFixture, type SimulatedAccount } from "../../../sim";
import { DX, dxAccount, dxFixtureJson } from "./dx-fixture";
import { awsError, call, ec2 } from "./helpers";

const V6 = "2001:db8:100::/48";
const PEER = {
  v4a: "dxpeer-fg0000a4",
  v6a: "dxpeer-fg0000a6",
  v4b: "dxpeer-fg0000b4",
  v6b: "dxpeer-fg0000b6",
};

/** Both interfaces dual-stack; the gateway propagates one IPv4 and one IPv6 prefix. */
function dualStack(extra: Partial<AccountFixtureInput> = {}): SimulatedAccount {
  const base = dxFixtureJson();
  const [vif1, vif2] = base.virtualInterfaces ?? [];
  return dxAccount({
    virtualPrivateGateways: [
      {
        id: DX.vgw,
        vpcId: DX.vpc,
        virtualInterfaceIds: [DX.vif1, DX.vif2],
        propagatedCidrs: [DX.onPrem, V6],
      },
    ],
    virtualInterfaces: [
      {
        ...(vif1 as NonNullable<typeof vif1>),
        bgpPeers: [
          { bgpPeerId: PEER.v4a, addressFamily: "ipv4" },
          { bgpPeerId: PEER.v6a, addressFamily: "ipv6" },
        ],
      },
      {
        ...(vif2 as NonNullable<typeof vif2>),
        bgpPeers: [
          { bgpPeerId: PEER.v4b, addressFamily: "ipv4" },
          { bgpPeerId: PEER.v6b, addressFamily: "ipv6" },
        ],
      },
    ],
    ...extra,
  });
}

/** The propagated destinations of a table, in listing order. */
async function listedPropagated(a: SimulatedAccount, table: string = DX.prodA): Promise<string[]> {
  const r = await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", { RouteTableIds: [table] });
  return (r.RouteTables?.[0]?.Routes ?? [])
    .filter((x: Route) => x.Origin === "EnableVgwRoutePropagation")
    .map((x: Route) => x.DestinationCidrBlock ?? x.DestinationIpv6CidrBlock ?? "");
}

/** The same, sorted. */
async function propagated(a: SimulatedAccount): Promise<string[]> {
  return (await listedPropagated(a)).sort();
}

function issuesOf(json: AccountFixtureInput): string[] {
  try {
    parseFixture(json);
  } catch (error) {
    if (error instanceof FixtureError) return error.issues;
    throw error;
  }
  return [];
}

const dx = <T = VirtualInterfaces>(a: SimulatedAccount, op: string, input: Record<string, unknown> = {}) =>
  call<T>(a, "directconnect", op, input);

describe("BGP per address family (CreateBGPPeer: a peer per family; AWS-BEHAVIOUR.md)", () => {
  it("propagates IPv6 prefixes as DestinationIpv6CidrBlock routes, IPv4 and IPv6 each on their own sessions", async () => {
    const a = dualStack();
    expect(await propagated(a)).toEqual([DX.onPrem, V6]);
    const r = await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", { RouteTableIds: [DX.prodA] });
    expect(r.RouteTables?.[0]?.Routes).toContainEqual({
      DestinationIpv6CidrBlock: V6,
      GatewayId: DX.vgw,
      Origin: "EnableVgwRoutePropagation",
      State: "active",
    });
  });

  it("an IPv6 session up keeps no IPv4 route alive: IPv4 down on both interfaces withdraws the IPv4 prefix only", async () => {
    const a = dualStack();
    a.setBgpStatus(DX.vif1, "down", { addressFamily: "ipv4" });
    expect(await propagated(a)).toEqual([DX.onPrem, V6]); // the second interface still carries IPv4
    a.setBgpStatus(DX.vif2, "down", { bgpPeerId: PEER.v4b });
    expect(await propagated(a)).toEqual([V6]);
    const vifs = await dx(a, "DescribeVirtualInterfaces", { virtualInterfaceId: DX.vif2 });
    expect(vifs.virtualInterfaces?.[0]?.bgpPeers?.map((p) => [p.addressFamily, p.bgpStatus])).toEqual([
      ["ipv4", "down"],
      ["ipv6", "up"],
    ]);
    const events = a.serviceEvents.filter((e) => e.source === "aws.directconnect");
    expect(events.at(-1)?.detail).toMatchObject({
      virtualInterfaceId: DX.vif2,
      bgpStatus: "up",
      bgpPeers: [
        { bgpPeerId: PEER.v4b, addressFamily: "ipv4", bgpStatus: "down" },
        { bgpPeerId: PEER.v6b, addressFamily: "ipv6", bgpStatus: "up" },
      ],
    });
    expect(() => a.setBgpStatus(DX.vif2, "down", { bgpPeerId: "dxpeer-ffffffff" })).toThrow(/does not exist/);
  });

  it("follows what each session advertises: an aggregate on one interface, more specifics on the other", async () => {
    const a = dualStack();
    a.network.setAdvertisedPrefixes(DX.vif1, ["10.0.0.0/8"], { addressFamily: "ipv4" });
    a.network.setAdvertisedPrefixes(DX.vif2, ["10.100.1.0/24", "10.100.2.0/24", "2001:db8::/32"]);
    expect(await propagated(a)).toEqual([
      "10.0.0.0/8",
      "10.100.1.0/24",
      "10.100.2.0/24",
      V6,
      "2001:db8::/32",
    ]);
    a.setBgpStatus(DX.vif2, "down");
    expect(await propagated(a)).toEqual(["10.0.0.0/8", V6]);
    a.setBgpStatus(DX.vif1, "down", { addressFamily: "ipv4" });
    expect(await propagated(a)).toEqual([V6]);
  });

  it("a session receiving more than 100 prefixes goes idle, DOWN (Direct Connect quotas)", async () => {
    const a = dualStack();
    const many = Array.from({ length: 101 }, (_, i) => `172.16.${i}.0/24`);
    a.network.setAdvertisedPrefixes(DX.vif1, many, { addressFamily: "ipv4" });
    const vifs = await dx(a, "DescribeVirtualInterfaces", { virtualInterfaceId: DX.vif1 });
    expect(vifs.virtualInterfaces?.[0]?.bgpPeers?.map((p) => p.bgpStatus)).toEqual(["down", "up"]);
    expect(await propagated(a)).toEqual([DX.onPrem, V6]); // from the second interface only
    a.network.setAdvertisedPrefixes(DX.vif1, many.slice(0, 100), { addressFamily: "ipv4" });
    const back = await dx(a, "DescribeVirtualInterfaces", { virtualInterfaceId: DX.vif1 });
    expect(back.virtualInterfaces?.[0]?.bgpPeers?.map((p) => p.bgpStatus)).toEqual(["up", "up"]);
    expect(await propagated(a)).toContain("172.16.99.0/24");
  });

  it("lists at most 100 propagated routes in a table (VPC quotas)", async () => {
    const a = dualStack();
    a.network.setAdvertisedPrefixes(
      DX.vif1,
      Array.from({ length: 70 }, (_, i) => `172.16.${i}.0/24`),
    );
    a.network.setAdvertisedPrefixes(
      DX.vif2,
      Array.from({ length: 70 }, (_, i) => `172.17.${i}.0/24`),
    );
    const listed = await listedPropagated(a);
    expect(listed).toHaveLength(100);
    expect(listed[0]).toBe("172.16.0.0/24");
    expect(listed[99]).toBe("172.17.29.0/24");
  });

  it("refuses a fixture with two peers of one family on an interface, or a prefix of the other family", () => {
    const base = dxFixtureJson();
    const [vif1] = base.virtualInterfaces ?? [];
    const json = dxFixtureJson({
      virtualInterfaces: [
        {
          ...(vif1 as NonNullable<typeof vif1>),
          bgpPeers: [
            { bgpPeerId: PEER.v4a, addressFamily: "ipv4", advertisedPrefixes: [V6] },
            { bgpPeerId: PEER.v4b, addressFamily: "ipv4" },
          ],
        },
      ],
      virtualPrivateGateways: [],
    });
    expect(issuesOf(json)).toEqual([
      `virtualInterfaces.0.bgpPeers.0.advertisedPrefixes.0: ${V6} is not an ipv4 prefix`,
      "virtualInterfaces.0.bgpPeers.1: a virtual interface has at most one ipv4 BGP peer",
    ]);
  });
});

describe("DescribeVirtualInterfaces pagination (maxResults, nextToken)", () => {
  it("pages with maxResults and nextToken; more than 100 gives 100; a bad token is refused", async () => {
    const a = dualStack();
    const first = await dx(a, "DescribeVirtualInterfaces", { maxResults: 1 });
    expect(first.virtualInterfaces?.map((v) => v.virtualInterfaceId)).toEqual([DX.vif1]);
    const second = await dx(a, "DescribeVirtualInterfaces", { maxResults: 1, nextToken: first.nextToken });
    expect(second.virtualInterfaces?.map((v) => v.virtualInterfaceId)).toEqual([DX.vif2]);
    expect(second.nextToken).toBeUndefined();
    const all = await dx(a, "DescribeVirtualInterfaces", { maxResults: 500 });
    expect(all.virtualInterfaces).toHaveLength(2);
    await awsError(dx(a, "DescribeVirtualInterfaces", { nextToken: "nope" }), "DirectConnectClientException");
    await awsError(dx(a, "DescribeVirtualInterfaces", { maxResults: 0 }), "DirectConnectClientException");
  });
});

describe("Direct Connect incidents for tests and chaos runs (/__sim/virtual-interfaces)", () => {
  it("data-plane loss keeps BGP up and the routes listed, but the path is down", async () => {
    const a = dualStack();
    expect(a.network.directConnectPathUp(DX.vgw)).toBe(true);
    const r1 = await a.control("POST", `/__sim/virtual-interfaces/${DX.vif1}/data-plane`, { status: "down" });
    expect(r1.body).toMatchObject({
      dataPlane: "down",
      bgpPeers: [{ bgpStatus: "up" }, { bgpStatus: "up" }],
    });
    expect(a.network.directConnectPathUp(DX.vgw)).toBe(true); // the second interface forwards
    await a.control("POST", `/__sim/virtual-interfaces/${DX.vif2}/data-plane`, { status: "down" });
    const path = await a.control("GET", `/__sim/direct-connect-path?virtualGatewayId=${DX.vgw}`);
    expect(path).toEqual({ status: 200, body: { up: false } });
    expect(await propagated(a)).toEqual([DX.onPrem, V6]);
    expect(a.snapshot().virtualInterfaces[DX.vif2]).toMatchObject({ DataPlane: "down" });
  });

  it("drives BGP per peer and family and what a session advertises", async () => {
    const a = dualStack();
    const down = await a.control("POST", `/__sim/virtual-interfaces/${DX.vif1}/bgp`, {
      status: "down",
      addressFamily: "ipv6",
    });
    expect(down).toEqual({ status: 200, body: { virtualInterfaceId: DX.vif1, bgpStatus: "down" } });
    const view = await a.control("GET", `/__sim/virtual-interfaces/${DX.vif1}`);
    expect(view.body).toEqual({
      virtualInterfaceId: DX.vif1,
      virtualInterfaceState: "available",
      dataPlane: "up",
      dataPlanes: { ipv4: "up", ipv6: "up" },
      bgpPeers: [
        { bgpPeerId: PEER.v4a, addressFamily: "ipv4", bgpPeerState: "available", bgpStatus: "up" },
        { bgpPeerId: PEER.v6a, addressFamily: "ipv6", bgpPeerState: "available", bgpStatus: "down" },
      ],
    });
    const adv = await a.control("POST", `/__sim/virtual-interfaces/${DX.vif2}/advertised-prefixes`, {
      prefixes: ["10.0.0.0/8"],
      bgpPeerId: PEER.v4b,
    });
    expect(adv.body).toMatchObject({ bgpPeers: [{ advertisedPrefixes: ["10.0.0.0/8"] }, {}] });
    const bad = await a.control("POST", `/__sim/virtual-interfaces/${DX.vif2}/bgp`, {
      status: "up",
      bgpPeerId: 7,
    });
    expect(bad.status).toBe(400);
    expect((await a.control("GET", "/__sim/direct-connect-path")).status).toBe(400);
  });
});
