import { canonicalCidrs, type DxFailoverConfig, type DxFailoverGroupConfig } from "./config";
import type { AddressFamily } from "./evidence";

/**
 * Configurations that are valid but weaker than the operator likely expects, said at configuration time
 * (`npm run config:check`) and in the failover function's log. A group whose CIDRs include a family with no
 * Direct Connect probe target of that family has that family judged on its BGP sessions alone (README,
 * "Per address family"): a grey failure of its data plane (BGP up, packets lost) is never seen.
 */

const FAMILY_NAME: Record<AddressFamily, string> = { ipv4: "IPv4", ipv6: "IPv6" };
const familyOfCidr = (cidr: string): AddressFamily => (cidr.includes(":") ? "ipv6" : "ipv4");
/** A probe target `[v6]:port` is IPv6, `v4:port` IPv4. */
const familyOfTarget = (target: string): AddressFamily => (target.trim().startsWith("[") ? "ipv6" : "ipv4");

/** The group's CIDRs of each family that has no Direct Connect probe target of its own. */
export const unprobedFamilies = (
  group: Pick<DxFailoverGroupConfig, "cidrs"> & { probe: { directConnect: readonly string[] } },
): { family: AddressFamily; cidrs: string[] }[] => {
  const probed = new Set(group.probe.directConnect.map(familyOfTarget));
  const byFamily = new Map<AddressFamily, string[]>();
  for (const cidr of canonicalCidrs(group)) {
    const family = familyOfCidr(cidr);
    if (!probed.has(family)) byFamily.set(family, [...(byFamily.get(family) ?? []), cidr]);
  }
  return [...byFamily].map(([family, cidrs]) => ({ family, cidrs }));
};

/** One line per weakness found in the dx-failover section (none: an empty list). */
export const dxConfigWarnings = (section: Pick<DxFailoverConfig, "groups">): string[] =>
  section.groups.flatMap((group) =>
    unprobedFamilies(group).map(({ family, cidrs }) => {
      const name = FAMILY_NAME[family];
      const example = family === "ipv6" ? "`[2001:db8::53]:53`" : "`10.0.0.53:53`";
      return (
        `dxFailover group ${group.name}: ${name} CIDRs (${cidrs.join(", ")}) but no ${name} Direct Connect ` +
        `probe target: they are judged on BGP alone, so a loss of ${name} packets with BGP up is not seen; ` +
        `add one to probe.directConnect (e.g. ${example})`
      );
    }),
  );
