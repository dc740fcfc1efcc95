/**
 * Resource id formats and a deterministic id generator.
 *
 * Ids look like the real ones (`i-0123456789abcdef0`, `eni-…`, `rtb-…`: a prefix and 8 or 17 lowercase
 * hex digits). Generated ids are derived from a seed (the account id) and a counter, so two runs of
 * the same scenario produce the same ids, event ids and request ids.
 */
import { createHash } from "node:crypto";

const HEX_ID = "(?:[0-9a-f]{8}|[0-9a-f]{17})";

export const ID_PATTERNS = {
  instance: new RegExp(`^i-${HEX_ID}$`),
  networkInterface: new RegExp(`^eni-${HEX_ID}$`),
  routeTable: new RegExp(`^rtb-${HEX_ID}$`),
  vpc: new RegExp(`^vpc-${HEX_ID}$`),
  subnet: new RegExp(`^subnet-${HEX_ID}$`),
  internetGateway: new RegExp(`^igw-${HEX_ID}$`),
  vpnGateway: new RegExp(`^vgw-${HEX_ID}$`),
  natGateway: new RegExp(`^nat-${HEX_ID}$`),
  transitGateway: new RegExp(`^tgw-${HEX_ID}$`),
  vpcPeeringConnection: new RegExp(`^pcx-${HEX_ID}$`),
  localGateway: new RegExp(`^lgw-${HEX_ID}$`),
  localGatewayRouteTable: new RegExp(`^lgw-rtb-${HEX_ID}$`),
  localGatewayVirtualInterfaceGroup: new RegExp(`^lgw-vif-grp-${HEX_ID}$`),
  reservation: new RegExp(`^r-${HEX_ID}$`),
  image: new RegExp(`^ami-${HEX_ID}$`),
  routeTableAssociation: new RegExp(`^rtbassoc-${HEX_ID}$`),
  networkInterfaceAttachment: new RegExp(`^eni-attach-${HEX_ID}$`),
  prefixList: new RegExp(`^pl-${HEX_ID}$`),
  allocation: new RegExp(`^eipalloc-${HEX_ID}$`),
  elasticIpAssociation: new RegExp(`^eipassoc-${HEX_ID}$`),
  subnetCidrReservation: new RegExp(`^scr-${HEX_ID}$`),
  volume: new RegExp(`^vol-${HEX_ID}$`),
} as const;

export type IdKind = keyof typeof ID_PATTERNS;

function hex(input: string, length: number): string {
  return createHash("sha256").update(input).digest("hex").slice(0, length);
}

/** A stable id derived from a name, e.g. the primary ENI of an instance. */
export function derivedId(prefix: string, from: string): string {
  return `${prefix}-${hex(`${prefix}|${from}`, 17)}`;
}

/** A stable locally-administered MAC address for an ENI. */
export function derivedMac(from: string): string {
  const h = hex(`mac|${from}`, 10);
  return `0e:${h.match(/../g)?.join(":") ?? "00:00:00:00:00"}`;
}

/** A stable UUID-shaped string. */
export function derivedUuid(from: string): string {
  const h = hex(`uuid|${from}`, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Deterministic generator of new ids (request ids, event ids, new resources). */
export class IdGenerator {
  private counter = 0;
  constructor(private readonly seed: string) {}

  next(prefix: string): string {
    this.counter += 1;
    return derivedId(prefix, `${this.seed}#${this.counter}`);
  }

  uuid(): string {
    this.counter += 1;
    return derivedUuid(`${this.seed}#${this.counter}`);
  }
}
