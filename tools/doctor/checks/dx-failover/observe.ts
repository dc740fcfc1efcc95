/**
 * What the dx-failover checks read, once per run: per group its route tables (by membership tag, as the
 * failover function finds them, with their propagating gateways), the gateways of its virtual interfaces,
 * the prefix lists its tables use; the probe subnets and the route table each one uses.
 */
import { DescribeVirtualInterfacesCommand } from "@aws-sdk/client-direct-connect";
import { DescribeRouteTablesCommand, type Filter, type RouteTable } from "@aws-sdk/client-ec2";
import type { DxFailoverGroupConfig } from "../../../../functions/dx-failover/config";
import {
  describePrefixListLimits,
  loadPrefixLists,
  tableRouteOf,
} from "../../../../functions/dx-failover/failover/observe/tables";
import type { TableRoute } from "../../../../functions/dx-failover/failover/plan/effective";
import { groupsOfTag, membershipFilterValues } from "../../../../functions/dx-failover/failover/state";
import { loadSubnets, type SubnetView } from "../../../../shared/observe/interfaces";
import type { DoctorContext } from "../../types";
import { cachedRead } from "../support";

export interface DoctorTable {
  routeTableId: string;
  vpcId?: string;
  tags: Record<string, string>;
  routes: TableRoute[];
  propagatingVgws: string[];
  /** Subnets explicitly associated; `main`: the VPC's main table (subnets without an association use it). */
  subnetIds: string[];
  main: boolean;
}

export interface DxGroupView {
  group: DxFailoverGroupConfig;
  /** The group's tables, the probe subnets' own tables left out (as the failover function does). */
  tables: DoctorTable[];
  /** Tables carrying the group tag that a probe subnet uses. */
  probeTablesEnrolled: string[];
  vpcIds: string[];
  /** The virtual private gateways of the group's virtual interfaces (DescribeVirtualInterfaces). */
  gateways: string[];
  prefixLists: Map<string, string[]>;
  /** The prefix lists the tables use: their MaxEntries (what counts against the route quota) and family. */
  prefixListLimits: Map<string, { maxEntries: number; family: "ipv4" | "ipv6" }>;
  /** Tables listed in `routeTableIds` that do not carry the group tag (never failed over), or do not exist. */
  listedUntagged: { routeTableId: string; exists: boolean }[];
}

export interface ProbeSubnet {
  subnetId: string;
  subnet?: SubnetView;
  /** The table the subnet uses: its explicit association, else its VPC's main table. */
  table?: DoctorTable;
  /** The entries of the prefix lists its table's routes use. */
  prefixLists: Map<string, string[]>;
}

const toTable = (t: RouteTable): DoctorTable => ({
  routeTableId: t.RouteTableId ?? "",
  ...(t.VpcId !== undefined ? { vpcId: t.VpcId } : {}),
  tags: Object.fromEntries((t.Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""])),
  routes: (t.Routes ?? []).map(tableRouteOf),
  propagatingVgws: (t.PropagatingVgws ?? []).flatMap((g) => (g.GatewayId ? [g.GatewayId] : [])),
  subnetIds: (t.Associations ?? []).flatMap((a) => (a.SubnetId ? [a.SubnetId] : [])),
  main: (t.Associations ?? []).some((a) => a.Main === true),
});

const describeTables = async (ctx: DoctorContext, filters: Filter[]): Promise<DoctorTable[]> => {
  const out: DoctorTable[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ctx.clients.ec2.send(
      new DescribeRouteTablesCommand({ Filters: filters, MaxResults: 100, NextToken: nextToken }),
    );
    out.push(...(page.RouteTables ?? []).map(toTable));
    nextToken = page.NextToken;
  } while (nextToken);
  return out.sort((a, b) => (a.routeTableId < b.routeTableId ? -1 : 1));
};

/** The probe subnets and the table each uses (read once per run). */
export const probeSubnets = (ctx: DoctorContext): Promise<ProbeSubnet[]> =>
  cachedRead(ctx, "dx-failover/probe-subnets", async () => {
    const ids = ctx.config.dxFailover.probeVpc.subnetIds;
    if (ids.length === 0) return [];
    const subnets = await loadSubnets(ctx.clients.ec2, ids);
    const vpcs = [...new Set(subnets.map((s) => s.vpcId))];
    const tables = vpcs.length === 0 ? [] : await describeTables(ctx, [{ Name: "vpc-id", Values: vpcs }]);
    const lists = await loadPrefixLists(ctx.clients.ec2, tables);
    return ids.map((subnetId) => {
      const subnet = subnets.find((s) => s.id === subnetId);
      const table =
        tables.find((t) => t.subnetIds.includes(subnetId)) ??
        tables.find((t) => t.main && t.vpcId === subnet?.vpcId);
      return {
        subnetId,
        ...(subnet ? { subnet } : {}),
        ...(table ? { table } : {}),
        prefixLists: lists.entries,
      };
    });
  });

const gatewaysOf = async (ctx: DoctorContext, ids: readonly string[]): Promise<string[]> => {
  const gateways = new Set<string>();
  for (const id of ids) {
    const page = await ctx.clients.directConnect.send(
      new DescribeVirtualInterfacesCommand({ virtualInterfaceId: id }),
    );
    for (const vif of page.virtualInterfaces ?? [])
      if (vif.virtualGatewayId) gateways.add(vif.virtualGatewayId);
  }
  return [...gateways].sort();
};

/** The listed tables that are not among the tagged ones, and whether each exists. */
const listedUntagged = async (
  ctx: DoctorContext,
  listed: readonly string[],
  tagged: readonly DoctorTable[],
): Promise<DxGroupView["listedUntagged"]> => {
  const missing = listed.filter((id) => !tagged.some((t) => t.routeTableId === id));
  if (missing.length === 0) return [];
  const found = await describeTables(ctx, [{ Name: "route-table-id", Values: missing }]);
  return missing.map((id) => ({ routeTableId: id, exists: found.some((t) => t.routeTableId === id) }));
};

const readGroup = async (ctx: DoctorContext, group: DxFailoverGroupConfig): Promise<DxGroupView> => {
  const config = ctx.config.dxFailover;
  const tagged = (
    await describeTables(ctx, [
      { Name: `tag:${config.groupTagKey}`, Values: membershipFilterValues(group.name) },
      ...(group.routeTableIds.length > 0
        ? [{ Name: "route-table-id", Values: [...group.routeTableIds] }]
        : []),
    ])
  ).filter((t) => groupsOfTag(t.tags[config.groupTagKey]).includes(group.name));
  const probeTables = new Set(
    (await probeSubnets(ctx)).flatMap((p) => (p.table ? [p.table.routeTableId] : [])),
  );
  const tables = tagged.filter((t) => !probeTables.has(t.routeTableId));
  const listIds = [
    ...new Set(
      tables.flatMap((t) => t.routes.filter((r) => r.kind === "prefix-list").map((r) => r.destination)),
    ),
  ];
  const [gateways, prefixLists, limits, untagged] = await Promise.all([
    gatewaysOf(ctx, group.virtualInterfaceIds),
    loadPrefixLists(ctx.clients.ec2, tables),
    describePrefixListLimits(ctx.clients.ec2, listIds),
    listedUntagged(ctx, group.routeTableIds, tagged),
  ]);
  return {
    group,
    tables,
    probeTablesEnrolled: tagged.filter((t) => probeTables.has(t.routeTableId)).map((t) => t.routeTableId),
    vpcIds: [...new Set(tables.flatMap((t) => (t.vpcId ? [t.vpcId] : [])))].sort(),
    gateways,
    prefixLists: prefixLists.entries,
    prefixListLimits: limits,
    listedUntagged: untagged,
  };
};

/** Every configured group as the account shows it (read once per run). */
export const dxGroups = (ctx: DoctorContext): Promise<DxGroupView[]> =>
  cachedRead(ctx, "dx-failover/groups", () =>
    Promise.all(ctx.config.dxFailover.groups.map((group) => readGroup(ctx, group))),
  );

export const DX_READS = [
  "ec2:DescribeRouteTables",
  "ec2:DescribeSubnets",
  "ec2:GetManagedPrefixListEntries",
  "ec2:DescribeManagedPrefixLists",
  "directconnect:DescribeVirtualInterfaces",
] as const;
