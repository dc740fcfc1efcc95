import {
  DescribeManagedPrefixListsCommand,
  DescribeRouteTablesCommand,
  type EC2Client,
  GetManagedPrefixListEntriesCommand,
  type Route,
  type RouteTable,
} from "@aws-sdk/client-ec2";
import { awsCall, awsErrorCode, toAwsCallError } from "../../../../shared/aws/errors";
import { formatCidr, parseCidr } from "../../../../shared/net/cidr";
import { loadSubnets } from "../../../../shared/observe/interfaces";
import { routeTargets } from "../../../../shared/observe/loaders";
import type { RouteTarget } from "../../../../shared/observe/model";
import type { PrefixListLimit, TableRoute } from "../plan/effective";
import { groupsOfTag, membershipFilterValues } from "../state";

/** The group's route tables (by membership tag, optionally narrowed to ids), with tags and routes. */

export interface ObservedTable {
  routeTableId: string;
  vpcId?: string;
  tags: Record<string, string>;
  routes: TableRoute[];
}

/** A route created with an instance target is shown with its ENI too: "to the appliance ENI" is the ENI. */
const normaliseTargets = (targets: RouteTarget[]): RouteTarget[] => {
  const eni = targets.find((t) => t.kind === "network-interface");
  return eni !== undefined ? [eni] : targets;
};

const canonical = (text: string) => {
  const cidr = parseCidr(text, { hostBits: "mask" });
  return cidr === undefined ? text : formatCidr(cidr);
};

/** A DescribeRouteTables route with its one destination: IPv4 block, IPv6 block or prefix list. */
export const tableRouteOf = (route: Route): TableRoute => {
  const common = {
    targets: normaliseTargets(routeTargets(route)),
    state: route.State === "blackhole" ? ("blackhole" as const) : ("active" as const),
    origin: route.Origin ?? "CreateRoute",
  };
  if (route.DestinationPrefixListId !== undefined)
    return { destination: route.DestinationPrefixListId, kind: "prefix-list", ...common };
  if (route.DestinationIpv6CidrBlock !== undefined)
    return { destination: canonical(route.DestinationIpv6CidrBlock), kind: "ipv6", ...common };
  return { destination: canonical(route.DestinationCidrBlock ?? ""), kind: "ipv4", ...common };
};

export const loadGroupTables = async (
  ec2: EC2Client,
  groupTagKey: string,
  group: { name: string; routeTableIds: readonly string[] },
): Promise<ObservedTable[]> => {
  const out: ObservedTable[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall("ec2", "DescribeRouteTables", () =>
      ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [
            { Name: `tag:${groupTagKey}`, Values: membershipFilterValues(group.name) },
            ...(group.routeTableIds.length > 0
              ? [{ Name: "route-table-id", Values: [...group.routeTableIds] }]
              : []),
          ],
          MaxResults: 100,
          NextToken: nextToken,
        }),
      ),
    );
    for (const table of page.RouteTables ?? []) {
      const tags = Object.fromEntries((table.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
      // The wildcard filter also matches "lz-prod-2" for "lz-prod *": keep exact members only.
      if (!groupsOfTag(tags[groupTagKey]).includes(group.name)) continue;
      out.push({
        routeTableId: table.RouteTableId ?? "",
        ...(table.VpcId !== undefined ? { vpcId: table.VpcId } : {}),
        tags,
        routes: (table.Routes ?? []).map(tableRouteOf),
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return out.sort((a, b) => (a.routeTableId < b.routeTableId ? -1 : 1));
};

/** The prefix lists the tables' routes use. */
const prefixListIdsOf = (tables: readonly ObservedTable[]): string[] =>
  [
    ...new Set(
      tables.flatMap((t) => t.routes.filter((r) => r.kind === "prefix-list").map((r) => r.destination)),
    ),
  ].sort();

/**
 * The current entries of the prefix lists the tables' routes use (GetManagedPrefixListEntries; a route to
 * a list uses its latest version), and each list's MaxEntries and family (DescribeManagedPrefixLists: a
 * route to a list counts its MaxEntries against the table's route quota). A list that cannot be read stays
 * unresolved and is reported; without its MaxEntries its current entries are counted (a lower bound).
 */
export const loadPrefixLists = async (
  ec2: EC2Client,
  tables: readonly ObservedTable[],
): Promise<{ entries: Map<string, string[]>; limits: Map<string, PrefixListLimit>; problems: string[] }> => {
  const ids = prefixListIdsOf(tables);
  const entries = new Map<string, string[]>();
  const problems: string[] = [];
  for (const id of ids) {
    try {
      entries.set(id, await prefixListEntries(ec2, id));
    } catch (error) {
      const failure = toAwsCallError("ec2", "GetManagedPrefixListEntries", error);
      if (failure.retryable) throw failure;
      problems.push(`prefix list ${id} not readable (${awsErrorCode(error)}): its routes are not judged`);
    }
  }
  const limits = await prefixListLimits(ec2, ids, problems);
  return { entries, limits, problems };
};

const prefixListEntries = async (ec2: EC2Client, id: string): Promise<string[]> => {
  const cidrs: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ec2.send(
      new GetManagedPrefixListEntriesCommand({ PrefixListId: id, MaxResults: 100, NextToken: nextToken }),
    );
    cidrs.push(...(page.Entries ?? []).flatMap((e) => (e.Cidr ? [canonical(e.Cidr)] : [])));
    nextToken = page.NextToken;
  } while (nextToken);
  return cidrs;
};

/**
 * MaxEntries and family of each list (DescribeManagedPrefixLists, paged): the one reader of the function
 * and the doctor. Errors are thrown; each caller decides what a refusal means.
 */
export const describePrefixListLimits = async (
  ec2: EC2Client,
  ids: readonly string[],
): Promise<Map<string, PrefixListLimit>> => {
  const out = new Map<string, PrefixListLimit>();
  if (ids.length === 0) return out;
  let nextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeManagedPrefixListsCommand({ PrefixListIds: [...ids], NextToken: nextToken }),
    );
    for (const list of page.PrefixLists ?? [])
      if (list.PrefixListId && list.MaxEntries !== undefined)
        out.set(list.PrefixListId, {
          maxEntries: list.MaxEntries,
          family: list.AddressFamily === "IPv6" ? "ipv6" : "ipv4",
        });
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
};

/** The limits for the decision: a retryable failure is thrown, a refusal reported (entries counted instead). */
const prefixListLimits = async (
  ec2: EC2Client,
  ids: readonly string[],
  problems: string[],
): Promise<Map<string, PrefixListLimit>> => {
  try {
    return await describePrefixListLimits(ec2, ids);
  } catch (error) {
    const failure = toAwsCallError("ec2", "DescribeManagedPrefixLists", error);
    if (failure.retryable) throw failure;
    problems.push(
      `prefix lists not described (${awsErrorCode(error)}): route headroom counts their current entries, not MaxEntries`,
    );
    return new Map();
  }
};

/**
 * The route tables of the Lambda probe's subnets: a subnet's explicit association, else its VPC's main
 * table (VPC UG "Subnet route tables": a subnet not explicitly associated uses the main route table). Such
 * a table must keep the propagated DX route: if it carries a group tag it is left out of the group (else,
 * once failed over, the DX probe would follow the VPN and a failback would be judged on the VPN's health).
 */
export const loadProbeTables = async (ec2: EC2Client, subnetIds: readonly string[]): Promise<string[]> => {
  if (subnetIds.length === 0) return [];
  const associated = await describeTables(ec2, [{ Name: "association.subnet-id", Values: [...subnetIds] }]);
  const explicit = new Set(
    associated.flatMap((t) => (t.Associations ?? []).flatMap((a) => (a.SubnetId ? [a.SubnetId] : []))),
  );
  const implicit = subnetIds.filter((id) => !explicit.has(id));
  const vpcs = [...new Set((await loadSubnets(ec2, implicit)).map((s) => s.vpcId))].filter((v) => v !== "");
  const main =
    vpcs.length === 0
      ? []
      : await describeTables(ec2, [
          { Name: "association.main", Values: ["true"] },
          { Name: "vpc-id", Values: vpcs },
        ]);
  const ids = [...associated, ...main].flatMap((t) => (t.RouteTableId ? [t.RouteTableId] : []));
  return [...new Set(ids)].sort();
};

const describeTables = async (
  ec2: EC2Client,
  filters: { Name: string; Values: string[] }[],
): Promise<RouteTable[]> => {
  const out: RouteTable[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall("ec2", "DescribeRouteTables", () =>
      ec2.send(new DescribeRouteTablesCommand({ Filters: filters, MaxResults: 100, NextToken: nextToken })),
    );
    out.push(...(page.RouteTables ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
};
