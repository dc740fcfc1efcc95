/**
 * Direct Connect per address family (issue 14): a virtual interface carries one IPv4 and one IPv6 BGP
 * session, dual-stack (Direct Connect UG "Add a BGP peer": "Multi-protocol BGP is not supported. IPv4 and
 * IPv6 operate in dual-stack mode"), so BGP, the propagated routes and the data plane are per family.
 */
import type { VirtualInterfaces } from "@aws-sdk/client-direct-connect";
import type { DescribeRouteTablesResult, Route } from "@aws-sdk/client-ec2";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AccountFixtureInput, SimulatedAccount } from "../../../sim";
import { DX, dxAccount, dxFixtureJson } from "./dx-fixture";
import { call, ec2 } from "./helpers";

const V6 = "2001:db8:100::/48";
const FAMILIES = ["ipv4", "ipv6"] as const;
type Family = (typeof FAMILIES)[number];

type PeerInput = NonNullable<AccountFixtureInput["virtualInterfaces"]>[number]["bgpPeers"];

/** Both interfaces dual-stack; the gateway propagates one IPv4 and one IPv6 prefix. */
function dualStack(peers: (vif: 1 | 2) => PeerInput = (n) => defaultPeers(n)): SimulatedAccount {
  const [vif1, vif2] = dxFixtureJson().virtualInterfaces ?? [];
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
      { ...(vif1 as NonNullable<typeof vif1>), bgpPeers: peers(1) },
      { ...(vif2 as NonNullable<typeof vif2>), bgpPeers: peers(2) },
    ],
  });
}

const defaultPeers = (n: 1 | 2): PeerInput => [
  { bgpPeerId: `dxpeer-fg00000${n}4`, addressFamily: "ipv4" },
  { bgpPeerId: `dxpeer-fg00000${n}6`, addressFamily: "ipv6" },
];

async function propagated(a: SimulatedAccount): Promise<string[]> {
  const r = await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", { RouteTableIds: [DX.prodA] });
  return (r.RouteTables?.[0]?.Routes ?? [])
    .filter((x: Route) => x.Origin === "EnableVgwRoutePropagation")
    .map((x: Route) => x.DestinationCidrBlock ?? x.DestinationIpv6CidrBlock ?? "")
    .sort();
}

const path = (a: SimulatedAccount, f: Family) => a.network.directConnectPathUp(DX.vgw, f);

describe("Direct Connect data plane and BGP per address family", () => {
  it("IPv6 packets lost on every interface, both BGP sessions up: the IPv6 path is down, IPv4 works, the routes stay", async () => {
    const a = dualStack();
    for (const vif of [DX.vif1, DX.vif2]) {
      const r = await a.control("POST", `/__sim/virtual-interfaces/${vif}/data-plane`, {
        status: "down",
        addressFamily: "ipv6",
      });
      expect(r.body).toMatchObject({
        dataPlane: "partial",
        dataPlanes: { ipv4: "up", ipv6: "down" },
        bgpPeers: [{ bgpStatus: "up" }, { bgpStatus: "up" }],
      });
    }
    expect(path(a, "ipv4")).toBe(true);
    expect(path(a, "ipv6")).toBe(false);
    const v6 = await a.control(
      "GET",
      `/__sim/direct-connect-path?virtualGatewayId=${DX.vgw}&addressFamily=ipv6`,
    );
    expect(v6.body).toEqual({ up: false });
    expect(await propagated(a)).toEqual([DX.onPrem, V6]); // a grey failure: nothing in the API changes
    expect(a.snapshot().virtualInterfaces[DX.vif1]).toMatchObject({
      DataPlane: "partial",
      DataPlanes: { ipv4: "up", ipv6: "down" },
    });
    a.network.setDataPlane(DX.vif2, true, "ipv6");
    expect(path(a, "ipv6")).toBe(true);
  });

  it("the reverse: IPv6 BGP down on every interface, packets would flow: IPv6 routes withdrawn, IPv4 kept", async () => {
    const a = dualStack();
    for (const vif of [DX.vif1, DX.vif2]) a.network.setBgpStatus(vif, "down", { addressFamily: "ipv6" });
    expect(await propagated(a)).toEqual([DX.onPrem]);
    expect(path(a, "ipv6")).toBe(false);
    expect(path(a, "ipv4")).toBe(true);
    expect(a.network.virtualInterface(DX.vif1).dataPlanes).toEqual({ ipv4: "up", ipv6: "up" });
  });

  it("a data-plane loss without a family takes both families; a bad family is refused", async () => {
    const a = dualStack();
    a.network.setDataPlane(DX.vif1, false);
    a.network.setDataPlane(DX.vif2, false);
    expect([path(a, "ipv4"), path(a, "ipv6")]).toEqual([false, false]);
    expect(a.network.virtualInterface(DX.vif1).dataPlane).toBe("down");
    const bad = await a.control("POST", `/__sim/virtual-interfaces/${DX.vif1}/data-plane`, {
      status: "up",
      addressFamily: "ipx",
    });
    expect(bad.status).toBe(400);
  });

  it("a fixture may start with one family's data plane down", () => {
    const a = dxAccount({
      virtualInterfaces: (dxFixtureJson().virtualInterfaces ?? []).map((v) => ({
        ...v,
        dataPlane: { ipv4: "down" as const },
      })),
    });
    expect(a.network.virtualInterface(DX.vif1).dataPlanes).toEqual({ ipv4: "down", ipv6: "up" });
    expect(path(a, "ipv4")).toBe(false);
  });

  it("a peer that is not available (being deleted) carries no session: its routes are withdrawn; DescribeVirtualInterfaces shows its bgpPeerState", async () => {
    const a = dualStack((n) => [
      { bgpPeerId: `dxpeer-fg00000${n}4`, addressFamily: "ipv4" },
      { bgpPeerId: `dxpeer-fg00000${n}6`, addressFamily: "ipv6", bgpPeerState: "deleting" },
    ]);
    expect(await propagated(a)).toEqual([DX.onPrem]);
    expect(path(a, "ipv6")).toBe(false);
    const out = await call<VirtualInterfaces>(a, "directconnect", "DescribeVirtualInterfaces", {
      virtualInterfaceId: DX.vif1,
    });
    expect(out.virtualInterfaces?.[0]?.bgpPeers?.map((p) => [p.addressFamily, p.bgpPeerState])).toEqual([
      ["ipv4", "available"],
      ["ipv6", "deleting"],
    ]);
  });

  it("property: a family's path is up iff some interface has an up session and a working data plane of that family; its routes are listed iff some session of it is up", async () => {
    const cell = fc.record({ bgp: fc.boolean(), plane: fc.boolean() });
    const vifState = fc.record({ ipv4: cell, ipv6: cell });
    await fc.assert(
      fc.asyncProperty(fc.tuple(vifState, vifState), async (states) => {
        const a = dualStack();
        const vifs = [DX.vif1, DX.vif2];
        states.forEach((s, i) => {
          for (const f of FAMILIES) {
            a.network.setBgpStatus(vifs[i] ?? "", s[f].bgp ? "up" : "down", { addressFamily: f });
            a.network.setDataPlane(vifs[i] ?? "", s[f].plane, f);
          }
        });
        const listed = await propagated(a);
        for (const f of FAMILIES) {
          expect(path(a, f)).toBe(states.some((s) => s[f].bgp && s[f].plane));
          expect(listed.includes(f === "ipv4" ? DX.onPrem : V6)).toBe(states.some((s) => s[f].bgp));
        }
      }),
      { numRuns: 40 },
    );
  });
});
