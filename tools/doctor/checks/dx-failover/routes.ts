/**
 * The group's route tables as a failover and a failback need them: found by their tag, learning the
 * on-premises CIDRs from the virtual private gateway (propagation on), every configured CIDR carried by what
 * the gateway propagates (an aggregate is fine; a more specific route inside a CIDR would keep that part on
 * DX after a failover: the override defeated), room for one static route per table × CIDR (route quota)
 * and for the toolkit's state tags (50 per resource).
 */
import { canonicalCidrs } from "../../../../functions/dx-failover/config";
import {
  candidatesOf,
  segmentsOf,
  type TableRoute,
} from "../../../../functions/dx-failover/failover/plan/effective";
import { quotaRoutesUsed } from "../../../../functions/dx-failover/failover/plan/headroom";
import { staticFor } from "../../../../functions/dx-failover/failover/plan/routes";
import {
  encodeRoutes,
  routesKey,
  stateKey,
  TAGS_PER_RESOURCE,
  tagHeadroom,
} from "../../../../functions/dx-failover/failover/state";
import { cidrWithin, formatCidr, parseCidr } from "../../../../shared/net/cidr";
import type { Check, DoctorContext, Finding } from "../../types";
import { findingOf, SOURCES } from "../support";
import { type DoctorTable, DX_READS, type DxGroupView, dxGroups } from "./observe";

type Judge = (view: DxGroupView, ctx: DoctorContext) => Finding[];

const groupCheck = (id: string, title: string, judge: (check: Check) => Judge): Check => {
  const check: Check = {
    id,
    capability: "dx-failover",
    title,
    iamActions: DX_READS,
    run: async (ctx) => (await dxGroups(ctx)).flatMap((view) => judge(check)(view, ctx)),
  };
  return check;
};

/** Tables that propagate from the group's gateways (any gateway when the group names no interface). */
const propagates = (view: DxGroupView, table: DoctorTable): boolean =>
  view.gateways.length > 0
    ? view.gateways.every((g) => table.propagatingVgws.includes(g))
    : table.propagatingVgws.length > 0;

const listedFindings = (view: DxGroupView, tagKey: string, check: Check): Finding[] =>
  view.listedUntagged.map(({ routeTableId, exists }) =>
    findingOf(check, "warning", {
      resource: `${view.group.name} ${routeTableId}`,
      message: exists
        ? `${routeTableId} is listed in routeTableIds but does not carry ${tagKey}=${view.group.name}: it is never failed over`
        : `${routeTableId} is listed in routeTableIds but does not exist`,
      fix: exists
        ? `aws ec2 create-tags --resources ${routeTableId} --tags Key=${tagKey},Value=${view.group.name} (add the name to the value if the table serves other groups), or drop it from routeTableIds`
        : `Drop ${routeTableId} from the group's routeTableIds.`,
      source: SOURCES.routeTables,
    }),
  );

const groupTables = groupCheck(
  "dx-failover/group-tables",
  "Every group has route tables carrying its tag, and every table it lists carries it",
  (check) => (view, ctx) => {
    const tagKey = ctx.config.dxFailover.groupTagKey;
    const listed = listedFindings(view, tagKey, check);
    if (view.tables.length > 0) return listed;
    return [
      findingOf(check, "error", {
        resource: view.group.name,
        message: `no route table carries ${tagKey}=${view.group.name}${
          view.group.routeTableIds.length > 0 ? ` among ${view.group.routeTableIds.join(", ")}` : ""
        }: nothing would fail over`,
        fix: `Tag the group's production route tables: aws ec2 create-tags --resources <rtb-…> --tags Key=${tagKey},Value=${view.group.name}`,
        source: SOURCES.routePriority,
      }),
      ...listed,
    ];
  },
);

const propagation = groupCheck(
  "dx-failover/propagation",
  "Route propagation from the group's virtual private gateway is on in every group table",
  (check) => (view) =>
    view.tables
      .filter((t) => !propagates(view, t))
      .map((t) =>
        findingOf(check, "error", {
          resource: t.routeTableId,
          message: `group ${view.group.name}: propagation from ${view.gateways.join(", ") || "a virtual private gateway"} is off: Direct Connect routes never appear in this table, so after a failover it never fails back (stuck-on-vpn)`,
          fix: `aws ec2 enable-vgw-route-propagation --route-table-id ${t.routeTableId} --gateway-id ${view.gateways[0] ?? "<vgw-…>"}`,
          source: SOURCES.routePropagation,
        }),
      ),
);

const isPropagated = (r: TableRoute) => r.origin === "EnableVgwRoutePropagation" && r.state === "active";

/** What the gateway propagates for one CIDR in one table: missing parts, the aggregate, more specifics. */
const judgeCidr = (view: DxGroupView, table: DoctorTable, cidr: string, check: Check): Finding[] => {
  const block = parseCidr(cidr);
  if (block === undefined) return [];
  const version = block.version;
  const propagated = candidatesOf(table.routes.filter(isPropagated), view.prefixLists, version).candidates;
  const all = candidatesOf(table.routes, view.prefixLists, version).candidates;
  const resource = `${table.routeTableId} ${cidr}`;
  const base = { resource, source: SOURCES.routePriority };
  const findings: Finding[] = [];
  const missing = segmentsOf(propagated, block).filter((s) => s.winner === undefined);
  if (missing.length > 0)
    findings.push(
      findingOf(check, "error", {
        ...base,
        message: `group ${view.group.name}: the gateway propagates no route for ${missing.map((s) => s.range).join(", ")}: Direct Connect does not carry it here, so a failback would never happen (stuck-on-vpn)`,
        fix: "Advertise the CIDR (or an aggregate of it) from on premises over the group's virtual interfaces, or remove it from the group's cidrs.",
      }),
    );
  const inside = all.filter((c) => c.cidr.prefix > block.prefix && cidrWithin(c.cidr, block));
  if (inside.length > 0)
    findings.push(
      findingOf(check, "error", {
        ...base,
        message: `group ${view.group.name}: more specific routes inside ${cidr} (${[...new Set(inside.map((c) => `${formatCidr(c.cidr)} ${c.tier}`))].join(", ")}) win over the failover's static ${cidr}: that traffic would stay on Direct Connect (override-defeated)`,
        fix: "Configure the more specific CIDRs in the group's cidrs, or advertise only the aggregate from on premises.",
      }),
    );
  const aggregate = propagated.find((c) => c.cidr.prefix < block.prefix && cidrWithin(block, c.cidr));
  if (
    missing.length === 0 &&
    aggregate !== undefined &&
    !propagated.some((c) => c.cidr.prefix === block.prefix && cidrWithin(c.cidr, block))
  )
    findings.push(
      findingOf(check, "info", {
        ...base,
        message: `group ${view.group.name}: ${cidr} is carried by the propagated aggregate ${formatCidr(aggregate.cidr)} (a failback works through it)`,
        fix: "Nothing to do.",
      }),
    );
  return findings;
};

const propagatedCidrs = groupCheck(
  "dx-failover/propagated-cidrs",
  "The configured on-premises CIDRs match what the gateway propagates (missing, aggregates, more specifics)",
  (check) => (view) =>
    view.tables
      .filter((t) => propagates(view, t))
      .flatMap((t) => canonicalCidrs(view.group).flatMap((cidr) => judgeCidr(view, t, cidr, check))),
);

type Family = "ipv4" | "ipv6";
const familyOf = (cidr: string): Family => (cidr.includes(":") ? "ipv6" : "ipv4");

/** A group table with every group it serves (groups sharing a table fail over together on one DX loss). */
const sharedTables = (groups: readonly DxGroupView[]) => {
  const byId = new Map<string, { table: DoctorTable; groups: DxGroupView[] }>();
  for (const view of groups)
    for (const table of view.tables) {
      const entry = byId.get(table.routeTableId) ?? { table, groups: [] };
      entry.groups.push(view);
      byId.set(table.routeTableId, entry);
    }
  return [...byId.values()];
};

/** Non-propagated routes of a family counted as AWS counts them against the quota (the failover's own count). */
const usedRoutes = (table: DoctorTable, family: Family, groups: readonly DxGroupView[]): number =>
  quotaRoutesUsed(
    table.routes,
    family,
    new Map(groups.flatMap((g) => [...g.prefixListLimits])),
    new Map(groups.flatMap((g) => [...g.prefixLists])),
  );

/** The static routes one DX loss adds to the table: every CIDR of every group in it without one yet. */
const neededRoutes = (table: DoctorTable, family: Family, groups: readonly DxGroupView[]): number =>
  groups
    .flatMap((g) => canonicalCidrs(g.group))
    .filter((c) => familyOf(c) === family && staticFor(table.routes, c) === undefined).length;

/** "Routes per route table (non-propagated routes)": 50 unless raised in Service Quotas. */
const DEFAULT_ROUTE_QUOTA = 50;

const headroomFinding = (
  check: Check,
  entry: { table: DoctorTable; groups: DxGroupView[] },
  family: Family,
  quota: number,
): Finding | undefined => {
  const used = usedRoutes(entry.table, family, entry.groups);
  const needed = neededRoutes(entry.table, family, entry.groups);
  const names = entry.groups.map((g) => g.group.name).join(", ");
  const base = { resource: entry.table.routeTableId, source: SOURCES.vpcQuotas };
  const counted = `${used} ${family} non-propagated routes (prefix lists at their MaxEntries) + ${needed} a failover of ${names} adds`;
  if (used + needed > quota)
    return findingOf(check, "error", {
      ...base,
      message: `${counted} exceed the quota of ${quota} (dxFailover.routesPerTable): the failover would stop short (RouteLimitExceeded) and leave CIDRs on the dead DX path`,
      fix: 'Raise the quota "Routes per route table" in Service Quotas (then dxFailover.routesPerTable), remove unused static routes, or use fewer, larger CIDRs.',
    });
  if (quota > DEFAULT_ROUTE_QUOTA && used + needed > DEFAULT_ROUTE_QUOTA)
    return findingOf(check, "warning", {
      ...base,
      message: `${counted} exceed the default quota of ${DEFAULT_ROUTE_QUOTA}; dxFailover.routesPerTable says ${quota}, which the doctor cannot confirm (it does not read Service Quotas)`,
      fix: 'Confirm "Routes per route table" (Service Quotas, Amazon VPC, L-93826ACB) is applied at that value in this account and Region, or lower dxFailover.routesPerTable.',
    });
  return undefined;
};

const routeHeadroom: Check = {
  id: "dx-failover/route-headroom",
  capability: "dx-failover",
  title: "Every group table has room for the failover's static routes (routes per route table quota)",
  iamActions: DX_READS,
  run: async (ctx) => {
    const quota = ctx.config.dxFailover.routesPerTable;
    return sharedTables(await dxGroups(ctx)).flatMap((entry) =>
      (["ipv4", "ipv6"] as const).flatMap(
        (family) => headroomFinding(routeHeadroom, entry, family, quota) ?? [],
      ),
    );
  },
};

/** Tags the toolkit writes in a table for every group it belongs to (all of each group's CIDRs on VPN). */
const toolkitTags = (groups: readonly DxGroupView[], table: DoctorTable): Record<string, string> =>
  Object.fromEntries(
    groups
      .filter((g) => g.tables.some((t) => t.routeTableId === table.routeTableId))
      .flatMap((g) => [
        [stateKey(g.group.name), "x"],
        ...encodeRoutes(canonicalCidrs(g.group)).map((v, i) => [routesKey(g.group.name, i + 1), v]),
      ]),
  );

const tagHeadroomCheck: Check = {
  id: "dx-failover/tag-headroom",
  capability: "dx-failover",
  title: "Every group table has room for the toolkit's state tags (50 user tags per resource)",
  iamActions: DX_READS,
  run: async (ctx) => {
    const groups = await dxGroups(ctx);
    const tables = [
      ...new Map(groups.flatMap((g) => g.tables.map((t) => [t.routeTableId, t] as const))).values(),
    ];
    return tables.flatMap((table) => {
      const headroom = tagHeadroom(table.tags, { set: toolkitTags(groups, table), remove: [] });
      if (headroom.count <= TAGS_PER_RESOURCE) return [];
      return [
        findingOf(tagHeadroomCheck, "error", {
          resource: table.routeTableId,
          message: `with the toolkit's state and ownership tags it would carry ${headroom.count} user tags (EC2 allows ${TAGS_PER_RESOURCE}): the state could not be recorded, and routes the toolkit cannot record as its own are never failed back`,
          fix: `Remove ${headroom.count - TAGS_PER_RESOURCE} unused tags from ${table.routeTableId}.`,
          source: SOURCES.tagRestrictions,
        }),
      ];
    });
  },
};

export const ROUTE_CHECKS: readonly Check[] = [
  groupTables,
  propagation,
  propagatedCidrs,
  routeHeadroom,
  tagHeadroomCheck,
];
