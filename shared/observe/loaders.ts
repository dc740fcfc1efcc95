import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  type MetricAlarm,
  type MetricDataQuery,
  type StateValue,
} from "@aws-sdk/client-cloudwatch";
import {
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeLocalGatewayRouteTablesCommand,
  DescribeRouteTablesCommand,
  type EC2Client,
  type Filter,
  type Instance,
  type InstanceTypeInfo,
  type LocalGatewayRoute,
  type Route,
  SearchLocalGatewayRoutesCommand,
} from "@aws-sdk/client-ec2";
import { awsCall } from "../aws/errors";
import {
  type AlarmQueryView,
  type AlarmView,
  AUTO_SCALING_GROUP_TAG,
  type InstanceStateName,
  type InstanceView,
  type LocalGatewayRouteView,
  type RouteTarget,
  type RouteView,
} from "./model";

/** Fresh reads of the account. Every loader paginates and filters server-side. */

/** EC2 allows at most 200 values in one filter. */
export const chunks = <T>(items: readonly T[], size = 200): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

const tagsOf = (tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Record<string, string> =>
  Object.fromEntries(
    (tags ?? []).filter((tag) => tag.Key !== undefined).map((tag) => [tag.Key, tag.Value ?? ""]),
  );

/** How the instance was launched: root device, lifecycle, capacity, operator, monitoring. */
const launchFacts = (instance: Instance): Partial<InstanceView> => {
  const spec = instance.CapacityReservationSpecification;
  const target = spec?.CapacityReservationTarget;
  return {
    rootDeviceType: instance.RootDeviceType,
    instanceLifecycle: instance.InstanceLifecycle,
    capacityReservationId: instance.CapacityReservationId,
    capacityReservation:
      spec === undefined
        ? undefined
        : {
            preference: spec.CapacityReservationPreference,
            targeted:
              target?.CapacityReservationId !== undefined ||
              target?.CapacityReservationResourceGroupArn !== undefined,
          },
    operator:
      instance.Operator === undefined
        ? undefined
        : { managed: instance.Operator.Managed === true, principal: instance.Operator.Principal },
    monitoringState: instance.Monitoring?.State,
  };
};

const toInstanceView = (instance: Instance): InstanceView => {
  const tags = tagsOf(instance.Tags);
  const interfaces = [...(instance.NetworkInterfaces ?? [])].sort(
    (a, b) => (a.Attachment?.DeviceIndex ?? 0) - (b.Attachment?.DeviceIndex ?? 0),
  );
  return {
    id: instance.InstanceId ?? "",
    state: (instance.State?.Name ?? "pending") as InstanceStateName,
    instanceType: instance.InstanceType ?? "unknown",
    launchTime: instance.LaunchTime ?? new Date(0),
    tags,
    hibernationConfigured: instance.HibernationOptions?.Configured === true,
    subnetId: instance.SubnetId,
    vpcId: instance.VpcId,
    availabilityZone: instance.Placement?.AvailabilityZone,
    outpostArn: instance.OutpostArn,
    networkInterfaceIds: interfaces.map((eni) => eni.NetworkInterfaceId ?? "").filter((id) => id !== ""),
    stateReasonCode: instance.StateReason?.Code,
    stateTransitionReason: instance.StateTransitionReason,
    autoScalingGroup: tags[AUTO_SCALING_GROUP_TAG],
    ...launchFacts(instance),
  };
};

/**
 * Instances by id. Uses an `instance-id` filter rather than `InstanceIds`: with InstanceIds, one unknown
 * id fails the whole call (`InvalidInstanceID.NotFound`); with the filter, unknown ids are simply absent.
 */
export const loadInstances = async (
  ec2: EC2Client,
  instanceIds: readonly string[],
): Promise<InstanceView[]> => {
  const out: InstanceView[] = [];
  for (const ids of chunks([...new Set(instanceIds)], 200)) {
    out.push(...(await describeInstances(ec2, [{ Name: "instance-id", Values: ids }])));
  }
  return out;
};

/**
 * What the instance types of a client's Region are, as far as asked: an instance type's facts (network
 * limits, instance store, hibernation support) are fixed by its name, so a warm container asks for each
 * type once. Keyed by the client (created once per container and Region, shared/aws/clients.ts). Only
 * types DescribeInstanceTypes returned are kept: an unknown type is asked again next time.
 */
const knownTypes = new WeakMap<EC2Client, Map<string, InstanceTypeInfo>>();

/**
 * The named instance types' facts, paginated, by the `instance-type` filter: a type the Region does not
 * know is absent from the map (the `InstanceTypes` parameter would fail the whole call with
 * InvalidInstanceType). Types this client has already described are not asked for again.
 */
export const describeInstanceTypes = async (
  ec2: EC2Client,
  names: readonly string[],
): Promise<Map<string, InstanceTypeInfo>> => {
  const known = knownTypes.get(ec2) ?? new Map<string, InstanceTypeInfo>();
  knownTypes.set(ec2, known);
  const out = new Map<string, InstanceTypeInfo>();
  const unique = [...new Set(names)].filter((name) => name !== "");
  for (const name of unique) {
    const info = known.get(name);
    if (info !== undefined) out.set(name, info);
  }
  for (const part of chunks(
    unique.filter((name) => !out.has(name)),
    100,
  )) {
    let nextToken: string | undefined;
    do {
      const page = await awsCall("ec2", "DescribeInstanceTypes", () =>
        ec2.send(
          new DescribeInstanceTypesCommand({
            Filters: [{ Name: "instance-type", Values: part }],
            NextToken: nextToken,
          }),
        ),
      );
      for (const type of page.InstanceTypes ?? []) {
        if (!type.InstanceType) continue;
        out.set(type.InstanceType, type);
        known.set(type.InstanceType, type);
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return out;
};

export const describeInstances = async (ec2: EC2Client, filters: Filter[]): Promise<InstanceView[]> => {
  const out: InstanceView[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall("ec2", "DescribeInstances", () =>
      ec2.send(new DescribeInstancesCommand({ Filters: filters, MaxResults: 1000, NextToken: nextToken })),
    );
    for (const reservation of page.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) out.push(toInstanceView(instance));
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
};

/** Every target a route lists (an instance route shows its ENI too). */
export const routeTargets = (route: Route): RouteTarget[] => {
  const targets: RouteTarget[] = [];
  if (route.NetworkInterfaceId) targets.push({ kind: "network-interface", id: route.NetworkInterfaceId });
  if (route.InstanceId) targets.push({ kind: "instance", id: route.InstanceId });
  if (route.GatewayId) targets.push({ kind: "gateway", id: route.GatewayId });
  if (route.LocalGatewayId) targets.push({ kind: "local-gateway", id: route.LocalGatewayId });
  const other =
    route.NatGatewayId ?? route.TransitGatewayId ?? route.VpcPeeringConnectionId ?? route.CoreNetworkArn;
  if (other) targets.push({ kind: "other", id: other });
  return targets;
};

const routeDestination = (route: Route): string =>
  route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock ?? route.DestinationPrefixListId ?? "";

export const describeRoutes = async (ec2: EC2Client, filters: Filter[]): Promise<RouteView[]> => {
  const out: RouteView[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall("ec2", "DescribeRouteTables", () =>
      ec2.send(new DescribeRouteTablesCommand({ Filters: filters, MaxResults: 100, NextToken: nextToken })),
    );
    for (const table of page.RouteTables ?? []) {
      for (const route of table.Routes ?? []) {
        out.push({
          routeTableId: table.RouteTableId ?? "",
          destination: routeDestination(route),
          targets: routeTargets(route),
          state: route.State === "blackhole" ? "blackhole" : "active",
          origin: route.Origin ?? "CreateRoute",
        });
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
};

/**
 * Routes (in any route table of the account) whose target is one of these instances. EC2 keeps a route
 * created with an instance target as a route to the instance's primary ENI and shows both ids, and a
 * route to an attached ENI shows the instance too: one query on the instances' ENIs finds both kinds.
 * Instances without a known ENI are queried by instance id.
 */
export const loadRoutesTargeting = async (
  ec2: EC2Client,
  instances: ReadonlyArray<{ id: string; networkInterfaceIds: readonly string[] }>,
): Promise<RouteView[]> => {
  const enis = instances.flatMap((instance) => instance.networkInterfaceIds);
  const bare = instances.filter((instance) => instance.networkInterfaceIds.length === 0).map((i) => i.id);
  const wanted = new Set([...enis, ...instances.map((instance) => instance.id)]);
  const queries: Promise<RouteView[]>[] = [];
  for (const ids of chunks(enis, 200))
    queries.push(describeRoutes(ec2, [{ Name: "route.network-interface-id", Values: ids }]));
  for (const ids of chunks(bare, 200))
    queries.push(describeRoutes(ec2, [{ Name: "route.instance-id", Values: ids }]));
  const seen = new Set<string>();
  const out: RouteView[] = [];
  for (const route of (await Promise.all(queries)).flat()) {
    if (!route.targets.some((target) => wanted.has(target.id))) continue;
    const key = `${route.routeTableId}|${route.destination}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(route);
  }
  return out;
};

/** Every static route of a local gateway route table (paginated, 100 per page). */
export const searchStaticLocalGatewayRoutes = async (
  ec2: EC2Client,
  tableId: string,
): Promise<LocalGatewayRoute[]> => {
  const out: LocalGatewayRoute[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall("ec2", "SearchLocalGatewayRoutes", () =>
      ec2.send(
        new SearchLocalGatewayRoutesCommand({
          LocalGatewayRouteTableId: tableId,
          Filters: [{ Name: "type", Values: ["static"] }],
          MaxResults: 100,
          NextToken: nextToken,
        }),
      ),
    );
    out.push(...(page.Routes ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
};

/** Local gateway routes (Outposts) of the given Outposts whose target is one of these ENIs. */
export const loadLocalGatewayRoutesTargeting = async (
  ec2: EC2Client,
  outpostArns: readonly string[],
  networkInterfaceIds: readonly string[],
): Promise<LocalGatewayRouteView[]> => {
  if (outpostArns.length === 0 || networkInterfaceIds.length === 0) return [];
  const wanted = new Set(networkInterfaceIds);
  const tables = await awsCall("ec2", "DescribeLocalGatewayRouteTables", () =>
    ec2.send(
      new DescribeLocalGatewayRouteTablesCommand({
        Filters: [{ Name: "outpost-arn", Values: [...new Set(outpostArns)] }],
      }),
    ),
  );
  const out: LocalGatewayRouteView[] = [];
  for (const table of tables.LocalGatewayRouteTables ?? []) {
    const tableId = table.LocalGatewayRouteTableId;
    if (tableId === undefined) continue;
    for (const route of await searchStaticLocalGatewayRoutes(ec2, tableId)) {
      if (route.NetworkInterfaceId === undefined || !wanted.has(route.NetworkInterfaceId)) continue;
      out.push({
        localGatewayRouteTableId: tableId,
        destination: route.DestinationCidrBlock ?? route.DestinationPrefixListId ?? "",
        networkInterfaceId: route.NetworkInterfaceId,
        state: route.State ?? "unknown",
        type: route.Type ?? "static",
      });
    }
  }
  return out;
};

const dimensionsOf = (dimensions: ReadonlyArray<{ Name?: string; Value?: string }> | undefined) =>
  Object.fromEntries((dimensions ?? []).map((d) => [d.Name ?? "", d.Value ?? ""]));

const toQueryView = (query: MetricDataQuery): AlarmQueryView => {
  const stat = query.MetricStat;
  return {
    id: query.Id ?? "",
    // ReturnData defaults to true in the API.
    returnData: query.ReturnData !== false,
    expression: query.Expression,
    metric:
      stat === undefined
        ? undefined
        : {
            namespace: stat.Metric?.Namespace,
            metricName: stat.Metric?.MetricName,
            dimensions: dimensionsOf(stat.Metric?.Dimensions),
            periodSeconds: stat.Period,
            stat: stat.Stat,
          },
  };
};

const toAlarmView = (alarm: MetricAlarm): AlarmView => ({
  name: alarm.AlarmName ?? "",
  arn: alarm.AlarmArn ?? "",
  state: (alarm.StateValue ?? "INSUFFICIENT_DATA") as AlarmView["state"],
  stateUpdated: alarm.StateUpdatedTimestamp ?? new Date(0),
  namespace: alarm.Namespace,
  metricName: alarm.MetricName,
  dimensions: dimensionsOf(alarm.Dimensions),
  metricDimensions: [
    ...(alarm.Dimensions && alarm.Dimensions.length > 0 ? [dimensionsOf(alarm.Dimensions)] : []),
    ...(alarm.Metrics ?? [])
      .filter((query) => query.MetricStat?.Metric !== undefined)
      .map((query) => dimensionsOf(query.MetricStat?.Metric?.Dimensions)),
  ],
  statistic: alarm.Statistic,
  periodSeconds: alarm.Period,
  evaluationPeriods: alarm.EvaluationPeriods,
  datapointsToAlarm: alarm.DatapointsToAlarm,
  threshold: alarm.Threshold,
  comparisonOperator: alarm.ComparisonOperator,
  treatMissingData: alarm.TreatMissingData,
  actions: alarm.AlarmActions ?? [],
  actionsEnabled: alarm.ActionsEnabled !== false,
  queries: (alarm.Metrics ?? []).map(toQueryView),
  description: alarm.AlarmDescription,
});

/** Metric alarms by exact names or by name prefix (optionally only those in one state). */
export const loadMetricAlarms = async (
  cloudWatch: CloudWatchClient,
  query: { names: readonly string[] } | { prefix: string; state?: StateValue },
): Promise<AlarmView[]> => {
  const out: AlarmView[] = [];
  const batches = "names" in query ? chunks(query.names, 100) : [undefined];
  for (const names of batches) {
    if (names !== undefined && names.length === 0) continue;
    let nextToken: string | undefined;
    do {
      const page = await awsCall("monitoring", "DescribeAlarms", () =>
        cloudWatch.send(
          new DescribeAlarmsCommand({
            AlarmNames: names,
            AlarmNamePrefix: "prefix" in query ? query.prefix : undefined,
            StateValue: "state" in query ? query.state : undefined,
            AlarmTypes: ["MetricAlarm"],
            MaxRecords: 100,
            NextToken: nextToken,
          }),
        ),
      );
      out.push(...(page.MetricAlarms ?? []).map(toAlarmView));
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return out;
};
