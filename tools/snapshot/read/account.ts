import type { CompositeAlarm, Tag as CwTag, MetricAlarm } from "@aws-sdk/client-cloudwatch";
import type { VirtualInterface } from "@aws-sdk/client-direct-connect";
import type {
  Address,
  Filter,
  Instance,
  InstanceStatus,
  InstanceTypeInfo,
  NetworkInterface,
  RouteTable,
  Subnet,
  SubnetCidrReservation,
  Vpc,
} from "@aws-sdk/client-ec2";
import type { SnapshotClients } from "../clients";
import type { Query, Scope } from "../scope";
import { type PrefixListRead, readCidrReservations, readElasticIps, readPrefixLists } from "./addresses";
import { type GroupRead, readGroups } from "./autoscaling";
import { readAlarms } from "./cloudwatch";
import { readVirtualInterfaces } from "./directconnect";
import {
  type LocalGatewayTable,
  type ReadInstance,
  readInstanceStatus,
  readInstances,
  readInstanceTypes,
  readLocalGatewayTables,
  readNetworkInterfaces,
  readRouteTables,
  readSubnets,
  readVpcs,
} from "./ec2";
import { type OutpostRead, readOutposts } from "./outposts";

/** Everything a snapshot read, as the APIs answered it (the input of the pure mapping, to-fixture.ts). */
export interface AccountRead {
  region: string;
  /** When the reads started (the fixture's clock start). */
  readAt: Date;
  vpcs: Vpc[];
  subnets: Subnet[];
  instances: ReadInstance[];
  instanceStatus: InstanceStatus[];
  instanceTypes: InstanceTypeInfo[];
  networkInterfaces: NetworkInterface[];
  routeTables: RouteTable[];
  localGatewayTables: LocalGatewayTable[];
  groups: GroupRead[];
  metricAlarms: MetricAlarm[];
  compositeAlarms: CompositeAlarm[];
  alarmTags: Map<string, CwTag[]>;
  virtualInterfaces: VirtualInterface[];
  outposts: OutpostRead[];
  elasticIps: Address[];
  cidrReservations: SubnetCidrReservation[];
  prefixLists: PrefixListRead[];
}

const defined = (values: readonly (string | undefined)[]): string[] =>
  [...new Set(values.filter((v): v is string => v !== undefined && v !== ""))].sort();

const missing = (
  wanted: readonly (string | undefined)[],
  have: readonly (string | undefined)[],
): string[] => {
  const known = new Set(have);
  return defined(wanted).filter((id) => !known.has(id));
};

const vpcFilter = (scope: Scope): Filter[] =>
  scope.vpcIds.length > 0 ? [{ Name: "vpc-id", Values: [...scope.vpcIds] }] : [];

const byIds = (filters: Filter[], ids: string[]): Query[] => (ids.length === 0 ? [] : [{ filters, ids }]);

const groupOf = (i: Instance): string | undefined =>
  i.Tags?.find((t) => t.Key === "aws:autoscaling:groupName")?.Value;

/** Instances in scope, the Auto Scaling groups they or the configuration name, and the groups' members. */
const readCompute = async (c: SnapshotClients, scope: Scope) => {
  const instances = await readInstances(c.ec2, scope.instances);
  const names =
    scope.autoScalingGroupNames === undefined
      ? undefined
      : defined([...scope.autoScalingGroupNames, ...instances.map(groupOf)]);
  const groups = await readGroups(c.autoScaling, names, scope.autoScalingGroupFilters);
  // A member's group is read even when the scope's filters left it out: membership is a safety signal
  // (idle-hibernate never hibernates an Auto Scaling member), never dropped from an instance.
  const unread = missing(
    instances.map(groupOf),
    groups.map((g) => g.group.AutoScalingGroupName),
  );
  groups.push(...(await readGroups(c.autoScaling, unread, [])));
  const members = groups.flatMap((g) => [
    ...(g.group.Instances ?? []).map((m) => m.InstanceId),
    ...(g.warmPool?.instances ?? []).map((m) => m.InstanceId),
  ]);
  const extra = missing(
    members,
    instances.map((i) => i.InstanceId),
  );
  instances.push(...(await readInstances(c.ec2, byIds(vpcFilter(scope), extra))));
  return { instances, groups };
};

/** ENIs in scope and those of the instances; instances their attachments name are read too. */
const readInterfaces = async (c: SnapshotClients, scope: Scope, instances: Instance[]) => {
  // Reading the whole Region, the scope's own query already returns every ENI of every instance.
  const ids =
    scope.wholeRegion && scope.vpcIds.length === 0 ? [] : defined(instances.map((i) => i.InstanceId));
  const attachedTo: Query[] = [];
  for (let i = 0; i < ids.length; i += 200)
    attachedTo.push({ filters: [{ Name: "attachment.instance-id", Values: ids.slice(i, i + 200) }] });
  const enis = await readNetworkInterfaces(c.ec2, [...scope.networkInterfaces, ...attachedTo]);
  const extra = missing(
    enis.map((n) => n.Attachment?.InstanceId),
    instances.map((i) => i.InstanceId),
  );
  instances.push(...(await readInstances(c.ec2, byIds(vpcFilter(scope), extra))));
  if (extra.length > 0) {
    const more = await readNetworkInterfaces(c.ec2, [
      { filters: [{ Name: "attachment.instance-id", Values: extra }] },
    ]);
    enis.push(...more.filter((n) => !enis.some((e) => e.NetworkInterfaceId === n.NetworkInterfaceId)));
  }
  return enis;
};

/** Subnets and VPCs: the referenced ones, and every one within `--vpc` when the whole Region is read. */
const readNetwork = async (
  c: SnapshotClients,
  scope: Scope,
  referencedSubnets: string[],
  referencedVpcs: string[],
) => {
  const all = scope.wholeRegion;
  const subnetQueries = all ? [{ filters: vpcFilter(scope) }] : byIds([], referencedSubnets);
  const subnets = await readSubnets(c.ec2, subnetQueries);
  const vpcIds = defined([...referencedVpcs, ...subnets.map((s) => s.VpcId)]);
  const vpcs = await readVpcs(c.ec2, all ? [{ filters: vpcFilter(scope) }] : byIds([], vpcIds));
  return { subnets, vpcs };
};

/** Elastic IPs of the ENIs read (all of them for the whole Region), CIDR reservations, the prefix lists routes use. */
const readAddressing = async (
  c: SnapshotClients,
  scope: Scope,
  enis: NetworkInterface[],
  subnets: Subnet[],
  tables: RouteTable[],
) => ({
  elasticIps: await readElasticIps(
    c.ec2,
    scope.wholeRegion && scope.vpcIds.length === 0
      ? undefined
      : defined(enis.map((n) => n.NetworkInterfaceId)),
  ),
  cidrReservations: await readCidrReservations(c.ec2, defined(subnets.map((s) => s.SubnetId))),
  prefixLists: await readPrefixLists(
    c.ec2,
    defined(tables.flatMap((t) => (t.Routes ?? []).map((r) => r.DestinationPrefixListId))),
  ),
});

/** Reads the account within the scope (read-only calls only). */
export const readAccount = async (
  c: SnapshotClients,
  scope: Scope,
  region: string,
  now: Date,
): Promise<AccountRead> => {
  const { instances, groups } = await readCompute(c, scope);
  const networkInterfaces = await readInterfaces(c, scope, instances);
  const routeTables = await readRouteTables(c.ec2, scope.routeTables);
  const localGatewayTables = await readLocalGatewayTables(c.ec2, scope.localGatewayRouteTables);
  const { subnets, vpcs } = await readNetwork(
    c,
    scope,
    defined([
      ...scope.subnetIds,
      ...instances.map((i) => i.SubnetId),
      ...networkInterfaces.map((n) => n.SubnetId),
      ...routeTables.flatMap((t) => (t.Associations ?? []).map((a) => a.SubnetId)),
      ...groups.flatMap((g) => (g.group.VPCZoneIdentifier ?? "").split(",")),
    ]),
    defined([...routeTables.map((t) => t.VpcId), ...instances.map((i) => i.VpcId)]),
  );
  const outpostIds = defined([
    ...scope.outpostIds,
    ...[...subnets.map((s) => s.OutpostArn), ...localGatewayTables.map((t) => t.table.OutpostArn)].map(
      (arn) => arn?.split("/")[1],
    ),
  ]);
  const alarms = await readAlarms(c.cloudWatch, scope.alarmNamePrefixes);
  const instanceIds = defined(instances.map((i) => i.InstanceId));
  return {
    region,
    readAt: now,
    vpcs,
    subnets,
    instances,
    instanceStatus: instanceIds.length === 0 ? [] : await readInstanceStatus(c.ec2, instanceIds),
    instanceTypes: await readInstanceTypes(c.ec2, defined(instances.map((i) => i.InstanceType))),
    networkInterfaces,
    routeTables,
    localGatewayTables,
    groups,
    metricAlarms: alarms.metricAlarms,
    compositeAlarms: alarms.compositeAlarms,
    alarmTags: alarms.tags,
    virtualInterfaces: await readVirtualInterfaces(c.directConnect, scope.virtualInterfaceIds),
    outposts: await readOutposts(c.outposts, c.cloudWatch, outpostIds, now),
    ...(await readAddressing(c, scope, networkInterfaces, subnets, routeTables)),
  };
};
