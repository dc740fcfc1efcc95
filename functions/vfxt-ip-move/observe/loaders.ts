import {
  DescribeAddressesCommand,
  DescribeInstanceStatusCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  type Filter,
  type InstanceStatusSummary,
  type RouteTable,
} from "@aws-sdk/client-ec2";
import { awsCall } from "../../../shared/aws/errors";
import { describeNetworkInterfaces, type NetworkInterfaceView } from "../../../shared/observe/interfaces";
import { chunks, routeTargets } from "../../../shared/observe/loaders";
import type { RouteView } from "../../../shared/observe/model";
import type { SubnetState } from "../plan";

/** The reads of vfxt-ip-move that the shared loaders do not have, each scoped to the cluster's VPC. */

export interface StatusView {
  instance?: string;
  system?: string;
  impairedSince?: number;
}

const impairedSince = (summary: InstanceStatusSummary | undefined): number | undefined =>
  summary?.Details?.find((d) => d.ImpairedSince !== undefined)?.ImpairedSince?.getTime();

/** Status checks of these instances, in every state (`IncludeAllInstances`), 100 ids per call. */
export const loadInstanceStatus = async (
  ec2: EC2Client,
  instanceIds: readonly string[],
): Promise<Map<string, StatusView>> => {
  const out = new Map<string, StatusView>();
  for (const ids of chunks([...new Set(instanceIds)], 100)) {
    const page = await awsCall("ec2", "DescribeInstanceStatus", () =>
      ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: ids, IncludeAllInstances: true })),
    );
    for (const s of page.InstanceStatuses ?? []) {
      if (s.InstanceId === undefined) continue;
      const since = [impairedSince(s.InstanceStatus), impairedSince(s.SystemStatus)].flatMap((t) => t ?? []);
      out.set(s.InstanceId, {
        instance: s.InstanceStatus?.Status,
        system: s.SystemStatus?.Status,
        ...(since.length > 0 ? { impairedSince: Math.min(...since) } : {}),
      });
    }
  }
  return out;
};

/** The VPC's IPv4 CIDR blocks: the primary one and every associated secondary one. */
export const loadVpcCidrs = async (ec2: EC2Client, vpcId: string): Promise<string[]> => {
  const page = await awsCall("ec2", "DescribeVpcs", () =>
    ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] })),
  );
  const vpc = page.Vpcs?.[0];
  const blocks = (vpc?.CidrBlockAssociationSet ?? [])
    .filter((b) => b.CidrBlockState?.State === "associated" && b.CidrBlock !== undefined)
    .map((b) => b.CidrBlock as string);
  return [...new Set([...(vpc?.CidrBlock === undefined ? [] : [vpc.CidrBlock]), ...blocks])];
};

/** Every subnet of the VPC with its IPv4 CIDR. */
export const loadVpcSubnets = async (ec2: EC2Client, vpcId: string): Promise<SubnetState[]> => {
  const out: SubnetState[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall("ec2", "DescribeSubnets", () =>
      ec2.send(
        new DescribeSubnetsCommand({
          Filters: [{ Name: "vpc-id", Values: [vpcId] }],
          MaxResults: 1000,
          NextToken: nextToken,
        }),
      ),
    );
    for (const s of page.Subnets ?? []) {
      if (s.SubnetId !== undefined && s.CidrBlock !== undefined)
        out.push({ id: s.SubnetId, cidr: s.CidrBlock });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
};

/** ENIs of the VPC holding any of these addresses (primary or secondary): another VPC's never count. */
export const loadHolders = async (
  ec2: EC2Client,
  vpcId: string,
  addresses: readonly string[],
): Promise<NetworkInterfaceView[]> => {
  const pages = await Promise.all(
    chunks([...new Set(addresses)]).map((part) =>
      describeNetworkInterfaces(ec2, [
        { Name: "vpc-id", Values: [vpcId] },
        { Name: "addresses.private-ip-address", Values: part },
      ]),
    ),
  );
  return [...new Map(pages.flat().map((eni) => [eni.id, eni])).values()];
};

export interface RouteTableView {
  id: string;
  main: boolean;
  /** Subnets explicitly associated with the table. */
  subnetIds: string[];
  routes: RouteView[];
}

const toRouteTableView = (table: RouteTable): RouteTableView => {
  const id = table.RouteTableId ?? "";
  const associations = table.Associations ?? [];
  return {
    id,
    main: associations.some((a) => a.Main === true),
    subnetIds: associations.flatMap((a) => (a.SubnetId === undefined ? [] : [a.SubnetId])),
    routes: (table.Routes ?? []).map((route) => ({
      routeTableId: id,
      destination:
        route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock ?? route.DestinationPrefixListId ?? "",
      targets: routeTargets(route),
      state: route.State === "blackhole" ? "blackhole" : "active",
      origin: route.Origin ?? "CreateRoute",
    })),
  };
};

/** Route tables with their associations and routes (filters: `route-table-id`, or `vpc-id` to discover). */
export const loadRouteTables = async (ec2: EC2Client, filters: Filter[]): Promise<RouteTableView[]> => {
  const out: RouteTableView[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall("ec2", "DescribeRouteTables", () =>
      ec2.send(new DescribeRouteTablesCommand({ Filters: filters, MaxResults: 100, NextToken: nextToken })),
    );
    out.push(...(page.RouteTables ?? []).map(toRouteTableView));
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
};

/** Private addresses (by ENI) that carry an Elastic IP, among these ENIs. */
export const loadElasticIpAddresses = async (
  ec2: EC2Client,
  networkInterfaceIds: readonly string[],
): Promise<Map<string, string[]>> => {
  const out = new Map<string, string[]>();
  for (const ids of chunks([...new Set(networkInterfaceIds)])) {
    const page = await awsCall("ec2", "DescribeAddresses", () =>
      ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: "network-interface-id", Values: ids }] })),
    );
    for (const a of page.Addresses ?? []) {
      if (a.NetworkInterfaceId === undefined || a.PrivateIpAddress === undefined) continue;
      out.set(a.NetworkInterfaceId, [...(out.get(a.NetworkInterfaceId) ?? []), a.PrivateIpAddress]);
    }
  }
  return out;
};

export interface ElasticIpView {
  allocationId: string;
  publicIp: string;
  networkInterfaceId?: string;
  privateIp?: string;
}

/** Elastic IPs by allocation id or by the instance they are associated with. */
export const loadElasticIps = async (
  ec2: EC2Client,
  by: { instanceIds: readonly string[] } | { allocationIds: readonly string[] },
): Promise<ElasticIpView[]> => {
  const ids = "allocationIds" in by ? by.allocationIds : by.instanceIds;
  const out: ElasticIpView[] = [];
  for (const chunk of chunks([...new Set(ids)])) {
    // Filters, not AllocationIds: an Elastic IP released meanwhile is absent, not an error.
    const name = "allocationIds" in by ? "allocation-id" : "instance-id";
    const input = { Filters: [{ Name: name, Values: chunk }] };
    const page = await awsCall("ec2", "DescribeAddresses", () =>
      ec2.send(new DescribeAddressesCommand(input)),
    );
    for (const a of page.Addresses ?? []) {
      if (a.AllocationId === undefined || a.PublicIp === undefined) continue;
      out.push({
        allocationId: a.AllocationId,
        publicIp: a.PublicIp,
        ...(a.NetworkInterfaceId === undefined ? {} : { networkInterfaceId: a.NetworkInterfaceId }),
        ...(a.PrivateIpAddress === undefined ? {} : { privateIp: a.PrivateIpAddress }),
      });
    }
  }
  return out;
};

/** "User initiated (2019-10-02 17:21:00 GMT)": the time of a stop or termination, when EC2 gives one. */
const TRANSITION_TIME = /\((\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) GMT\)/;

export const transitionTime = (reason: string | undefined): number | undefined => {
  const match = reason === undefined ? null : TRANSITION_TIME.exec(reason);
  if (match === null) return undefined;
  const at = Date.parse(`${match[1]}T${match[2]}Z`);
  return Number.isNaN(at) ? undefined : at;
};
