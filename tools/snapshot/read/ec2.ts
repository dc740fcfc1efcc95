import type { EC2Client } from "@aws-sdk/client-ec2";
import {
  DescribeInstanceStatusCommand,
  type Filter,
  type Instance,
  type InstanceStatus,
  type InstanceTypeInfo,
  type LocalGatewayRoute,
  type LocalGatewayRouteTable,
  type NetworkInterface,
  paginateDescribeInstances,
  paginateDescribeInstanceTypes,
  paginateDescribeLocalGatewayRouteTables,
  paginateDescribeNetworkInterfaces,
  paginateDescribeRouteTables,
  paginateDescribeSubnets,
  paginateDescribeVpcs,
  paginateSearchLocalGatewayRoutes,
  type RouteTable,
  type Subnet,
  type Vpc,
} from "@aws-sdk/client-ec2";
import { type Query, uniqueBy } from "../scope";

/** EC2's own page size limits: DescribeInstances 5–1000, the others 5–1000 or 5–100 (instance types). */
const PAGE = 1000;
const TYPE_PAGE = 100;
/** At most 200 values per filter (EC2 `Filter.N.Value.N`); ids are read in chunks of this many. */
export const FILTER_VALUES = 200;

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/** Every page of a paginated Describe*, flattened. */
const collect = async <P, T>(pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> => {
  const out: T[] = [];
  for await (const page of pages) out.push(...(items(page) ?? []));
  return out;
};

/** One Describe* per query (a query's ids as an id filter, in chunks), deduplicated by id. */
const byQueries = async <T>(
  queries: readonly Query[],
  idFilter: string,
  read: (filters: Filter[]) => Promise<T[]>,
  id: (item: T) => string | undefined,
): Promise<T[]> => {
  const out: T[] = [];
  for (const q of queries) {
    if (q.ids === undefined) out.push(...(await read(q.filters)));
    else
      for (const ids of chunks(q.ids, FILTER_VALUES))
        out.push(...(await read([...q.filters, { Name: idFilter, Values: ids }])));
  }
  return uniqueBy(out, id);
};

/** An instance with the id of its reservation (DescribeInstances answers reservations). */
export type ReadInstance = Instance & { ReservationId?: string };

export const readInstances = (ec2: EC2Client, queries: readonly Query[]): Promise<ReadInstance[]> =>
  byQueries(
    queries,
    "instance-id",
    (Filters) =>
      collect(paginateDescribeInstances({ client: ec2, pageSize: PAGE }, { Filters }), (p) =>
        p.Reservations?.flatMap((r) =>
          (r.Instances ?? []).map((i) => ({ ...i, ReservationId: r.ReservationId })),
        ),
      ),
    (i) => i.InstanceId,
  );

/** DescribeInstanceStatus has no `instance-id` filter and takes at most 100 ids, without MaxResults. */
const STATUS_IDS = 100;

export const readInstanceStatus = async (
  ec2: EC2Client,
  instanceIds: readonly string[],
): Promise<InstanceStatus[]> => {
  const out: InstanceStatus[] = [];
  for (const ids of chunks(instanceIds, STATUS_IDS)) {
    let NextToken: string | undefined;
    do {
      const page = await ec2.send(
        new DescribeInstanceStatusCommand({ InstanceIds: ids, IncludeAllInstances: true, NextToken }),
      );
      out.push(...(page.InstanceStatuses ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
  }
  return out;
};

export const readInstanceTypes = async (
  ec2: EC2Client,
  names: readonly string[],
): Promise<InstanceTypeInfo[]> => {
  const out: InstanceTypeInfo[] = [];
  for (const types of chunks(names, TYPE_PAGE)) {
    const pages = paginateDescribeInstanceTypes(
      { client: ec2, pageSize: TYPE_PAGE },
      { Filters: [{ Name: "instance-type", Values: types }] },
    );
    out.push(...(await collect(pages, (p) => p.InstanceTypes)));
  }
  return out;
};

export const readNetworkInterfaces = (
  ec2: EC2Client,
  queries: readonly Query[],
): Promise<NetworkInterface[]> =>
  byQueries(
    queries,
    "network-interface-id",
    (Filters) =>
      collect(
        paginateDescribeNetworkInterfaces({ client: ec2, pageSize: PAGE }, { Filters }),
        (p) => p.NetworkInterfaces,
      ),
    (n) => n.NetworkInterfaceId,
  );

export const readRouteTables = (ec2: EC2Client, queries: readonly Query[]): Promise<RouteTable[]> =>
  byQueries(
    queries,
    "route-table-id",
    (Filters) =>
      collect(paginateDescribeRouteTables({ client: ec2, pageSize: 100 }, { Filters }), (p) => p.RouteTables),
    (t) => t.RouteTableId,
  );

export const readSubnets = (ec2: EC2Client, queries: readonly Query[]): Promise<Subnet[]> =>
  byQueries(
    queries,
    "subnet-id",
    (Filters) =>
      collect(paginateDescribeSubnets({ client: ec2, pageSize: PAGE }, { Filters }), (p) => p.Subnets),
    (s) => s.SubnetId,
  );

export const readVpcs = (ec2: EC2Client, queries: readonly Query[]): Promise<Vpc[]> =>
  byQueries(
    queries,
    "vpc-id",
    (Filters) => collect(paginateDescribeVpcs({ client: ec2, pageSize: PAGE }, { Filters }), (p) => p.Vpcs),
    (v) => v.VpcId,
  );

export interface LocalGatewayTable {
  table: LocalGatewayRouteTable;
  routes: LocalGatewayRoute[];
}

/** Local gateway route tables and their routes (SearchLocalGatewayRoutes needs a filter: `type`). */
export const readLocalGatewayTables = async (
  ec2: EC2Client,
  queries: readonly Query[],
): Promise<LocalGatewayTable[]> => {
  const tables = await byQueries(
    queries,
    "local-gateway-route-table-id",
    (Filters) =>
      collect(
        paginateDescribeLocalGatewayRouteTables({ client: ec2, pageSize: PAGE }, { Filters }),
        (p) => p.LocalGatewayRouteTables,
      ),
    (t) => t.LocalGatewayRouteTableId,
  );
  const out: LocalGatewayTable[] = [];
  for (const table of tables) {
    const pages = paginateSearchLocalGatewayRoutes(
      { client: ec2, pageSize: PAGE },
      {
        LocalGatewayRouteTableId: table.LocalGatewayRouteTableId,
        Filters: [{ Name: "type", Values: ["static", "propagated"] }],
      },
    );
    out.push({ table, routes: await collect(pages, (p) => p.Routes) });
  }
  return out;
};
