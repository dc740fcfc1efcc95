import { addressAt, cidrSize, formatIp, parseCidr, parseIp } from "../../shared/net/cidr";

/** The cluster's client-facing addresses (IPv4), on top of the shared CIDR module. */

const numericValue = (ip: string): bigint => parseIp(ip, 4)?.value ?? 0n;

/** Numeric order of IPv4 addresses (deterministic tie-breaks and outputs). */
export const compareIps = (a: string, b: string): number => {
  const x = numericValue(a);
  const y = numericValue(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * The configured addresses, ranges expanded (a /24 gives its 256 addresses: a range lists client
 * addresses, not a subnet), deduplicated and in numeric order. Throws on a range with host bits set.
 */
export const expandAddresses = (entries: readonly string[]): string[] => {
  const out = new Set<string>();
  for (const entry of entries) {
    if (!entry.includes("/")) {
      if (parseIp(entry, 4) === undefined) throw new RangeError(`"${entry}" is not an IPv4 address`);
      out.add(entry);
      continue;
    }
    const cidr = parseCidr(entry, { version: 4 });
    if (cidr === undefined) throw new RangeError(`"${entry}" is not a CIDR block (host bits set?)`);
    for (let offset = 0n; offset < cidrSize(cidr); offset += 1n) {
      const address = addressAt(cidr, offset);
      if (address !== undefined) out.add(formatIp(address));
    }
  }
  return [...out].sort(compareIps);
};
