/**
 * Plain JSON snapshots of the account state and readable diffs between two of them, for the replay
 * command's "before / after" and for tests. Field names follow the AWS API (`State`, `Tags.<key>`),
 * computed values (route `State`, Auto Scaling `HealthStatus`, the BGP status a failover test shows) are
 * included so their changes show.
 */
import type { MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { listedRoutes, peerStatus, planeSummary, shownVifState } from "./dx";
import { currentPrefixListCidrs } from "./prefix-lists";
import { compareStrings } from "./query";
import type { RegionState, ServiceEvent } from "./state";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface InstanceSnapshot {
  InstanceType: string;
  State: string;
  StateReason?: string;
  StateTransitionReason: string;
  HibernationConfigured: boolean;
  DisableApiStop: boolean;
  SubnetId: string;
  PrivateIpAddress: string;
  AutoScalingGroup?: string;
  /** When a pending transition completes (ISO), e.g. stopping → stopped. */
  TransitionDue?: string;
  /** Status checks (`DescribeInstanceStatus`): ok, impaired, initializing, insufficient-data, not-applicable. */
  InstanceStatus?: string;
  SystemStatus?: string;
  Tags: Record<
    string,
    string
  > /** Shown only when not the default (`ebs`, On-Demand, no reservation, basic monitoring). */;
  RootDeviceType?: string;
  InstanceLifecycle?: string;
  CapacityReservationId?: string;
  Monitoring?: string;
  /** `LaunchTime`: the last start (the idle window is counted from it). */
  LaunchTime: string;
  /** `Operator.Managed` (shown only when true): a service such as EKS Auto Mode manages the instance. */
  OperatorManaged?: true;
  /** A fact of the type, not an instance field: it has instance store volumes (shown only when true). */
  HasInstanceStore?: true;
  /** Model facts of the last stop, not AWS fields: RAM kept by a hibernation, instance store data lost. */
  MemoryPreserved?: boolean;
  InstanceStoreDataLost?: boolean;
}

export interface ElasticIpSnapshot {
  PublicIp: string;
  NetworkInterfaceId?: string;
  PrivateIpAddress?: string;
}

export interface SubnetCidrReservationSnapshot {
  SubnetId: string;
  Cidr: string;
  ReservationType: string;
  Tags: Record<string, string>;
}

export interface NetworkInterfaceSnapshot {
  Status: string;
  SubnetId: string;
  PrivateIpAddresses: string[];
  SourceDestCheck: boolean;
  Attachment?: { InstanceId: string; DeviceIndex: number; NetworkCardIndex: number; Status: string };
  Tags: Record<string, string>;
}

export interface RouteSnapshot {
  Target: string;
  Origin: string;
  State: string;
}

export interface RouteTableSnapshot {
  VpcId: string;
  /** Keyed by destination; a propagated route beside a static one is keyed `<cidr> (propagated)`. */
  Routes: Record<string, RouteSnapshot>;
  PropagatingVgws: string[];
  Associations: string[];
  Tags: Record<string, string>;
}

export interface LocalGatewayRouteTableSnapshot {
  Routes: Record<string, { Target: string; Type: string; State: string }>;
  Tags: Record<string, string>;
}

export interface VirtualInterfaceSnapshot {
  State: string;
  /** `up` while both families forward packets, `down` while neither does, else `partial`. */
  DataPlane: "up" | "down" | "partial";
  /** Per family: whether packets cross the interface. */
  DataPlanes?: { ipv4: "up" | "down"; ipv6: "up" | "down" };
  /** By peer id: the BGP status DescribeVirtualInterfaces shows. */
  BgpPeers: Record<string, { AddressFamily: string; BgpStatus: string }>;
}

export interface BgpFailoverTestSnapshot {
  VirtualInterfaceId: string;
  BgpPeers: string[];
  Status: string;
  StartTime: string;
  EndTime?: string;
}

export interface AutoScalingGroupSnapshot {
  DesiredCapacity: number;
  Instances: Record<string, { LifecycleState: string; HealthStatus: string }>;
  /** Pending lifecycle actions, keyed `<instance id> <hook name>` (only when there are some). */
  LifecycleActions?: Record<string, { Token: string; Transition: string; TimeoutAt: string }>;
  /** Instance refreshes by id (only when there are some). */
  InstanceRefreshes?: Record<string, { Status: string; InstancesToUpdate: number }>;
}

export interface AlarmSnapshot {
  Type: "MetricAlarm" | "CompositeAlarm";
  StateValue: string;
  StateReason: string;
  StateUpdatedTimestamp: string;
  Namespace?: string;
  MetricName?: string;
  Dimensions?: Record<string, string>;
  Statistic?: string;
  Period?: number;
  EvaluationPeriods?: number;
  DatapointsToAlarm?: number;
  Threshold?: number;
  ComparisonOperator?: string;
  AlarmRule?: string;
  /** Metric-math alarms: each query by Id, `Namespace MetricName Dim=Value Stat Period` or the expression; `*` marks ReturnData. */
  Metrics?: Record<string, string>;
  ActionsEnabled: boolean;
  Tags: Record<string, string>;
}

export interface PublishedEventSnapshot {
  EventId: string;
  At: string;
  Region: string;
  EventBusName: string;
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
}

export interface AccountSnapshot {
  at: string;
  accountId: string;
  region: string;
  instances: Record<string, InstanceSnapshot>;
  networkInterfaces: Record<string, NetworkInterfaceSnapshot>;
  routeTables: Record<string, RouteTableSnapshot>;
  localGatewayRouteTables: Record<string, LocalGatewayRouteTableSnapshot>;
  autoScalingGroups: Record<string, AutoScalingGroupSnapshot>;
  alarms: Record<string, AlarmSnapshot>;
  /** Elastic IPs by allocation id and subnet CIDR reservations by id (vfxt-ip-move). */
  elasticIps: Record<string, ElasticIpSnapshot>;
  subnetCidrReservations: Record<string, SubnetCidrReservationSnapshot>;
  /** Direct Connect interfaces and failover tests (by test id); prefix lists' current entries. */
  virtualInterfaces: Record<string, VirtualInterfaceSnapshot>;
  bgpFailoverTests: Record<string, BgpFailoverTestSnapshot>;
  managedPrefixLists: Record<string, { Version: number; Entries: string[] }>;
  /** Entries accepted by PutEvents, in order. */
  publishedEvents: PublishedEventSnapshot[];
  /** Events AWS itself would have sent to EventBridge (EC2 state changes, alarm state changes). */
  serviceEvents: ServiceEvent[];
}

function tags(map: ReadonlyMap<string, string>): Record<string, string> {
  // Most resources have no tag or one (a snapshot is taken around every call of a long simulation).
  if (map.size === 0) return {};
  if (map.size === 1) for (const [key, value] of map) return { [key]: value };
  return Object.fromEntries([...map.entries()].sort(([a], [b]) => compareStrings(a, b)));
}

function sortedRecord<T>(entries: Iterable<[string, T]>): Record<string, T> {
  return Object.fromEntries([...entries].sort(([a], [b]) => compareStrings(a, b)));
}

function metricsSummary(metrics: readonly MetricDataQuery[]): Record<string, string> {
  return Object.fromEntries(
    metrics.map((q) => {
      const ms = q.MetricStat;
      const dims = (ms?.Metric?.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).join(",");
      const text =
        q.Expression ??
        `${ms?.Metric?.Namespace} ${ms?.Metric?.MetricName} ${dims} ${ms?.Stat} ${ms?.Period}`;
      return [q.Id ?? "", q.ReturnData === false ? text : `${text} *`];
    }),
  );
}

/** Lifecycle actions and instance refreshes of a group, so that replays show them change. */
function engineSnapshot(
  state: RegionState,
  group: string,
): Pick<AutoScalingGroupSnapshot, "LifecycleActions" | "InstanceRefreshes"> {
  const actions = [...state.lifecycleActions.values()].filter((a) => a.groupName === group);
  const refreshes = state.asg.refreshes.filter((r) => r.groupName === group);
  return {
    ...(actions.length === 0
      ? {}
      : {
          LifecycleActions: sortedRecord(
            actions.map((a): [string, { Token: string; Transition: string; TimeoutAt: string }] => [
              `${a.instanceId} ${a.hookName}`,
              {
                Token: a.token,
                Transition: a.transition,
                TimeoutAt: new Date(Math.min(a.timeoutAt, a.globalTimeoutAt)).toISOString(),
              },
            ]),
          ),
        }),
    ...(refreshes.length === 0
      ? {}
      : {
          InstanceRefreshes: Object.fromEntries(
            refreshes.map((r) => [r.id, { Status: r.status, InstancesToUpdate: r.total - r.replaced }]),
          ),
        }),
  };
}

/** The route tables of a region as a snapshot shows them (a check that needs only them takes only them). */
export function routeTablesSnapshot(state: RegionState): Record<string, RouteTableSnapshot> {
  return sortedRecord(
    [...state.routeTables.values()].map((rt): [string, RouteTableSnapshot] => {
      const routes: Record<string, RouteSnapshot> = {};
      const listed = listedRoutes(state, rt);
      for (const r of listed) {
        const propagated = r.origin === "EnableVgwRoutePropagation";
        const hasStatic = listed.some((o) => o !== r && o.destinationCidrBlock === r.destinationCidrBlock);
        const key =
          propagated && hasStatic ? `${r.destinationCidrBlock} (propagated)` : r.destinationCidrBlock;
        routes[key] = { Target: r.target, Origin: r.origin, State: state.routeState(r) };
      }
      return [
        rt.id,
        {
          VpcId: rt.vpcId,
          Routes: routes,
          PropagatingVgws: [...rt.propagatingVgws],
          Associations: rt.associations.map((a) => a.subnetId ?? a.gatewayId ?? "main"),
          Tags: tags(rt.tags),
        },
      ];
    }),
  );
}

/** The state of a region now, with the events given (frozen: the snapshot shares them). */
export function takeSnapshot(
  state: RegionState,
  at: Date,
  publishedEvents: readonly PublishedEventSnapshot[],
  serviceEvents: readonly ServiceEvent[],
): AccountSnapshot {
  // `state.groupOf` for every instance at once: the first group (in order) listing it.
  const groupOf = new Map<string, string>();
  for (const g of state.autoScalingGroups.values())
    for (const m of g.instances) if (!groupOf.has(m.instanceId)) groupOf.set(m.instanceId, g.name);
  const instances = sortedRecord(
    [...state.instances.values()].map((i): [string, InstanceSnapshot] => {
      const s: InstanceSnapshot = {
        InstanceType: i.instanceType,
        State: i.state,
        StateTransitionReason: i.stateTransitionReason,
        HibernationConfigured: i.hibernationConfigured,
        DisableApiStop: i.disableApiStop,
        SubnetId: i.subnetId,
        PrivateIpAddress: i.privateIpAddress,
        LaunchTime: i.launchTime.toISOString(),
        Tags: tags(i.tags),
      };
      if (i.stateReason !== undefined) s.StateReason = i.stateReason.code;
      if (i.launchDetails.operator?.managed === true) s.OperatorManaged = true;
      if (state.instanceTypes.get(i.instanceType)?.instanceStorage !== undefined) s.HasInstanceStore = true;
      const group = groupOf.get(i.id);
      if (group !== undefined) s.AutoScalingGroup = group;
      if (i.transition !== undefined) s.TransitionDue = new Date(i.transition.at).toISOString();
      if (i.launchDetails.rootDeviceType !== "ebs") s.RootDeviceType = i.launchDetails.rootDeviceType;
      if (i.instanceLifecycle !== undefined) s.InstanceLifecycle = i.instanceLifecycle;
      if (i.launchDetails.capacityReservationId !== undefined)
        s.CapacityReservationId = i.launchDetails.capacityReservationId;
      if (i.monitoring !== "disabled") s.Monitoring = i.monitoring;
      if (i.lastStop?.memoryPreserved !== undefined) s.MemoryPreserved = i.lastStop.memoryPreserved;
      if (i.lastStop?.instanceStoreDataLost) s.InstanceStoreDataLost = true;
      if (i.status !== undefined) {
        s.InstanceStatus = i.status.instance;
        s.SystemStatus = i.status.system;
      }
      return [i.id, s];
    }),
  );
  const networkInterfaces = sortedRecord(
    [...state.networkInterfaces.values()].map((n): [string, NetworkInterfaceSnapshot] => {
      const s: NetworkInterfaceSnapshot = {
        Status: n.attachment === undefined ? "available" : "in-use",
        SubnetId: n.subnetId,
        PrivateIpAddresses: [n.privateIpAddress, ...n.secondaryPrivateIpAddresses],
        SourceDestCheck: n.sourceDestCheck,
        Tags: tags(n.tags),
      };
      if (n.attachment !== undefined) {
        s.Attachment = {
          InstanceId: n.attachment.instanceId,
          DeviceIndex: n.attachment.deviceIndex,
          NetworkCardIndex: n.attachment.networkCardIndex,
          Status: n.attachment.status,
        };
      }
      return [n.id, s];
    }),
  );
  const routeTables = routeTablesSnapshot(state);
  const localGatewayRouteTables = sortedRecord(
    [...state.localGatewayRouteTables.values()].map((t): [string, LocalGatewayRouteTableSnapshot] => [
      t.id,
      {
        Routes: Object.fromEntries(
          t.routes.map((r) => [
            r.destinationCidrBlock,
            {
              Target: r.networkInterfaceId ?? r.localGatewayVirtualInterfaceGroupId ?? "",
              Type: r.type,
              State: state.lgwRouteState(r),
            },
          ]),
        ),
        Tags: tags(t.tags),
      },
    ]),
  );
  const autoScalingGroups = sortedRecord(
    [...state.autoScalingGroups.values()].map((g): [string, AutoScalingGroupSnapshot] => [
      g.name,
      {
        DesiredCapacity: g.desiredCapacity,
        Instances: Object.fromEntries(
          g.instances.map((m) => [
            m.instanceId,
            { LifecycleState: m.lifecycleState, HealthStatus: state.memberHealth(m) },
          ]),
        ),
        ...engineSnapshot(state, g.name),
      },
    ]),
  );
  const alarms: Record<string, AlarmSnapshot> = {};
  for (const { alarm, tags: t } of state.metricAlarms.values()) {
    const s: AlarmSnapshot = {
      Type: "MetricAlarm",
      StateValue: alarm.StateValue ?? "",
      StateReason: alarm.StateReason ?? "",
      StateUpdatedTimestamp: alarm.StateUpdatedTimestamp?.toISOString() ?? "",
      ActionsEnabled: alarm.ActionsEnabled ?? true,
      Tags: tags(t),
    };
    if (alarm.Namespace !== undefined) s.Namespace = alarm.Namespace;
    if (alarm.MetricName !== undefined) s.MetricName = alarm.MetricName;
    if (alarm.Dimensions !== undefined)
      s.Dimensions = Object.fromEntries(alarm.Dimensions.map((d) => [d.Name ?? "", d.Value ?? ""]));
    if (alarm.Statistic !== undefined) s.Statistic = alarm.Statistic;
    if (alarm.Period !== undefined) s.Period = alarm.Period;
    if (alarm.EvaluationPeriods !== undefined) s.EvaluationPeriods = alarm.EvaluationPeriods;
    if (alarm.DatapointsToAlarm !== undefined) s.DatapointsToAlarm = alarm.DatapointsToAlarm;
    if (alarm.Threshold !== undefined) s.Threshold = alarm.Threshold;
    if (alarm.ComparisonOperator !== undefined) s.ComparisonOperator = alarm.ComparisonOperator;
    if (alarm.Metrics !== undefined) s.Metrics = metricsSummary(alarm.Metrics);
    alarms[alarm.AlarmName ?? ""] = s;
  }
  for (const { alarm, tags: t } of state.compositeAlarms.values()) {
    alarms[alarm.AlarmName ?? ""] = {
      Type: "CompositeAlarm",
      StateValue: alarm.StateValue ?? "",
      StateReason: alarm.StateReason ?? "",
      StateUpdatedTimestamp: alarm.StateUpdatedTimestamp?.toISOString() ?? "",
      AlarmRule: alarm.AlarmRule ?? "",
      ActionsEnabled: alarm.ActionsEnabled ?? true,
      Tags: tags(t),
    };
  }
  const elasticIps = sortedRecord(
    [...state.elasticIps.values()].map((e): [string, ElasticIpSnapshot] => {
      const s: ElasticIpSnapshot = { PublicIp: e.publicIp };
      if (e.association !== undefined) {
        s.NetworkInterfaceId = e.association.networkInterfaceId;
        s.PrivateIpAddress = e.association.privateIpAddress;
      }
      return [e.allocationId, s];
    }),
  );
  const subnetCidrReservations = sortedRecord(
    [...state.subnetCidrReservations.values()].map((r): [string, SubnetCidrReservationSnapshot] => [
      r.id,
      { SubnetId: r.subnetId, Cidr: r.cidr, ReservationType: r.type, Tags: tags(r.tags) },
    ]),
  );
  return {
    ...networkSnapshot(state),
    at: at.toISOString(),
    accountId: state.accountId,
    region: state.region,
    instances,
    networkInterfaces,
    routeTables,
    localGatewayRouteTables,
    autoScalingGroups,
    alarms: sortedRecord(Object.entries(alarms)),
    elasticIps,
    subnetCidrReservations,
    // Shared, not copied: the account gives frozen events, made once each (a run takes thousands of snapshots).
    publishedEvents: [...publishedEvents],
    serviceEvents: [...serviceEvents],
  };
}

export interface StateChange {
  /** The collection: instances, networkInterfaces, routeTables, localGatewayRouteTables, autoScalingGroups, alarms, elasticIps, subnetCidrReservations, virtualInterfaces, bgpFailoverTests, managedPrefixLists, publishedEvents, serviceEvents. */
  resourceType: string;
  /** The resource id or name ("i-0…", "rtb-0…", "ops-idle-i-0…"), or the event index. */
  resource: string;
  /** Dotted path inside the resource, e.g. "State", "Tags.ops:hibernated", "Routes.0.0.0.0/0.State"; "" for a whole resource. */
  field: string;
  change: "added" | "removed" | "changed";
  from?: unknown;
  to?: unknown;
}

const COLLECTIONS = [
  "instances",
  "networkInterfaces",
  "routeTables",
  "localGatewayRouteTables",
  "autoScalingGroups",
  "alarms",
  "elasticIps",
  "subnetCidrReservations",
  "virtualInterfaces",
  "bgpFailoverTests",
  "managedPrefixLists",
] as const;

/** Direct Connect interfaces (shown BGP status per session), failover tests, prefix lists. */
function networkSnapshot(
  state: RegionState,
): Pick<AccountSnapshot, "virtualInterfaces" | "bgpFailoverTests" | "managedPrefixLists"> {
  const virtualInterfaces = sortedRecord(
    [...state.virtualInterfaces.values()].map((v): [string, VirtualInterfaceSnapshot] => [
      v.id,
      {
        State: shownVifState(state, v),
        DataPlane: planeSummary(v.dataPlane),
        DataPlanes: { ipv4: v.dataPlane.ipv4 ? "up" : "down", ipv6: v.dataPlane.ipv6 ? "up" : "down" },
        BgpPeers: Object.fromEntries(
          v.bgpPeers.map((p) => [
            p.bgpPeerId,
            { AddressFamily: p.addressFamily, BgpStatus: peerStatus(state, v, p) },
          ]),
        ),
      },
    ]),
  );
  const bgpFailoverTests = Object.fromEntries(
    state.virtualInterfaceTests.map((t): [string, BgpFailoverTestSnapshot] => [
      t.testId,
      {
        VirtualInterfaceId: t.virtualInterfaceId,
        BgpPeers: [...t.bgpPeers],
        Status: t.status,
        StartTime: new Date(t.startTime).toISOString(),
        ...(t.endTime === undefined ? {} : { EndTime: new Date(t.endTime).toISOString() }),
      },
    ]),
  );
  const managedPrefixLists = sortedRecord(
    [...state.managedPrefixLists.values()].map((pl): [string, { Version: number; Entries: string[] }] => [
      pl.id,
      { Version: pl.version, Entries: currentPrefixListCidrs(state, pl.id) },
    ]),
  );
  return { virtualInterfaces, bgpFailoverTests, managedPrefixLists };
}

function flatten(value: unknown, prefix: string, out: Map<string, Json>): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix !== "") out.set(prefix, {});
    for (const [k, v] of entries) flatten(v, prefix === "" ? k : `${prefix}.${k}`, out);
    return;
  }
  out.set(prefix, value as Json);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What changed between two snapshots: one entry per changed field, added or removed resource, new event. */
export function diffSnapshots(before: AccountSnapshot, after: AccountSnapshot): StateChange[] {
  const changes: StateChange[] = [];
  for (const collection of COLLECTIONS) {
    // `?? {}`: a snapshot taken before a collection existed (e.g. stored by an older replay).
    const a = (before[collection] ?? {}) as Record<string, unknown>;
    const b = (after[collection] ?? {}) as Record<string, unknown>;
    const ids = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const id of ids) {
      if (!(id in a)) {
        changes.push({ resourceType: collection, resource: id, field: "", change: "added", to: b[id] });
        continue;
      }
      if (!(id in b)) {
        changes.push({ resourceType: collection, resource: id, field: "", change: "removed", from: a[id] });
        continue;
      }
      const fa = new Map<string, Json>();
      const fb = new Map<string, Json>();
      flatten(a[id], "", fa);
      flatten(b[id], "", fb);
      for (const field of [...new Set([...fa.keys(), ...fb.keys()])]) {
        const from = fa.get(field);
        const to = fb.get(field);
        if (!fa.has(field))
          changes.push({ resourceType: collection, resource: id, field, change: "added", to });
        else if (!fb.has(field))
          changes.push({ resourceType: collection, resource: id, field, change: "removed", from });
        else if (!same(from, to))
          changes.push({ resourceType: collection, resource: id, field, change: "changed", from, to });
      }
    }
  }
  for (const list of ["publishedEvents", "serviceEvents"] as const) {
    const a = before[list];
    const b = after[list];
    for (let i = a.length; i < b.length; i += 1) {
      changes.push({ resourceType: list, resource: `#${i}`, field: "", change: "added", to: b[i] });
    }
  }
  return changes;
}

function show(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** One line per change, e.g. `i-0123… State: running → stopping`. */
export function formatStateChanges(changes: readonly StateChange[]): string[] {
  return changes.map((c) => {
    const where = c.field === "" ? c.resource : `${c.resource} ${c.field}`;
    if (c.resourceType === "publishedEvents" || c.resourceType === "serviceEvents") {
      const e = c.to as { DetailType?: string; "detail-type"?: string; Source?: string; source?: string };
      return `${c.resourceType} ${c.resource}: + ${e.Source ?? e.source ?? ""} ${e.DetailType ?? e["detail-type"] ?? ""}`;
    }
    if (c.change === "added") return `${where}: + ${c.field === "" ? `(new ${c.resourceType})` : show(c.to)}`;
    if (c.change === "removed")
      return `${where}: - ${c.field === "" ? `(${c.resourceType} removed)` : show(c.from)}`;
    return `${where}: ${show(c.from)} → ${show(c.to)}`;
  });
}
