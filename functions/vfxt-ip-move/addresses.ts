/** IPv4 arithmetic for the cluster's client-facing addresses (pure, no dependencies). */

export const parseIpv4 = (ip: string): number | undefined => {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
};

export const formatIpv4 = (value: number): string =>
  [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");

export interface Ipv4Cidr {
  network: number;
  prefix: number;
}

export const parseCidr = (cidr: string): Ipv4Cidr | undefined => {
  const [ip, bits, ...rest] = cidr.split("/");
  if (ip === undefined || bits === undefined || rest.length > 0 || !/^\d{1,2}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  const address = parseIpv4(ip);
  if (address === undefined || prefix > 32) return undefined;
  return { network: address - (address % 2 ** (32 - prefix)), prefix };
};

export const cidrContains = (cidr: string, ip: string): boolean => {
  const c = parseCidr(cidr);
  const a = parseIpv4(ip);
  return c !== undefined && a !== undefined && a - (a % 2 ** (32 - c.prefix)) === c.network;
};

/** Numeric order of IPv4 addresses (deterministic tie-breaks and outputs). */
export const compareIps = (a: string, b: string): number => (parseIpv4(a) ?? 0) - (parseIpv4(b) ?? 0);

/**
 * The configured addresses, ranges expanded (a /24 gives its 256 addresses: a range lists client
 * addresses, not a subnet), deduplicated and in numeric order. Throws on a range with host bits set.
 */
export const expandAddresses = (entries: readonly string[]): string[] => {
  const out = new Set<string>();
  for (const entry of entries) {
    if (!entry.includes("/")) {
      if (parseIpv4(entry) === undefined) throw new RangeError(`"${entry}" is not an IPv4 address`);
      out.add(entry);
      continue;
    }
    const cidr = parseCidr(entry);
    const [ip] = entry.split("/");
    if (cidr === undefined || parseIpv4(ip ?? "") !== cidr.network) {
      throw new RangeError(`"${entry}" is not a CIDR block (host bits set?)`);
    }
    const size = 2 ** (32 - cidr.prefix);
    for (let i = 0; i < size; i += 1) out.add(formatIpv4(cidr.network + i));
  }
  return [...out].sort(compareIps);
};
