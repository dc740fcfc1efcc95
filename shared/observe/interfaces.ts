import {
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  type EC2Client,
  type Filter,
  type NetworkInterface,
} from "@aws-sdk/client-ec2";
import { awsCall } from "../aws/errors";
import { chunks, describeInstanceTypes } from "./loaders";

/** ENIs with their private IPs, subnets, and the instance types' address limits: fresh, paginated reads. */

export interface NetworkInterfaceView {
  id: string;
  subnetId: string;
  vpcId: string;
  availabilityZone?: string;
  status: string;
  primaryPrivateIp: string;
  secondaryPrivateIps: string[];
  sourceDestCheck: boolean;
  attachment?: { instanceId: string; deviceIndex: number; status: string };
  tags: Readonly<Record<string, string>>;
}

export interface SubnetView {
  id: string;
  vpcId: string;
  cidrBlock: string;
  availabilityZone?: string;
  /** The Outpost the subnet is on (absent for a subnet in the Region). */
  outpostArn?: string;
}

const toNetworkInterfaceView = (eni: NetworkInterface): NetworkInterfaceView => {
  const addresses = eni.PrivateIpAddresses ?? [];
  const attachment = eni.Attachment;
  return {
    id: eni.NetworkInterfaceId ?? "",
    subnetId: eni.SubnetId ?? "",
    vpcId: eni.VpcId ?? "",
    availabilityZone: eni.AvailabilityZone,
    status: eni.Status ?? "unknown",
    primaryPrivateIp: eni.PrivateIpAddress ?? addresses.find((a) => a.Primary)?.PrivateIpAddress ?? "",
    secondaryPrivateIps: addresses
      .filter((a) => a.Primary !== true && a.PrivateIpAddress !== undefined)
      .map((a) => a.PrivateIpAddress as string),
    sourceDestCheck: eni.SourceDestCheck !== false,
    attachment:
      attachment?.InstanceId === undefined
        ? undefined
        : {
            instanceId: attachment.InstanceId,
            deviceIndex: attachment.DeviceIndex ?? 0,
            status: attachment.Status ?? "attached",
          },
    tags: Object.fromEntries(
      (eni.TagSet ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key, t.Value ?? ""]),
    ),
  };
};

/** ENIs matching the filters (e.g. `attachment.instance-id`, `addresses.private-ip-address`). */
export const describeNetworkInterfaces = async (
  ec2: EC2Client,
  filters: Filter[],
): Promise<NetworkInterfaceView[]> => {
  const out: NetworkInterfaceView[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall("ec2", "DescribeNetworkInterfaces", () =>
      ec2.send(
        new DescribeNetworkInterfacesCommand({ Filters: filters, MaxResults: 1000, NextToken: nextToken }),
      ),
    );
    out.push(...(page.NetworkInterfaces ?? []).map(toNetworkInterfaceView));
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
};

/** Filters with one list-valued filter split into chunks of 200 values; results deduplicated by ENI id. */
const describeByValues = async (
  ec2: EC2Client,
  name: string,
  values: readonly string[],
): Promise<NetworkInterfaceView[]> => {
  const unique = [...new Set(values)];
  if (unique.length === 0) return [];
  const pages = await Promise.all(
    chunks(unique).map((part) => describeNetworkInterfaces(ec2, [{ Name: name, Values: part }])),
  );
  const seen = new Map<string, NetworkInterfaceView>();
  for (const eni of pages.flat()) seen.set(eni.id, eni);
  return [...seen.values()];
};

/** ENIs attached to these instances. */
export const loadInterfacesOfInstances = (ec2: EC2Client, instanceIds: readonly string[]) =>
  describeByValues(ec2, "attachment.instance-id", instanceIds);

/** ENIs holding any of these private IPv4 addresses (primary or secondary). */
export const loadInterfacesHoldingAddresses = (ec2: EC2Client, addresses: readonly string[]) =>
  describeByValues(ec2, "addresses.private-ip-address", addresses);

export const loadSubnets = async (ec2: EC2Client, subnetIds: readonly string[]): Promise<SubnetView[]> => {
  const unique = [...new Set(subnetIds)].filter((id) => id !== "");
  if (unique.length === 0) return [];
  const out: SubnetView[] = [];
  for (const part of chunks(unique)) {
    let nextToken: string | undefined;
    do {
      const page = await awsCall("ec2", "DescribeSubnets", () =>
        ec2.send(
          new DescribeSubnetsCommand({
            Filters: [{ Name: "subnet-id", Values: part }],
            MaxResults: 1000,
            NextToken: nextToken,
          }),
        ),
      );
      for (const subnet of page.Subnets ?? []) {
        out.push({
          id: subnet.SubnetId ?? "",
          vpcId: subnet.VpcId ?? "",
          cidrBlock: subnet.CidrBlock ?? "",
          availabilityZone: subnet.AvailabilityZone,
          ...(subnet.OutpostArn === undefined ? {} : { outpostArn: subnet.OutpostArn }),
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return out;
};

/** `NetworkInfo.Ipv4AddressesPerInterface` (primary address included) by instance type. */
export const loadAddressLimits = async (
  ec2: EC2Client,
  instanceTypes: readonly string[],
): Promise<Record<string, number>> => {
  const types = await describeInstanceTypes(
    ec2,
    instanceTypes.filter((t) => t !== "unknown"),
  );
  const out: Record<string, number> = {};
  for (const [name, type] of types) {
    const limit = type.NetworkInfo?.Ipv4AddressesPerInterface;
    if (limit !== undefined) out[name] = limit;
  }
  return out;
};
