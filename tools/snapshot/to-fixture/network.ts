import type {
  LocalGatewayRoute,
  NetworkInterface,
  Route,
  RouteTable,
  Subnet,
  Vpc,
} from "@aws-sdk/client-ec2";
import { ROUTE_ORIGINS } from "../../../sim/account/fixture";
import type { LocalGatewayTable } from "../read/ec2";
import { compact, iso, type KeepTag, keptTagMap, type Out } from "./common";

export const toVpc = (v: Vpc, keep: KeepTag): Out<"vpcs"> => {
  const blocks = (v.CidrBlockAssociationSet ?? [])
    .filter((a) => a.CidrBlockState?.State === "associated" && a.CidrBlock !== v.CidrBlock)
    .map((a) => a.CidrBlock ?? "");
  const ipv6 = (v.Ipv6CidrBlockAssociationSet ?? [])
    .filter((a) => a.Ipv6CidrBlockState?.State === "associated")
    .map((a) => a.Ipv6CidrBlock ?? "");
  return {
    id: v.VpcId ?? "",
    cidrBlock: v.CidrBlock ?? "",
    secondaryCidrBlocks: blocks,
    ipv6CidrBlocks: ipv6,
    isDefault: v.IsDefault ?? false,
    tags: keptTagMap(v.Tags, keep),
  };
};

export const toSubnet = (s: Subnet, keep: KeepTag): Out<"subnets"> =>
  compact({
    id: s.SubnetId ?? "",
    vpcId: s.VpcId ?? "",
    availabilityZone: s.AvailabilityZone ?? "",
    cidrBlock: s.CidrBlock ?? "",
    ipv6CidrBlock: s.Ipv6CidrBlockAssociationSet?.find((a) => a.Ipv6CidrBlockState?.State === "associated")
      ?.Ipv6CidrBlock,
    outpostArn: s.OutpostArn,
    tags: keptTagMap(s.Tags, keep),
  });

/** Every ENI as listed (primary ones included: EC2 shows them like any other). */
export const toNetworkInterface = (n: NetworkInterface, keep: KeepTag): Out<"networkInterfaces"> => {
  const a = n.Attachment;
  const attached = a?.InstanceId !== undefined && a.Status !== "detached";
  return compact({
    id: n.NetworkInterfaceId ?? "",
    subnetId: n.SubnetId ?? "",
    vpcId: n.VpcId,
    description: n.Description ?? "",
    status: n.Status === "in-use" || n.Status === "available" ? n.Status : undefined,
    interfaceType: n.InterfaceType ?? "interface",
    privateIpAddress: n.PrivateIpAddress ?? "",
    secondaryPrivateIpAddresses: (n.PrivateIpAddresses ?? [])
      .filter((p) => p.Primary !== true)
      .map((p) => p.PrivateIpAddress ?? ""),
    sourceDestCheck: n.SourceDestCheck ?? true,
    requesterManaged: n.RequesterManaged ?? false,
    macAddress: n.MacAddress,
    attachment: attached
      ? compact({
          instanceId: a.InstanceId ?? "",
          deviceIndex: a.DeviceIndex ?? 0,
          networkCardIndex: a.NetworkCardIndex ?? 0,
          status: a.Status,
          deleteOnTermination: a.DeleteOnTermination,
          attachTime: iso(a.AttachTime),
          attachmentId: a.AttachmentId,
        })
      : undefined,
    tags: keptTagMap(n.TagSet, keep),
  });
};

/** The route's target id: what the fixture's `target` names (an ENI route shows its instance too). */
const routeTarget = (r: Route): string =>
  r.NetworkInterfaceId ??
  r.InstanceId ??
  r.GatewayId ??
  r.NatGatewayId ??
  r.TransitGatewayId ??
  r.VpcPeeringConnectionId ??
  r.LocalGatewayId ??
  r.EgressOnlyInternetGatewayId ??
  "";

/** Gateway routes keep a blackhole state (a detached gateway); instance/ENI states are computed from them. */
const gatewayState = (r: Route, target: string): "active" | "blackhole" | undefined =>
  target.startsWith("i-") || target.startsWith("eni-") || target === "local" || r.State !== "blackhole"
    ? undefined
    : "blackhole";

/**
 * A route table with its static routes. Propagated routes are left out when their gateway is written as a
 * virtual private gateway (its prefixes are `propagatedCidrs`: the simulator propagates them again).
 */
export const toRouteTable = (
  t: RouteTable,
  keep: KeepTag,
  modelledVgws: ReadonlySet<string>,
): Out<"routeTables"> => {
  const routes = (t.Routes ?? [])
    .filter((r) => !(r.Origin === "EnableVgwRoutePropagation" && modelledVgws.has(r.GatewayId ?? "")))
    .map((r) => {
      const target = routeTarget(r);
      return compact({
        destinationCidrBlock: r.DestinationCidrBlock,
        destinationIpv6CidrBlock: r.DestinationIpv6CidrBlock,
        destinationPrefixListId: r.DestinationPrefixListId,
        target,
        origin: ROUTE_ORIGINS.find((o) => o === r.Origin),
        state: gatewayState(r, target),
      });
    });
  return {
    id: t.RouteTableId ?? "",
    vpcId: t.VpcId ?? "",
    main: (t.Associations ?? []).some((a) => a.Main === true),
    associations: (t.Associations ?? [])
      .filter((a) => a.Main !== true && a.AssociationState?.State !== "disassociated")
      .map((a) => compact({ id: a.RouteTableAssociationId, subnetId: a.SubnetId, gatewayId: a.GatewayId })),
    routes,
    propagatingVgws: (t.PropagatingVgws ?? []).map((p) => p.GatewayId ?? ""),
    tags: keptTagMap(t.Tags, keep),
  };
};

const toLocalGatewayRoute = (r: LocalGatewayRoute) =>
  compact({
    destinationCidrBlock: r.DestinationCidrBlock ?? "",
    networkInterfaceId: r.NetworkInterfaceId,
    localGatewayVirtualInterfaceGroupId: r.LocalGatewayVirtualInterfaceGroupId,
    type: r.Type === "propagated" ? ("propagated" as const) : ("static" as const),
    // The state of an ENI route is computed from the ENI's attachment; a VIF-group route keeps its own.
    state: r.NetworkInterfaceId === undefined ? r.State : undefined,
  });

export const toLocalGatewayRouteTable = (
  { table, routes }: LocalGatewayTable,
  keep: KeepTag,
): Out<"localGatewayRouteTables"> => ({
  id: table.LocalGatewayRouteTableId ?? "",
  localGatewayId: table.LocalGatewayId ?? "",
  outpostArn: table.OutpostArn ?? "",
  mode: table.Mode === "coip" ? "coip" : "direct-vpc-routing",
  state: table.State ?? "available",
  routes: routes.map(toLocalGatewayRoute),
  tags: keptTagMap(table.Tags, keep),
});
