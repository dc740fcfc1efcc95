/**
 * Route destinations as EC2 has them (pure helpers, no state): a route matches an IPv4 CIDR block
 * (`DestinationCidrBlock`), an IPv6 CIDR block (`DestinationIpv6CidrBlock`) or a managed prefix list
 * (`DestinationPrefixListId`), exactly one of them (CreateRoute API reference). The route models keep the
 * destination as text (`RouteModel.destinationCidrBlock`): an IPv4 block, an IPv6 block in its canonical
 * RFC 5952 form, or a `pl-…` id; its form says which member carries it on the wire.
 *
 * Also the rule for routes more specific than the VPC's own blocks (VPC User Guide, "Route tables" →
 * "Routes": "You can add a route to your route tables that is more specific than the local route. The
 * destination must match the entire IPv4 or IPv6 CIDR block of a subnet in your VPC. The target must be
 * a NAT gateway, network interface, or Gateway Load Balancer endpoint."), with the error texts AWS
 * answers (docs/simulated-account.md, "Routes").
 */
import { type Cidr, cidrWithin, formatCidr, parseCidr } from "../../shared/net/cidr";

export type RouteDestinationKind = "ipv4" | "ipv6" | "prefix-list";

/** The wire member of each kind (`Route`, `CreateRouteRequest`…). */
export const DESTINATION_MEMBERS = {
  ipv4: "DestinationCidrBlock",
  ipv6: "DestinationIpv6CidrBlock",
  "prefix-list": "DestinationPrefixListId",
} as const satisfies Record<RouteDestinationKind, string>;

/** The `DescribeRouteTables` filter and `DeleteRoute` message word of each kind. */
export const DESTINATION_FILTERS = {
  ipv4: "destination-cidr-block",
  ipv6: "destination-ipv6-cidr-block",
  "prefix-list": "destination-prefix-list-id",
} as const satisfies Record<RouteDestinationKind, string>;

/** Which kind a stored destination text is. */
export function destinationKind(text: string): RouteDestinationKind {
  if (text.startsWith("pl-")) return "prefix-list";
  return text.includes(":") ? "ipv6" : "ipv4";
}

/** The block of a CIDR destination (undefined for a prefix list or an unparsable text). */
export function destinationCidr(text: string): Cidr | undefined {
  return destinationKind(text) === "prefix-list" ? undefined : parseCidr(text);
}

/** The canonical text of an IPv6 block (`2001:DB8:0::/56` → `2001:db8::/56`); other texts unchanged. */
export function canonicalDestination(text: string): string {
  if (destinationKind(text) !== "ipv6") return text;
  const cidr = parseCidr(text, { version: 6 });
  return cidr === undefined ? text : formatCidr(cidr);
}

/** `{ DestinationCidrBlock }`, `{ DestinationIpv6CidrBlock }` or `{ DestinationPrefixListId }`. */
export function destinationMember(text: string): {
  DestinationCidrBlock?: string;
  DestinationIpv6CidrBlock?: string;
  DestinationPrefixListId?: string;
} {
  return { [DESTINATION_MEMBERS[destinationKind(text)]]: text };
}

/** How a route target counts for the more-specific rule: by the id prefix of the target. */
export type TargetKind = "network-interface" | "instance" | "nat-gateway" | "other";

export function targetKindOf(target: string): TargetKind {
  if (target.startsWith("eni-")) return "network-interface";
  if (target.startsWith("i-")) return "instance";
  if (target.startsWith("nat-")) return "nat-gateway";
  return "other";
}

/**
 * Why EC2 refuses a static route whose destination lies inside one of the VPC's CIDR blocks, or
 * undefined when it accepts it. `vpcBlocks` are every block of the VPC (primary, secondary, IPv6);
 * `subnetBlocks` every subnet block of the VPC. A destination equal to a VPC block is the local route's
 * (RouteAlreadyExists, decided by the caller), so it is not refused here.
 */
export function moreSpecificRouteRefusal(
  destination: Cidr,
  vpcBlocks: readonly Cidr[],
  subnetBlocks: readonly Cidr[],
  target: TargetKind,
): string | undefined {
  const inside = vpcBlocks.find((b) => b.version === destination.version && cidrWithin(destination, b));
  if (inside === undefined || inside.prefix === destination.prefix) return undefined;
  if (target === "other") {
    return `The destination CIDR block ${formatCidr(destination)} is equal to or more specific than one of this VPC's CIDR blocks. This route can target only an interface or an instance.`;
  }
  const isSubnet = subnetBlocks.some(
    (s) =>
      s.version === destination.version &&
      s.network === destination.network &&
      s.prefix === destination.prefix,
  );
  return isSubnet ? undefined : "Route destination doesn't match any subnet CIDR blocks.";
}
