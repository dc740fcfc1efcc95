/**
 * The one IPv4/IPv6 address and CIDR module of the toolkit, used by the capabilities, their configuration
 * schemas and the simulated account. Addresses are BigInt values (IPv6 has 128 bits), text is parsed
 * strictly: dotted decimal without leading zeros, IPv6 per RFC 4291 (`::` once, an embedded IPv4 tail),
 * formatted per RFC 5952 (lower case, the longest run of zero groups compressed).
 */

export type IpVersion = 4 | 6;

export interface IpAddress {
  readonly version: IpVersion;
  readonly value: bigint;
}

export interface Cidr {
  readonly version: IpVersion;
  /** The first address of the block (host bits clear). */
  readonly network: bigint;
  readonly prefix: number;
}

export interface CidrOptions {
  /** Accept only this version. */
  version?: IpVersion;
  /**
   * A block with host bits set (`10.0.1.5/24`): "reject" (the default: EC2 refuses such blocks for
   * subnets and routes) or "mask" (read as its network, `10.0.1.0/24`).
   */
  hostBits?: "reject" | "mask";
}

const BITS: Readonly<Record<IpVersion, number>> = { 4: 32, 6: 128 };

const DECIMAL_OCTET = /^(0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX = /^(0|[1-9]\d{0,2})$/;

export const parseIpv4 = (text: string): IpAddress | undefined => {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!DECIMAL_OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return { version: 4, value };
};

/** The 16-bit groups of one side of `::` (an IPv4 tail counts as two groups). */
const hexGroups = (text: string, allowIpv4Tail: boolean): bigint[] | undefined => {
  if (text === "") return [];
  const parts = text.split(":");
  const groups: bigint[] = [];
  for (const [index, part] of parts.entries()) {
    if (allowIpv4Tail && index === parts.length - 1 && part.includes(".")) {
      const tail = parseIpv4(part);
      if (tail === undefined) return undefined;
      groups.push(tail.value >> 16n, tail.value & 0xffffn);
    } else if (HEX_GROUP.test(part)) {
      groups.push(BigInt(Number.parseInt(part, 16)));
    } else {
      return undefined;
    }
  }
  return groups;
};

export const parseIpv6 = (text: string): IpAddress | undefined => {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const compressed = halves.length === 2;
  const head = hexGroups(halves[0] ?? "", !compressed);
  const tail = compressed ? hexGroups(halves[1] ?? "", true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (compressed ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array.from({ length: missing }, () => 0n), ...tail];
  return { version: 6, value: groups.reduce((value, group) => (value << 16n) | group, 0n) };
};

/**
 * Parsed text, remembered: the simulated account and the chaos checks parse the same few addresses and
 * blocks millions of times. Values are frozen (shared by every caller); a full cache starts over.
 */
const CACHE_LIMIT = 50_000;
const remembered = <T>(cache: Map<string, T>, text: string, parse: (text: string) => T): T => {
  const hit = cache.get(text);
  if (hit !== undefined || cache.has(text)) return hit as T;
  const value = parse(text);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, value);
  return value;
};

const addresses = new Map<string, IpAddress | undefined>();
const parseAnyIp = (text: string): IpAddress | undefined => {
  const address = text.includes(":") ? parseIpv6(text) : parseIpv4(text);
  return address === undefined ? undefined : Object.freeze(address);
};

/** An IPv4 or IPv6 address (optionally of one version only). */
export const parseIp = (text: string, version?: IpVersion): IpAddress | undefined => {
  const address = remembered(addresses, text, parseAnyIp);
  return address !== undefined && (version === undefined || address.version === version)
    ? address
    : undefined;
};

const formatIpv6 = (value: bigint): string => {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: compress the longest run of two or more zero groups (the first one on a tie).
  let best = { start: -1, length: 0 };
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > best.length) best = { start, length };
  }
  const hex = groups.map((group) => group.toString(16));
  if (best.length < 2) return hex.join(":");
  return `${hex.slice(0, best.start).join(":")}::${hex.slice(best.start + best.length).join(":")}`;
};

export const formatIp = (address: IpAddress): string =>
  address.version === 4
    ? [24n, 16n, 8n, 0n].map((shift) => ((address.value >> shift) & 0xffn).toString()).join(".")
    : formatIpv6(address.value);

/** Number of addresses in a block. */
export const cidrSize = (cidr: Cidr): bigint => 1n << BigInt(BITS[cidr.version] - cidr.prefix);

const hostMask = (version: IpVersion, prefix: number): bigint => (1n << BigInt(BITS[version] - prefix)) - 1n;

/** A block as written: its network, and whether host bits were set (options decide what that means). */
interface ParsedBlock {
  readonly cidr: Cidr;
  readonly hostBits: boolean;
}

const blocks = new Map<string, ParsedBlock | undefined>();
const parseBlock = (text: string): ParsedBlock | undefined => {
  const [ip, bits, ...rest] = text.split("/");
  if (ip === undefined || bits === undefined || rest.length > 0 || !PREFIX.test(bits)) return undefined;
  const address = parseIp(ip);
  const prefix = Number(bits);
  if (address === undefined || prefix > BITS[address.version]) return undefined;
  const host = address.value & hostMask(address.version, prefix);
  const cidr = Object.freeze({ version: address.version, network: address.value - host, prefix });
  return { cidr, hostBits: host !== 0n };
};

/** `a.b.c.d/n` or `x:…/n`; see CidrOptions for host bits and versions. */
export const parseCidr = (text: string, options: CidrOptions = {}): Cidr | undefined => {
  const block = remembered(blocks, text, parseBlock);
  if (block === undefined) return undefined;
  if (options.version !== undefined && block.cidr.version !== options.version) return undefined;
  if (block.hostBits && options.hostBits !== "mask") return undefined;
  return block.cidr;
};

export const isCidr = (text: string, options?: CidrOptions): boolean =>
  parseCidr(text, options) !== undefined;

export const formatCidr = (cidr: Cidr): string =>
  `${formatIp({ version: cidr.version, value: cidr.network })}/${cidr.prefix}`;

/** The address `offset` places into the block (0 = the network address); undefined outside the block. */
export const addressAt = (cidr: Cidr, offset: bigint): IpAddress | undefined =>
  offset >= 0n && offset < cidrSize(cidr)
    ? { version: cidr.version, value: cidr.network + offset }
    : undefined;

export const cidrContains = (cidr: Cidr, address: IpAddress): boolean =>
  cidr.version === address.version &&
  address.value - cidr.network >= 0n &&
  address.value - cidr.network < cidrSize(cidr);

/** `inner` is `outer` or a more specific block inside it. */
export const cidrWithin = (inner: Cidr, outer: Cidr): boolean =>
  inner.prefix >= outer.prefix && cidrContains(outer, { version: inner.version, value: inner.network });

/** Two blocks overlap exactly when one lies within the other. */
export const cidrsOverlap = (a: Cidr, b: Cidr): boolean => cidrWithin(a, b) || cidrWithin(b, a);

/** Text form of cidrContains: false when either side does not parse. */
export const containsAddress = (cidrText: string, ipText: string, options?: CidrOptions): boolean => {
  const cidr = parseCidr(cidrText, options);
  const address = parseIp(ipText);
  return cidr !== undefined && address !== undefined && cidrContains(cidr, address);
};

/** Total order: IPv4 before IPv6, then by value. */
export const compareIp = (a: IpAddress, b: IpAddress): number =>
  a.version !== b.version ? a.version - b.version : a.value < b.value ? -1 : a.value > b.value ? 1 : 0;

/** The most specific block containing the address (route selection), or undefined. */
export const longestPrefixMatch = <T>(
  candidates: readonly T[],
  address: IpAddress,
  cidrOf: (candidate: T) => Cidr | undefined,
): T | undefined => {
  let best: { candidate: T; prefix: number } | undefined;
  for (const candidate of candidates) {
    const cidr = cidrOf(candidate);
    if (cidr === undefined || !cidrContains(cidr, address)) continue;
    if (best === undefined || cidr.prefix > best.prefix) best = { candidate, prefix: cidr.prefix };
  }
  return best?.candidate;
};

/**
 * The addresses AWS reserves in a subnet, IPv4 and IPv6 alike: the first four (network, VPC router, DNS,
 * future use) and the last one (AWS VPC User Guide, "Subnet CIDR blocks"; CreateSubnet API reference).
 */
export const subnetReservedAddresses = (subnet: Cidr): IpAddress[] => {
  const offsets = new Set([0n, 1n, 2n, 3n, cidrSize(subnet) - 1n]);
  return [...offsets].flatMap((offset) => addressAt(subnet, offset) ?? []);
};

/** The first and last address an instance may use in a subnet; undefined when the block is too small. */
export const subnetUsableRange = (subnet: Cidr): { first: IpAddress; last: IpAddress } | undefined => {
  const size = cidrSize(subnet);
  if (size <= 5n) return undefined;
  return {
    first: { version: subnet.version, value: subnet.network + 4n },
    last: { version: subnet.version, value: subnet.network + size - 2n },
  };
};
