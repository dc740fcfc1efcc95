import type { PrefixListLimit, TableRoute } from "./effective";
import type { RouteGroup } from "./routes";
import { staticFor } from "./routes";

/**
 * Route headroom, judged before an outage (pure): a failover adds one static route per table × CIDR, and a
 * table holds at most `quota` non-propagated routes per address family (VPC quotas: "Routes per route
 * table (non-propagated routes)", 50 by default, adjustable; IPv4 and IPv6 counted apart). A route to a
 * prefix list counts its list's **maximum** entries, whatever it holds now (VPC UG "Managed prefix lists":
 * "the maximum number of entries for the prefix lists counts against the quota"). A table that cannot take
 * its routes would stay on the dead DX path: it is reported while DX is still healthy.
 */

export type Family = PrefixListLimit["family"];
export type { PrefixListLimit };

export interface ShortTable {
  routeTableId: string;
  family: Family;
  used: number;
  needed: number;
  quota: number;
}

const familyOf = (cidr: string): Family => (cidr.includes(":") ? "ipv6" : "ipv4");

/**
 * The non-propagated routes of a family a table holds, as AWS counts them against the quota: one per static
 * route; a prefix-list route its list's MaxEntries (its current entries only when MaxEntries is unknown, a
 * lower bound). The failover planner and the doctor (`dx-failover/route-headroom`) both count with it.
 */
export const quotaRoutesUsed = (
  routes: readonly TableRoute[],
  family: Family,
  limits: ReadonlyMap<string, PrefixListLimit>,
  entries: ReadonlyMap<string, readonly string[]>,
): number =>
  routes
    .filter((r) => r.origin === "CreateRoute")
    .reduce((sum, r) => {
      if (r.kind !== "prefix-list") return sum + (r.kind === family ? 1 : 0);
      const limit = limits.get(r.destination);
      if (limit !== undefined) return sum + (limit.family === family ? limit.maxEntries : 0);
      return sum + (entries.get(r.destination) ?? []).filter((e) => familyOf(e) === family).length;
    }, 0);

export const shortOfRoutes = (group: RouteGroup, quota: number): ShortTable[] =>
  group.tables.flatMap((table) =>
    (["ipv4", "ipv6"] as const).flatMap((family) => {
      const needed = group.cidrs.filter(
        (c) => familyOf(c) === family && staticFor(table.routes, c) === undefined,
      ).length;
      if (needed === 0) return [];
      const limits = group.prefixListLimits ?? new Map<string, PrefixListLimit>();
      const used = quotaRoutesUsed(table.routes, family, limits, group.prefixLists);
      return used + needed > quota ? [{ routeTableId: table.routeTableId, family, used, needed, quota }] : [];
    }),
  );
