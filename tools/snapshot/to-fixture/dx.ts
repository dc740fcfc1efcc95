import type { VirtualInterface } from "@aws-sdk/client-direct-connect";
import type { RouteTable } from "@aws-sdk/client-ec2";
import { BGP_STATUSES, VIRTUAL_INTERFACE_STATES } from "../../../sim/account/fixture-dx";
import { compact, type KeepTag, keptTagMap, type Out } from "./common";

const VIF_TYPES = ["private", "public", "transit"] as const;

export const toVirtualInterface = (v: VirtualInterface, keep: KeepTag): Out<"virtualInterfaces"> =>
  compact({
    id: v.virtualInterfaceId ?? "",
    connectionId: v.connectionId ?? "",
    virtualInterfaceName: v.virtualInterfaceName,
    virtualInterfaceType: VIF_TYPES.find((t) => t === v.virtualInterfaceType) ?? "private",
    vlan: v.vlan ?? 1,
    asn: v.asnLong ?? v.asn,
    virtualInterfaceState: VIRTUAL_INTERFACE_STATES.find((s) => s === v.virtualInterfaceState),
    location: v.location,
    bgpPeers: (v.bgpPeers ?? []).map((p) =>
      compact({
        bgpPeerId: p.bgpPeerId ?? "",
        addressFamily: p.addressFamily === "ipv6" ? ("ipv6" as const) : ("ipv4" as const),
        bgpStatus: BGP_STATUSES.find((s) => s === p.bgpStatus),
        amazonAddress: p.amazonAddress,
        customerAddress: p.customerAddress,
      }),
    ),
    tags: keptTagMap(
      v.tags?.map((t) => ({ Key: t.key, Value: t.value })),
      keep,
    ),
  });

/**
 * The virtual private gateways the interfaces terminate on. DescribeVpnGateways is not read (the toolkit
 * does not call it): a gateway's VPC is the VPC of the route tables it propagates into, its prefixes are
 * the propagated routes those tables show (so only while a BGP session advertises them). A gateway no
 * table propagates from is not written (its VPC is not known).
 */
export const toVirtualPrivateGateways = (
  vifs: readonly VirtualInterface[],
  tables: readonly RouteTable[],
): Out<"virtualPrivateGateways">[] => {
  const ids = [
    ...new Set(
      vifs.map((v) => v.virtualGatewayId).filter((id): id is string => id?.startsWith("vgw-") === true),
    ),
  ];
  return ids.sort().flatMap((id) => {
    const propagating = tables.filter((t) => t.PropagatingVgws?.some((p) => p.GatewayId === id));
    const vpcId = propagating[0]?.VpcId;
    if (vpcId === undefined) return [];
    const cidrs = propagating.flatMap((t) =>
      (t.Routes ?? [])
        .filter((r) => r.GatewayId === id && r.Origin === "EnableVgwRoutePropagation")
        .map((r) => r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock ?? ""),
    );
    const mine = vifs.filter((v) => v.virtualGatewayId === id);
    return [
      {
        id,
        vpcId,
        amazonSideAsn: mine[0]?.amazonSideAsn,
        virtualInterfaceIds: mine.map((v) => v.virtualInterfaceId ?? ""),
        propagatedCidrs: [...new Set(cidrs)],
      },
    ];
  });
};
