import {
  addressAt,
  cidrContains,
  cidrSize,
  formatIp,
  parseCidr,
  parseIp,
  subnetReservedAddresses,
} from "../../shared/net/cidr";

/** The cluster's client-facing addresses (IPv4), on top of the shared CIDR module. */

/**
 * At most this many addresses per cluster once ranges are expanded (a /24 range gives 256): 20 nodes
 * (Avere's largest cluster) × 50 addresses per ENI (the largest `Ipv4AddressesPerInterface`) ≈ 1000.
 */
const MAX_ADDRESSES_PER_CLUSTER = 1024;

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

/** An address, or a range from /24 to /32 (what the configuration accepts). */
const isAddressEntry = (entry: string): boolean => {
  if (!entry.includes("/")) return parseIp(entry, 4) !== undefined;
  const range = parseCidr(entry, { version: 4 });
  return range !== undefined && range.prefix >= 24;
};

/** expandAddresses, or undefined when an entry is invalid (the schema reports that entry itself). */
export const tryExpand = (entries: readonly string[]): string[] | undefined => {
  if (!entries.every(isAddressEntry)) return undefined;
  try {
    return expandAddresses(entries);
  } catch {
    return undefined;
  }
};

/** Where an address stands in a subnet: AWS reserves the first four and the last address of every subnet. */
export const placeInSubnet = (subnetCidr: string, ip: string): "usable" | "reserved" | "outside" => {
  const subnet = parseCidr(subnetCidr, { version: 4 });
  const address = parseIp(ip, 4);
  if (subnet === undefined || address === undefined || !cidrContains(subnet, address)) return "outside";
  return subnetReservedAddresses(subnet).some((r) => r.value === address.value) ? "reserved" : "usable";
};

/** The fields of a cluster's configuration that the static checks read. */
export interface AddressFields {
  addresses: readonly string[];
  mode: "auto" | "secondary" | "route";
  subnetCidr?: string | undefined;
  routeTableIds: readonly string[];
  discoverRouteTables: boolean;
  homeNodes: Readonly<Record<string, string>>;
  retiredAddresses: readonly string[];
}

export interface StaticIssue {
  message: string;
  path: PropertyKey[];
}

const subnetIssues = (cluster: AddressFields, addresses: readonly string[]): StaticIssue[] => {
  const { subnetCidr } = cluster;
  if (subnetCidr === undefined) return [];
  if (cluster.mode === "route") {
    return [{ message: "subnetCidr is for secondary-mode clusters", path: ["subnetCidr"] }];
  }
  const issues: StaticIssue[] = [];
  for (const address of addresses) {
    const place = placeInSubnet(subnetCidr, address);
    if (place === "outside") {
      issues.push({ message: `${address} is outside subnetCidr ${subnetCidr}`, path: ["addresses"] });
    } else if (place === "reserved") {
      issues.push({
        message: `${address} is reserved by AWS in subnet ${subnetCidr} (the first four and the last address of a subnet)`,
        path: ["addresses"],
      });
    }
  }
  return issues;
};

/** What AWS rules say about a cluster's addresses before any AWS call (package time, cold start). */
export const staticAddressIssues = (cluster: AddressFields): StaticIssue[] => {
  const addresses = tryExpand(cluster.addresses);
  if (addresses === undefined) return [];
  const issues: StaticIssue[] = [];
  if (addresses.length > MAX_ADDRESSES_PER_CLUSTER) {
    issues.push({
      message: `the addresses expand to ${addresses.length} addresses (at most ${MAX_ADDRESSES_PER_CLUSTER} per cluster)`,
      path: ["addresses"],
    });
  }
  issues.push(...subnetIssues(cluster, addresses));
  if (cluster.mode === "route" && cluster.routeTableIds.length === 0 && !cluster.discoverRouteTables) {
    issues.push({
      message: "route mode needs routeTableIds or discoverRouteTables",
      path: ["routeTableIds"],
    });
  }
  const configured = new Set(addresses);
  for (const address of Object.keys(cluster.homeNodes)) {
    if (!configured.has(address)) {
      issues.push({
        message: `${address} is not one of the cluster's addresses`,
        path: ["homeNodes", address],
      });
    }
  }
  for (const retired of tryExpand(cluster.retiredAddresses) ?? []) {
    if (configured.has(retired)) {
      issues.push({ message: `${retired} is both configured and retired`, path: ["retiredAddresses"] });
    }
  }
  return issues;
};
