/**
 * dx-failover (issue 3): virtual private gateways, Direct Connect virtual interfaces and their BGP
 * peers, VGW route propagation into VPC route tables, and the Direct Connect API
 * (`DescribeVirtualInterfaces`, json 1.1 `OvertureService`, camelCase members).
 *
 * Faithfulness (AWS-BEHAVIOUR.md "Route tables", "Direct Connect"; docs/simulated-account.md):
 * - a route table whose `propagatingVgws` names a modelled gateway lists one route per advertised
 *   prefix, `GatewayId: vgw-…`, `Origin: EnableVgwRoutePropagation`, `State: active`, only while at
 *   least one BGP peer of one of the gateway's virtual interfaces is `up` (a session down withdraws them);
 * - a static route of the same destination is listed beside the propagated one (both shown); the route
 *   operations (sim/account/ec2-addresses.ts) only ever touch static routes.
 */
import type { BGPPeer, VirtualInterface, VirtualInterfaces } from "@aws-sdk/client-direct-connect";
import type { OpContext, ServiceModel } from "./context";
import { awsError } from "./errors";
import type { AccountFixture } from "./fixture";
import type { Params } from "./query";
import {
  type EmitServiceEvent,
  prune,
  type RegionState,
  type RouteModel,
  type RouteTableModel,
  type VirtualInterfaceModel,
} from "./state";

export function loadDxFixture(state: RegionState, f: AccountFixture): void {
  const gatewayOf = new Map<string, string>();
  for (const g of f.virtualPrivateGateways) {
    for (const v of g.virtualInterfaceIds) gatewayOf.set(v, g.id);
    state.virtualPrivateGateways.set(g.id, {
      id: g.id,
      vpcId: g.vpcId,
      amazonSideAsn: g.amazonSideAsn,
      virtualInterfaceIds: [...g.virtualInterfaceIds],
      propagatedCidrs: [...g.propagatedCidrs],
      tags: new Map(Object.entries(g.tags)),
    });
  }
  for (const v of f.virtualInterfaces) {
    state.virtualInterfaces.set(v.id, {
      id: v.id,
      connectionId: v.connectionId,
      name: v.virtualInterfaceName ?? v.id,
      type: v.virtualInterfaceType,
      vlan: v.vlan,
      asn: v.asn,
      state: v.virtualInterfaceState,
      location: v.location,
      virtualGatewayId: gatewayOf.get(v.id),
      bgpPeers: v.bgpPeers.map((p) => ({ ...p })),
      tags: new Map(Object.entries(v.tags)),
    });
  }
}

/** Whether a modelled gateway currently advertises its prefixes: some BGP peer of one of its VIFs is up. */
function vgwAdvertising(state: RegionState, vgwId: string): boolean {
  const vgw = state.virtualPrivateGateways.get(vgwId);
  if (vgw === undefined) return false;
  return vgw.virtualInterfaceIds.some((id) => {
    const vif = state.virtualInterfaces.get(id);
    return vif !== undefined && vif.state === "available" && vif.bgpPeers.some((p) => p.bgpStatus === "up");
  });
}

/**
 * The routes `DescribeRouteTables` lists for a table: its stored routes (local, static, and propagated
 * routes written in the fixture for gateways that are not modelled), then, for each modelled gateway
 * in `propagatingVgws` that advertises, one propagated route per prefix. Stored propagated routes of a
 * modelled gateway follow its BGP state too.
 */
export function listedRoutes(state: RegionState, rt: RouteTableModel): RouteModel[] {
  const out: RouteModel[] = [];
  const seen = new Set<string>();
  for (const r of rt.routes) {
    if (r.origin === "EnableVgwRoutePropagation" && state.virtualPrivateGateways.has(r.target)) {
      if (!rt.propagatingVgws.includes(r.target) || !vgwAdvertising(state, r.target)) continue;
    }
    if (r.origin === "EnableVgwRoutePropagation") seen.add(`${r.target}|${r.destinationCidrBlock}`);
    out.push(r);
  }
  for (const vgwId of rt.propagatingVgws) {
    const vgw = state.virtualPrivateGateways.get(vgwId);
    if (vgw === undefined || vgw.vpcId !== rt.vpcId || !vgwAdvertising(state, vgwId)) continue;
    for (const cidr of vgw.propagatedCidrs) {
      const key = `${vgwId}|${cidr}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ destinationCidrBlock: cidr, target: vgwId, origin: "EnableVgwRoutePropagation" });
    }
  }
  return out;
}

/**
 * Sets the BGP status of every peer of a virtual interface (a session going down withdraws the
 * propagated routes of its gateway at once) and records a service event. Throws
 * `DirectConnectClientException` for an unknown interface.
 */
export function setBgpStatus(
  state: RegionState,
  virtualInterfaceId: string,
  status: "up" | "down",
  at: number,
  emit: EmitServiceEvent,
): void {
  const vif = state.virtualInterfaces.get(virtualInterfaceId);
  if (vif === undefined) throw unknownVif(virtualInterfaceId);
  const previous = vif.bgpPeers.map((p) => p.bgpStatus);
  for (const p of vif.bgpPeers) p.bgpStatus = status;
  emit({
    source: "aws.directconnect",
    detailType: "Direct Connect BGP Status Change (simulated)",
    resources: [`arn:aws:directconnect:${state.region}:${state.accountId}:dxvif/${vif.id}`],
    detail: prune({
      virtualInterfaceId: vif.id,
      connectionId: vif.connectionId,
      virtualGatewayId: vif.virtualGatewayId,
      bgpStatus: status,
      previousBgpStatus: previous,
    }),
    at,
  });
}

function unknownVif(id: string) {
  return awsError("DirectConnectClientException", `Virtual interface ${id} does not exist.`, 400);
}

function toVirtualInterface(c: OpContext, v: VirtualInterfaceModel): VirtualInterface {
  return prune({
    ownerAccount: c.accountId,
    virtualInterfaceId: v.id,
    location: v.location,
    connectionId: v.connectionId,
    virtualInterfaceType: v.type,
    virtualInterfaceName: v.name,
    vlan: v.vlan,
    asn: v.asn,
    asnLong: v.asn,
    amazonSideAsn:
      v.virtualGatewayId === undefined
        ? undefined
        : c.state.virtualPrivateGateways.get(v.virtualGatewayId)?.amazonSideAsn,
    addressFamily: v.bgpPeers[0]?.addressFamily ?? "ipv4",
    virtualInterfaceState: v.state as VirtualInterface["virtualInterfaceState"],
    mtu: 1500,
    jumboFrameCapable: false,
    virtualGatewayId: v.virtualGatewayId,
    routeFilterPrefixes: [],
    bgpPeers: v.bgpPeers.map(
      (p): BGPPeer =>
        prune({
          bgpPeerId: p.bgpPeerId,
          asn: v.asn,
          asnLong: v.asn,
          addressFamily: p.addressFamily,
          amazonAddress: p.amazonAddress,
          customerAddress: p.customerAddress,
          bgpPeerState: "available" as const,
          bgpStatus: p.bgpStatus,
        }),
    ),
    region: c.region,
    tags: [...v.tags.entries()].map(([key, value]) => ({ key, value })),
    siteLinkEnabled: false,
  });
}

function describeVirtualInterfaces(c: OpContext, p: Params): VirtualInterfaces {
  const vifId = p.str("virtualInterfaceId");
  const connectionId = p.str("connectionId");
  let list = [...c.state.virtualInterfaces.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (vifId !== undefined && vifId !== "") {
    const vif = c.state.virtualInterfaces.get(vifId);
    if (vif === undefined) throw unknownVif(vifId);
    list = [vif];
  }
  if (connectionId !== undefined && connectionId !== "")
    list = list.filter((v) => v.connectionId === connectionId);
  return { virtualInterfaces: list.map((v) => toVirtualInterface(c, v)) };
}

export const directConnectModel: ServiceModel = {
  DescribeVirtualInterfaces: describeVirtualInterfaces,
};
