/**
 * Fixture collections added for dx-failover (issue 3): virtual private gateways with the prefixes
 * their BGP sessions advertise, and the Direct Connect virtual interfaces carrying those sessions.
 * All optional with defaults, so existing fixtures stay valid (see docs/simulated-account.md).
 *
 * Propagation: a route table whose `propagatingVgws` names a gateway of `virtualPrivateGateways`
 * shows one propagated route (`Origin: EnableVgwRoutePropagation`) per `propagatedCidrs` entry while
 * at least one BGP peer of one of the gateway's virtual interfaces is `up` (sim/account/dx.ts).
 */
import * as z from "zod/mini";
import { isCidr, parseCidr } from "../../shared/net/cidr";

function doc<T extends z.ZodMiniType>(schema: T, description: string): T {
  return schema.check(z.core.describe(description));
}

const VgwId = z
  .string()
  .check(z.regex(/^vgw-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, "must look like vgw-0123456789abcdef0"));
const VpcId = z
  .string()
  .check(z.regex(/^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, "must look like vpc-0123456789abcdef0"));
const VifId = z.string().check(z.regex(/^dxvif-[0-9a-z]{8,}$/, "must look like dxvif-fgabc123"));
const ConnectionId = z
  .string()
  .check(z.regex(/^(dxcon|dxlag)-[0-9a-z]{8,}$/, "must look like dxcon-fgabc123 (or dxlag-…)"));
const Cidr = z
  .string()
  .check(
    z.refine(
      (value) => isCidr(value),
      "must be an IPv4 or IPv6 CIDR block with no host bits set, e.g. 10.100.0.0/16",
    ),
  );

export const BGP_STATUSES = ["up", "down", "unknown"] as const;
export const BGP_PEER_STATES = ["verifying", "pending", "available", "deleting", "deleted"] as const;
const PlaneStatus = z._default(z.enum(["up", "down"]), "up");
export const VIRTUAL_INTERFACE_STATES = [
  "confirming",
  "verifying",
  "pending",
  "available",
  "down",
  "testing",
  "deleting",
  "deleted",
  "rejected",
  "unknown",
] as const;

export const VirtualPrivateGatewayFixture = z.strictObject({
  id: VgwId,
  vpcId: doc(VpcId, "The VPC the gateway is attached to."),
  amazonSideAsn: z._default(z.int().check(z.gte(1)), 64512),
  virtualInterfaceIds: doc(
    z._default(z.array(VifId), []),
    "Direct Connect private virtual interfaces terminating on this gateway.",
  ),
  propagatedCidrs: doc(
    z._default(z.array(Cidr), []),
    "The on-premises prefixes BGP advertises (IPv4 and IPv6), over every session of their family unless a peer lists its own `advertisedPrefixes`; propagated into every route table with the gateway in `propagatingVgws` while a session of their family is up.",
  ),
  tags: z._default(z.record(z.string(), z.string()), {}),
});

export const VirtualInterfaceFixture = z.strictObject({
  id: VifId,
  connectionId: ConnectionId,
  virtualInterfaceName: z.optional(z.string()),
  virtualInterfaceType: z._default(z.enum(["private", "public", "transit"]), "private"),
  vlan: z.int().check(z.gte(1), z.lte(4094)),
  asn: doc(z._default(z.int().check(z.gte(1)), 65000), "The customer side BGP ASN."),
  virtualInterfaceState: z._default(z.enum(VIRTUAL_INTERFACE_STATES), "available"),
  location: z._default(z.string(), "EqDC2"),
  bgpPeers: doc(
    z._default(
      z.array(
        z.strictObject({
          bgpPeerId: z.string().check(z.regex(/^dxpeer-[0-9a-z]{8,}$/, "must look like dxpeer-fgabc123")),
          addressFamily: z._default(z.enum(["ipv4", "ipv6"]), "ipv4"),
          bgpStatus: z._default(z.enum(BGP_STATUSES), "up"),
          bgpPeerState: doc(
            z._default(z.enum(BGP_PEER_STATES), "available"),
            "The peer's lifecycle (`BGPPeer.bgpPeerState`): only an `available` peer's session carries routes.",
          ),
          amazonAddress: z.optional(z.string()),
          customerAddress: z.optional(z.string()),
          advertisedPrefixes: doc(
            z.optional(z.array(Cidr)),
            "What on-premises advertises over this session (its family only); default: the gateway's `propagatedCidrs` of that family. More than 100 puts the session DOWN (idle), as Direct Connect does.",
          ),
        }),
      ),
      [],
    ),
    "BGP peers; change their status with `account.setBgpStatus` or `POST /__sim/virtual-interfaces/<id>/bgp`.",
  ),
  dataPlane: doc(
    z._default(z.strictObject({ ipv4: PlaneStatus, ipv6: PlaneStatus }), { ipv4: "up", ipv6: "up" }),
    "Whether packets of each family cross the interface at the start (`down`: lost while BGP stays up); change it with `account.network.setDataPlane` or `POST /__sim/virtual-interfaces/<id>/data-plane`.",
  ),
  tags: z._default(z.record(z.string(), z.string()), {}),
});

export type VirtualPrivateGatewayFixtureOutput = z.output<typeof VirtualPrivateGatewayFixture>;
export type VirtualInterfaceFixtureOutput = z.output<typeof VirtualInterfaceFixture>;

/** The additive top-level members of the account fixture. */
export const DX_FIXTURE_MEMBERS = {
  virtualPrivateGateways: doc(
    z._default(z.array(VirtualPrivateGatewayFixture), []),
    "Virtual private gateways and the prefixes they propagate (dx-failover).",
  ),
  virtualInterfaces: doc(
    z._default(z.array(VirtualInterfaceFixture), []),
    "Direct Connect virtual interfaces and their BGP peers (DescribeVirtualInterfaces).",
  ),
};

/** Reference checks: gateways' VPCs and virtual interfaces exist, ids are unique. */
export function checkDxReferences(
  f: {
    virtualPrivateGateways: VirtualPrivateGatewayFixtureOutput[];
    virtualInterfaces: VirtualInterfaceFixtureOutput[];
  },
  vpcIds: ReadonlySet<string>,
  add: (path: string, message: string) => void,
): void {
  const vifs = new Set<string>();
  f.virtualInterfaces.forEach((v, i) => {
    if (vifs.has(v.id)) add(`virtualInterfaces.${i}.id`, `duplicate id ${v.id}`);
    vifs.add(v.id);
    checkPeers(v, `virtualInterfaces.${i}`, add);
  });
  const vgws = new Set<string>();
  const owner = new Map<string, string>();
  f.virtualPrivateGateways.forEach((g, i) => {
    const path = `virtualPrivateGateways.${i}`;
    if (vgws.has(g.id)) add(`${path}.id`, `duplicate id ${g.id}`);
    vgws.add(g.id);
    if (!vpcIds.has(g.vpcId)) add(`${path}.vpcId`, `unknown VPC ${g.vpcId}`);
    g.virtualInterfaceIds.forEach((v, j) => {
      if (!vifs.has(v)) add(`${path}.virtualInterfaceIds.${j}`, `unknown virtual interface ${v}`);
      const other = owner.get(v);
      if (other !== undefined && other !== g.id)
        add(`${path}.virtualInterfaceIds.${j}`, `${v} already terminates on ${other}`);
      owner.set(v, g.id);
    });
  });
}

/** One IPv4 and one IPv6 session per interface (Direct Connect UG, "Add a BGP peer"); prefixes of its family. */
function checkPeers(
  v: VirtualInterfaceFixtureOutput,
  path: string,
  add: (path: string, message: string) => void,
) {
  const families = new Set<string>();
  v.bgpPeers.forEach((p, j) => {
    if (families.has(p.addressFamily))
      add(`${path}.bgpPeers.${j}`, `a virtual interface has at most one ${p.addressFamily} BGP peer`);
    families.add(p.addressFamily);
    const version = p.addressFamily === "ipv4" ? 4 : 6;
    (p.advertisedPrefixes ?? []).forEach((prefix, k) => {
      if (parseCidr(prefix)?.version !== version)
        add(`${path}.bgpPeers.${j}.advertisedPrefixes.${k}`, `${prefix} is not an ${p.addressFamily} prefix`);
    });
  });
}
