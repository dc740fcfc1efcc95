import type { RouteGroup } from "./routes";
import { staticFor } from "./routes";

/**
 * Route headroom, judged before an outage (pure): a failover adds one static route per table × CIDR, and a
 * table holds at most `quota` non-propagated routes per address family (VPC quotas: "Routes per route
 * table (non-propagated routes)", 50 by default, adjustable; IPv4 and IPv6 counted apart; a prefix-list
 * route counts its list's maximum entries — here its current entries, a lower bound). A table that cannot
 * take its routes would stay on the dead DX path: it is reported while DX is still healthy.
 */

export interface ShortTable {
  routeTableId: string;
  family: "ipv4" | "ipv6";
  used: number;
  needed: number;
  quota: number;
}

const familyOf = (cidr: string): ShortTable["family"] => (cidr.includes(":") ? "ipv6" : "ipv4");

export const shortOfRoutes = (group: RouteGroup, quota: number): ShortTable[] =>
  group.tables.flatMap((table) =>
    (["ipv4", "ipv6"] as const).flatMap((family) => {
      const needed = group.cidrs.filter(
        (c) => familyOf(c) === family && staticFor(table.routes, c) === undefined,
      ).length;
      if (needed === 0) return [];
      const used = table.routes
        .filter((r) => r.origin === "CreateRoute")
        .reduce((sum, r) => {
          if (r.kind !== "prefix-list") return sum + (r.kind === family ? 1 : 0);
          const entries = group.prefixLists.get(r.destination) ?? [];
          return sum + entries.filter((e) => familyOf(e) === family).length;
        }, 0);
      return used + needed > quota ? [{ routeTableId: table.routeTableId, family, used, needed, quota }] : [];
    }),
  );
