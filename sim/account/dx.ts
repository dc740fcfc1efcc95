/**
 * dx-failover (issues 3 and 10): virtual private gateways, Direct Connect virtual interfaces and their BGP
 * peers, VGW route propagation into VPC route tables, and the Direct Connect API
 * (`DescribeVirtualInterfaces`, json 1.1 `OvertureService`, camelCase members; the failover test calls
 * are in dx-failover-test.ts).
 *
 * Faithfulness (AWS-BEHAVIOUR.md "Route tables", "Direct Connect"; docs/simulated-account.md):
 * - each BGP session advertises prefixes of its own address family (its `advertisedPrefixes`, else the
 *   gateway's `propagatedCidrs` of that family); a route table whose `propagatingVgws` names a modelled
 *   gateway lists one route per prefix some session that is up advertises (`GatewayId: vgw-…`,
 *   `Origin: EnableVgwRoutePropagation`, `State: active`, `DestinationCidrBlock` or
 *   `DestinationIpv6CidrBlock`): a session going down withdraws what only it advertised, so an IPv6
 *   session up keeps nothing of IPv4 alive;
 * - a session advertising more than 100 prefixes goes idle, DOWN (Direct Connect quotas); a table lists
 *   at most 100 propagated routes (VPC quotas; beyond that: the first 100 in advertisement order);
 * - a static route of the same destination is listed beside the propagated one (both shown); the route
 *   operations (sim/account/ec2-routes.ts) only ever touch static routes.
 */
import type { BGPPeer, VirtualInterface, VirtualInterfaces } from "@aws-sdk/client-direct-connect";
import { parseCidr } from "../../shared/net/cidr";
import type { OpContext, ServiceModel } from "./context";
import { awsError, type ParamErrors } from "./errors";
import type { AccountFixture } from "./fixture";
import { compareStrings, type Params, paginate } from "./query";
import { canonicalDestination } from "./route-destination";
import {
  type AddressFamily,
  type BgpPeerModel,
  type BgpStatus,
  type EmitServiceEvent,
  prune,
  type RegionState,
  type RouteModel,
  type RouteTableModel,
  type VirtualInterfaceModel,
  type VirtualPrivateGatewayModel,
} from "./state";

/** Routes per BGP session on a private or transit VIF, per family (Direct Connect quotas). */
const MAX_PREFIXES_PER_SESSION = 100;
/** BGP advertised (propagated) routes per route table (VPC quotas, not adjustable). */
const MAX_PROPAGATED_ROUTES = 100;

export function loadDxFixture(state: RegionState, f: AccountFixture): void {
  const gatewayOf = new Map<string, string>();
  for (const g of f.virtualPrivateGateways) {
    for (const v of g.virtualInterfaceIds) gatewayOf.set(v, g.id);
    state.virtualPrivateGateways.set(g.id, {
      id: g.id,
      vpcId: g.vpcId,
      amazonSideAsn: g.amazonSideAsn,
      virtualInterfaceIds: [...g.virtualInterfaceIds],
      propagatedCidrs: g.propagatedCidrs.map(canonicalDestination),
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
      bgpPeers: v.bgpPeers.map((p) =>
        prune({ ...p, advertisedPrefixes: p.advertisedPrefixes?.map(canonicalDestination) }),
      ),
      dataPlane: { ipv4: v.dataPlane.ipv4 === "up", ipv6: v.dataPlane.ipv6 === "up" },
      tags: new Map(Object.entries(v.tags)),
    });
  }
}

const familyOf = (prefix: string): AddressFamily => (parseCidr(prefix)?.version === 6 ? "ipv6" : "ipv4");

/** What a session advertises: its own prefixes, else the gateway's prefixes of its family. */
function advertised(vgw: VirtualPrivateGatewayModel | undefined, peer: BgpPeerModel): string[] {
  return (
    peer.advertisedPrefixes ?? (vgw?.propagatedCidrs ?? []).filter((c) => familyOf(c) === peer.addressFamily)
  );
}

/**
 * The BGP status DescribeVirtualInterfaces shows and propagation follows: DOWN while a failover test
 * holds the session, or when it receives more than 100 prefixes (idle); otherwise the session's own.
 */
export function peerStatus(state: RegionState, vif: VirtualInterfaceModel, peer: BgpPeerModel): BgpStatus {
  if (peer.underTest !== undefined) return "down";
  const vgw =
    vif.virtualGatewayId === undefined ? undefined : state.virtualPrivateGateways.get(vif.virtualGatewayId);
  if (advertised(vgw, peer).length > MAX_PREFIXES_PER_SESSION) return "down";
  return peer.bgpStatus;
}

/**
 * The state `DescribeVirtualInterfaces` shows: `down` for an `available` interface none of whose BGP
 * sessions is up (API `VirtualInterface.virtualInterfaceState`: "available: … able to forward traffic. down:
 * A virtual interface that is BGP down."); otherwise its own (`testing` while a failover test runs).
 */
export function shownVifState(state: RegionState, vif: VirtualInterfaceModel): string {
  const bgpDown = vif.bgpPeers.length > 0 && !vif.bgpPeers.some((p) => peerStatus(state, vif, p) === "up");
  return vif.state === "available" && bgpDown ? "down" : vif.state;
}

/**
 * A session carries routes: its peer is `available` (a peer being created or deleted has no session), its
 * interface is available (or testing other sessions) and it is up.
 */
function sessionUp(state: RegionState, vif: VirtualInterfaceModel, peer: BgpPeerModel): boolean {
  return (
    (peer.bgpPeerState ?? "available") === "available" &&
    (vif.state === "available" || vif.state === "testing") &&
    peerStatus(state, vif, peer) === "up"
  );
}

/** The prefixes a modelled gateway currently propagates, in advertisement order, without duplicates. */
function vgwPrefixes(state: RegionState, vgwId: string): string[] {
  const vgw = state.virtualPrivateGateways.get(vgwId);
  if (vgw === undefined) return [];
  const out = new Set<string>();
  for (const id of vgw.virtualInterfaceIds) {
    const vif = state.virtualInterfaces.get(id);
    if (vif === undefined) continue;
    for (const peer of vif.bgpPeers)
      if (sessionUp(state, vif, peer)) for (const prefix of advertised(vgw, peer)) out.add(prefix);
  }
  return [...out];
}

/** Whether some session of the gateway's interfaces of this family is up. */
function familyUp(state: RegionState, vgwId: string, family: AddressFamily): boolean {
  const vgw = state.virtualPrivateGateways.get(vgwId);
  return (vgw?.virtualInterfaceIds ?? []).some((id) => {
    const vif = state.virtualInterfaces.get(id);
    return vif?.bgpPeers.some((p) => p.addressFamily === family && sessionUp(state, vif, p)) === true;
  });
}

/**
 * The routes `DescribeRouteTables` lists for a table: its stored routes (local, static, and propagated
 * routes written in the fixture: for a modelled gateway only while a session of their family is up),
 * then, for each modelled gateway in `propagatingVgws`, one propagated route per prefix it propagates;
 * at most 100 propagated routes in all.
 */
export function listedRoutes(state: RegionState, rt: RouteTableModel): RouteModel[] {
  const out: RouteModel[] = [];
  const seen = new Set<string>();
  let propagated = 0;
  const keep = (r: RouteModel): void => {
    if (r.origin === "EnableVgwRoutePropagation") {
      if (propagated >= MAX_PROPAGATED_ROUTES) return;
      propagated += 1;
      seen.add(`${r.target}|${r.destinationCidrBlock}`);
    }
    out.push(r);
  };
  for (const r of rt.routes) {
    if (r.origin === "EnableVgwRoutePropagation" && state.virtualPrivateGateways.has(r.target)) {
      const up = familyUp(state, r.target, familyOf(r.destinationCidrBlock));
      if (!rt.propagatingVgws.includes(r.target) || !up) continue;
    }
    keep(r);
  }
  for (const vgwId of rt.propagatingVgws) {
    if (state.virtualPrivateGateways.get(vgwId)?.vpcId !== rt.vpcId) continue;
    for (const prefix of vgwPrefixes(state, vgwId)) {
      if (!seen.has(`${vgwId}|${prefix}`))
        keep({ destinationCidrBlock: prefix, target: vgwId, origin: "EnableVgwRoutePropagation" });
    }
  }
  return out;
}

/** Which sessions of an interface a control call means: one peer, one family, or all. */
export interface PeerSelector {
  bgpPeerId?: string;
  addressFamily?: AddressFamily;
}

export function virtualInterfaceOf(state: RegionState, id: string): VirtualInterfaceModel {
  const vif = state.virtualInterfaces.get(id);
  if (vif === undefined) throw unknownVif(id);
  return vif;
}

function selectedPeers(vif: VirtualInterfaceModel, selector: PeerSelector): BgpPeerModel[] {
  if (selector.bgpPeerId !== undefined && !vif.bgpPeers.some((p) => p.bgpPeerId === selector.bgpPeerId)) {
    throw awsError(
      "DirectConnectClientException",
      `BGP peer ${selector.bgpPeerId} does not exist on virtual interface ${vif.id}.`,
    );
  }
  return vif.bgpPeers.filter(
    (p) =>
      (selector.bgpPeerId === undefined || p.bgpPeerId === selector.bgpPeerId) &&
      (selector.addressFamily === undefined || p.addressFamily === selector.addressFamily),
  );
}

/** Records the "BGP status change" service event of an interface (the shown status of each session). */
export function emitBgpChange(
  state: RegionState,
  vif: VirtualInterfaceModel,
  previous: BgpStatus[],
  at: number,
  emit: EmitServiceEvent,
  reason?: string,
): void {
  const now = vif.bgpPeers.map((p) => peerStatus(state, vif, p));
  emit({
    source: "aws.directconnect",
    detailType: "Direct Connect BGP Status Change (simulated)",
    resources: [`arn:aws:directconnect:${state.region}:${state.accountId}:dxvif/${vif.id}`],
    detail: prune({
      virtualInterfaceId: vif.id,
      connectionId: vif.connectionId,
      virtualGatewayId: vif.virtualGatewayId,
      bgpStatus: now.includes("up") ? "up" : "down",
      previousBgpStatus: previous,
      bgpPeers: vif.bgpPeers.map((p, i) => ({
        bgpPeerId: p.bgpPeerId,
        addressFamily: p.addressFamily,
        bgpStatus: now[i],
      })),
      reason,
    }),
    at,
  });
}

/**
 * Sets the BGP status of the selected sessions of an interface (default: all; a session going down
 * withdraws what only it advertised) and records a service event. Throws `DirectConnectClientException`
 * for an unknown interface or peer.
 */
export function setBgpStatus(
  state: RegionState,
  virtualInterfaceId: string,
  status: "up" | "down",
  at: number,
  emit: EmitServiceEvent,
  selector: PeerSelector = {},
): void {
  const vif = virtualInterfaceOf(state, virtualInterfaceId);
  const peers = selectedPeers(vif, selector);
  const previous = vif.bgpPeers.map((p) => peerStatus(state, vif, p));
  for (const p of peers) p.bgpStatus = status;
  emitBgpChange(state, vif, previous, at, emit);
}

/** Replaces what the selected sessions advertise (an aggregate appears, more specifics appear…). */
export function setAdvertisedPrefixes(
  state: RegionState,
  virtualInterfaceId: string,
  prefixes: readonly string[],
  selector: PeerSelector = {},
): void {
  const vif = virtualInterfaceOf(state, virtualInterfaceId);
  for (const p of selectedPeers(vif, selector)) {
    p.advertisedPrefixes = prefixes.filter((c) => familyOf(c) === p.addressFamily).map(canonicalDestination);
  }
}

/**
 * Loss (`false`) or recovery of an interface's data plane, for one address family or both; BGP is
 * untouched (a grey failure: the sessions stay up, the routes stay propagated, packets are dropped).
 */
export function setDataPlane(vif: VirtualInterfaceModel, up: boolean, family?: AddressFamily): void {
  for (const f of family === undefined ? (["ipv4", "ipv6"] as const) : [family]) vif.dataPlane[f] = up;
}

/** One word for both families' data planes (snapshots and views). */
export const planeSummary = (plane: Record<AddressFamily, boolean>): "up" | "down" | "partial" =>
  plane.ipv4 && plane.ipv6 ? "up" : !plane.ipv4 && !plane.ipv6 ? "down" : "partial";

/** Whether an interface forwards packets of a family now: an up session of that family, its data plane up. */
export function vifCarries(state: RegionState, vif: VirtualInterfaceModel, family: AddressFamily): boolean {
  return (
    vif.dataPlane[family] && vif.bgpPeers.some((p) => p.addressFamily === family && sessionUp(state, vif, p))
  );
}

/**
 * Whether traffic of a family crosses Direct Connect to the gateway's VPC: some interface of the gateway
 * carries an up session of that family and forwards packets of that family (its data plane for the family
 * is up). For probes and the bench, which see the path, not the API.
 */
export function directConnectPathUp(state: RegionState, vgwId: string, family: AddressFamily): boolean {
  const vgw = state.virtualPrivateGateways.get(vgwId);
  return (vgw?.virtualInterfaceIds ?? []).some((id) => {
    const vif = state.virtualInterfaces.get(id);
    return vif !== undefined && vifCarries(state, vif, family);
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
    virtualInterfaceState: shownVifState(c.state, v) as VirtualInterface["virtualInterfaceState"],
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
          bgpPeerState: p.bgpPeerState ?? "available",
          bgpStatus: peerStatus(c.state, v, p),
        }),
    ),
    region: c.region,
    tags: [...v.tags.entries()].map(([key, value]) => ({ key, value })),
    siteLinkEnabled: false,
  });
}

/** Direct Connect answers every parameter problem with DirectConnectClientException. */
export const dxParamErrors: ParamErrors = {
  missing: (name) => awsError("DirectConnectClientException", `${name} is required.`),
  invalid: (name, value, expectation) =>
    awsError("DirectConnectClientException", `Invalid value ${String(value)} for ${name}. ${expectation}`),
  badToken: () => awsError("DirectConnectClientException", "The nextToken is not valid."),
};

/** `maxResults`: larger than 100 gives 100 (API reference); below 1 is refused. */
export function dxPageSize(p: Params): number | undefined {
  const max = p.int("maxResults");
  if (max !== undefined && max < 1) throw dxParamErrors.invalid("maxResults", max, "Minimum value of 1.");
  return max === undefined ? undefined : Math.min(max, 100);
}

function describeVirtualInterfaces(c: OpContext, p: Params): VirtualInterfaces {
  const vifId = p.str("virtualInterfaceId");
  const connectionId = p.str("connectionId");
  let list = [...c.state.virtualInterfaces.values()].sort((a, b) => compareStrings(a.id, b.id));
  if (vifId !== undefined && vifId !== "") list = [virtualInterfaceOf(c.state, vifId)];
  if (connectionId !== undefined && connectionId !== "")
    list = list.filter((v) => v.connectionId === connectionId);
  const { page, nextToken } = paginate(list, {
    maxResults: dxPageSize(p),
    nextToken: p.str("nextToken"),
    key: "DescribeVirtualInterfaces",
    errors: dxParamErrors,
  });
  return prune({ virtualInterfaces: page.map((v) => toVirtualInterface(c, v)), nextToken });
}

export const directConnectModel: ServiceModel = {
  DescribeVirtualInterfaces: describeVirtualInterfaces,
};
