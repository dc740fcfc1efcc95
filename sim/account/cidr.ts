/** IPv4 address and CIDR arithmetic (enough for route matching and fixture validation). */

export interface Cidr {
  network: number;
  prefix: number;
}

export function parseIpv4(ip: string): number | undefined {
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
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** Parses `a.b.c.d/n`; the network bits must be clean (no host bits set), as EC2 requires. */
export function parseCidr(cidr: string): Cidr | undefined {
  const [ip, bits, ...rest] = cidr.split("/");
  if (ip === undefined || bits === undefined || rest.length > 0 || !/^\d{1,2}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  const address = parseIpv4(ip);
  if (address === undefined || prefix > 32) return undefined;
  const network = address - (address % 2 ** (32 - prefix));
  if (network !== address) return undefined;
  return { network, prefix };
}

export function isCidr(cidr: string): boolean {
  return parseCidr(cidr) !== undefined;
}

export function cidrContainsIp(cidr: Cidr, ip: number): boolean {
  return ip - (ip % 2 ** (32 - cidr.prefix)) === cidr.network;
}

/** `inner` is equal to or more specific than `outer` and inside it. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix >= outer.prefix && cidrContainsIp(outer, inner.network);
}

export function ipInCidr(ip: string, cidr: string): boolean {
  const c = parseCidr(cidr);
  const a = parseIpv4(ip);
  return c !== undefined && a !== undefined && cidrContainsIp(c, a);
}
