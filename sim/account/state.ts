/**
 * The mutable state of one region of the simulated account, built from a fixture, and the rules
 * that derive what AWS computes (route state, ASG health) and settle asynchronous transitions.
 */
import type { CompositeAlarm, MetricAlarm } from "@aws-sdk/client-cloudwatch";
import { loadDxFixture, type VirtualInterfaceModel, type VirtualPrivateGatewayModel } from "./dx";
import type { AccountFixture, BehaviourSettings } from "./fixture";
import { instanceTypeCatalogue } from "./fixture";
import { derivedId, derivedMac, derivedUuid } from "./ids";
import type { InstanceTypeSpec } from "./instance-types";
import {
  expireLifecycleAction,
  type LifecycleActionModel,
  type LifecycleHookModel,
  loadLifecycleFixture,
  type OutpostModel,
  type ScheduledTask,
} from "./lifecycle";
import { MetricStore } from "./metrics";

export type InstanceStateName =
  | "pending"
  | "running"
  | "shutting-down"
  | "terminated"
  | "stopping"
  | "stopped";

/** The low byte of `InstanceState.Code` (EC2 API reference, InstanceState). */
export const STATE_CODES: Readonly<Record<InstanceStateName, number>> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface StateReasonModel {
  code: string;
  message: string;
}

export const STATE_REASONS = {
  userShutdown: {
    code: "Client.UserInitiatedShutdown",
    message: "Client.UserInitiatedShutdown: User initiated shutdown",
  },
  userHibernate: {
    code: "Client.UserInitiatedHibernate",
    message: "Client.UserInitiatedHibernate: User initiated hibernate",
  },
  pending: { code: "pending", message: "pending" },
} as const satisfies Record<string, StateReasonModel>;

export interface InstanceModel {
  id: string;
  instanceType: string;
  imageId: string;
  state: InstanceStateName;
  /** When the current state was entered (ms of simulated time). */
  stateSince: number;
  stateReason?: StateReasonModel;
  stateTransitionReason: string;
  /** A pending asynchronous transition (stopping → stopped…). */
  transition?: { to: InstanceStateName; at: number };
  launchTime: Date;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  outpostArn?: string;
  privateIpAddress: string;
  tags: Map<string, string>;
  hibernationConfigured: boolean;
  disableApiStop: boolean;
  disableApiTermination: boolean;
  instanceLifecycle?: string;
  platform?: string;
  keyName?: string;
  reservationId: string;
  monitoring: "disabled" | "enabled";
  architecture: string;
  amiLaunchIndex: number;
}

export interface EniAttachmentModel {
  attachmentId: string;
  instanceId: string;
  deviceIndex: number;
  networkCardIndex: number;
  status: "attaching" | "attached" | "detaching" | "detached";
  deleteOnTermination: boolean;
  attachTime: Date;
  transition?: { to: "attached" | "detached"; at: number };
}

export interface EniModel {
  id: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  outpostArn?: string;
  description: string;
  interfaceType: string;
  privateIpAddress: string;
  secondaryPrivateIpAddresses: string[];
  sourceDestCheck: boolean;
  requesterManaged: boolean;
  macAddress: string;
  tags: Map<string, string>;
  attachment?: EniAttachmentModel;
}

/** A secondary private IP on its way to an ENI (from another ENI when reassigned). */
export interface PendingAddressMove {
  ip: string;
  toEniId: string;
  at: number;
}

export interface VpcModel {
  id: string;
  cidrBlock: string;
  isDefault: boolean;
  tags: Map<string, string>;
}

export interface SubnetModel {
  id: string;
  vpcId: string;
  availabilityZone: string;
  cidrBlock: string;
  outpostArn?: string;
  tags: Map<string, string>;
}

export type RouteOriginName = "CreateRouteTable" | "CreateRoute" | "EnableVgwRoutePropagation";

export interface RouteModel {
  destinationCidrBlock: string;
  /** `local`, `igw-…`, `vgw-…`, `i-…`, `eni-…`, `lgw-…`, `nat-…`, `tgw-…`, `pcx-…`, `eigw-…`. */
  target: string;
  origin: RouteOriginName;
  /** For gateway-like targets only. */
  fixedState?: "active" | "blackhole";
}

export interface RouteTableModel {
  id: string;
  vpcId: string;
  main: boolean;
  associations: { id: string; subnetId?: string; gatewayId?: string }[];
  routes: RouteModel[];
  propagatingVgws: string[];
  tags: Map<string, string>;
}

export type LgwRouteStateName = "pending" | "active" | "blackhole" | "deleting" | "deleted";

export interface LgwRouteModel {
  destinationCidrBlock: string;
  networkInterfaceId?: string;
  localGatewayVirtualInterfaceGroupId?: string;
  type: "static" | "propagated";
  fixedState?: LgwRouteStateName;
}

export interface LgwRouteTableModel {
  id: string;
  localGatewayId: string;
  outpostArn: string;
  mode: "direct-vpc-routing" | "coip";
  state: string;
  routes: LgwRouteModel[];
  tags: Map<string, string>;
}

export interface AsgMemberModel {
  instanceId: string;
  lifecycleState: string;
  healthStatus?: "Healthy" | "Unhealthy";
  protectedFromScaleIn: boolean;
}

export interface AsgModel {
  name: string;
  arn: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  vpcZoneIdentifier: string[];
  availabilityZones: string[];
  launchTemplate?: { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string };
  healthCheckType: string;
  healthCheckGracePeriod: number;
  defaultCooldown: number;
  createdTime: Date;
  instances: AsgMemberModel[];
  tags: Map<string, string>;
}

export interface MetricAlarmModel {
  alarm: MetricAlarm;
  tags: Map<string, string>;
}

export interface CompositeAlarmModel {
  alarm: CompositeAlarm;
  tags: Map<string, string>;
}

/** An event AWS itself would deliver to EventBridge (EC2 state change, alarm state change). */
export interface ServiceEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export type EmitServiceEvent = (event: {
  source: string;
  detailType: string;
  resources: string[];
  detail: Record<string, unknown>;
  at: number;
}) => void;

function tagMap(tags: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(tags));
}

/** `User initiated (2019-10-02 17:05:12 GMT)`, as EC2 writes StateTransitionReason. */
export function userInitiatedReason(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `User initiated (${iso.slice(0, 10)} ${iso.slice(11, 19)} GMT)`;
}

export function alarmArn(region: string, accountId: string, name: string): string {
  return `arn:aws:cloudwatch:${region}:${accountId}:alarm:${name}`;
}

export class RegionState {
  readonly instances = new Map<string, InstanceModel>();
  readonly networkInterfaces = new Map<string, EniModel>();
  readonly vpcs = new Map<string, VpcModel>();
  readonly subnets = new Map<string, SubnetModel>();
  readonly routeTables = new Map<string, RouteTableModel>();
  readonly localGatewayRouteTables = new Map<string, LgwRouteTableModel>();
  readonly autoScalingGroups = new Map<string, AsgModel>();
  readonly metricAlarms = new Map<string, MetricAlarmModel>();
  readonly compositeAlarms = new Map<string, CompositeAlarmModel>();
  /** Auto Scaling lifecycle hooks, pending lifecycle actions (by token), Outposts (sim/account/lifecycle.ts). */
  readonly lifecycleHooks: LifecycleHookModel[] = [];
  readonly lifecycleActions = new Map<string, LifecycleActionModel>();
  readonly outposts = new Map<string, OutpostModel>();
  /** Virtual private gateways and Direct Connect virtual interfaces (sim/account/dx.ts). */
  readonly virtualPrivateGateways = new Map<string, VirtualPrivateGatewayModel>();
  readonly virtualInterfaces = new Map<string, VirtualInterfaceModel>();
  /** Custom metric datapoints (PutMetricData) and alarm evaluation progress (sim/account/metrics.ts). */
  readonly metricStore = new MetricStore();
  /** One-off tasks due at a simulated time (e.g. an abandoned instance leaving its group). */
  readonly scheduled: ScheduledTask[] = [];
  /** Secondary private IP (re)assignments in flight: `AssignPrivateIpAddresses` is asynchronous. */
  readonly pendingAddressMoves: PendingAddressMove[] = [];

  constructor(
    readonly accountId: string,
    readonly region: string,
    readonly instanceTypes: ReadonlyMap<string, InstanceTypeSpec>,
    readonly behaviour: BehaviourSettings,
  ) {}

  /** An empty region of the same account (regions other than the fixture's). */
  static empty(accountId: string, region: string, fixture: AccountFixture): RegionState {
    return new RegionState(accountId, region, instanceTypeCatalogue(fixture), fixture.behaviour);
  }

  static fromFixture(f: AccountFixture): RegionState {
    const state = new RegionState(f.accountId, f.region, instanceTypeCatalogue(f), f.behaviour);
    const start = Date.parse(f.clock.start);

    for (const v of f.vpcs)
      state.vpcs.set(v.id, {
        id: v.id,
        cidrBlock: v.cidrBlock,
        isDefault: v.isDefault,
        tags: tagMap(v.tags),
      });
    for (const s of f.subnets) {
      state.subnets.set(s.id, {
        id: s.id,
        vpcId: s.vpcId,
        availabilityZone: s.availabilityZone,
        cidrBlock: s.cidrBlock,
        outpostArn: s.outpostArn,
        tags: tagMap(s.tags),
      });
    }

    const groupOf = new Map<string, string>();
    for (const g of f.autoScalingGroups) for (const m of g.instances) groupOf.set(m.instanceId, g.name);
    for (const i of f.instances) if (i.autoScalingGroup !== undefined) groupOf.set(i.id, i.autoScalingGroup);

    f.instances.forEach((i, index) => {
      const subnet = state.subnets.get(i.subnetId);
      const launch = Date.parse(i.launchTime);
      const since =
        i.stateSince !== undefined
          ? Date.parse(i.stateSince)
          : i.state === "running" || i.state === "pending"
            ? launch
            : start;
      const tags = tagMap(i.tags);
      const group = groupOf.get(i.id);
      if (group !== undefined && !tags.has("aws:autoscaling:groupName"))
        tags.set("aws:autoscaling:groupName", group);
      const type = state.instanceTypes.get(i.instanceType);
      const model: InstanceModel = {
        id: i.id,
        instanceType: i.instanceType,
        imageId: i.imageId ?? derivedId("ami", `image|${i.instanceType}`),
        state: i.state,
        stateSince: since,
        stateReason:
          i.stateReason ??
          (i.state === "stopping" || i.state === "stopped"
            ? { ...STATE_REASONS.userShutdown }
            : i.state === "pending"
              ? { ...STATE_REASONS.pending }
              : undefined),
        stateTransitionReason:
          i.stateTransitionReason ??
          (i.state === "running" || i.state === "pending" ? "" : userInitiatedReason(since)),
        launchTime: new Date(launch),
        subnetId: i.subnetId,
        vpcId: subnet?.vpcId ?? "",
        availabilityZone: subnet?.availabilityZone ?? "",
        outpostArn: subnet?.outpostArn,
        privateIpAddress: i.privateIpAddress,
        tags,
        hibernationConfigured: i.hibernationConfigured,
        disableApiStop: i.disableApiStop,
        disableApiTermination: i.disableApiTermination,
        instanceLifecycle: i.instanceLifecycle,
        platform: i.platform,
        keyName: i.keyName,
        reservationId: i.reservationId ?? derivedId("r", `reservation|${i.id}`),
        monitoring: i.monitoring,
        architecture: type?.architecture ?? "x86_64",
        amiLaunchIndex: index,
      };
      const hibernating = model.stateReason?.code === STATE_REASONS.userHibernate.code;
      const delay = {
        pending: f.behaviour.pendingToRunningMs,
        stopping: hibernating ? f.behaviour.hibernatingToStoppedMs : f.behaviour.stoppingToStoppedMs,
        "shutting-down": f.behaviour.shuttingDownToTerminatedMs,
      } as const;
      if (i.state === "pending") model.transition = { to: "running", at: since + delay.pending };
      if (i.state === "stopping") model.transition = { to: "stopped", at: since + delay.stopping };
      if (i.state === "shutting-down")
        model.transition = { to: "terminated", at: since + delay["shutting-down"] };
      state.instances.set(i.id, model);
    });

    const hasListedPrimary = new Set(
      f.networkInterfaces
        .filter((n) => n.attachment?.deviceIndex === 0 && n.attachment.status !== "detached")
        .map((n) => n.attachment?.instanceId),
    );
    for (const i of f.instances) {
      if (hasListedPrimary.has(i.id) || i.state === "terminated") continue;
      const subnet = state.subnets.get(i.subnetId);
      const id = i.primaryNetworkInterfaceId ?? derivedId("eni", `primary|${i.id}`);
      state.networkInterfaces.set(id, {
        id,
        subnetId: i.subnetId,
        vpcId: subnet?.vpcId ?? "",
        availabilityZone: subnet?.availabilityZone ?? "",
        outpostArn: subnet?.outpostArn,
        description: "",
        interfaceType: "interface",
        privateIpAddress: i.privateIpAddress,
        secondaryPrivateIpAddresses: [],
        sourceDestCheck: i.sourceDestCheck,
        requesterManaged: false,
        macAddress: derivedMac(id),
        tags: new Map(),
        attachment: {
          attachmentId: derivedId("eni-attach", `attach|${id}|${i.id}`),
          instanceId: i.id,
          deviceIndex: 0,
          networkCardIndex: 0,
          status: "attached",
          deleteOnTermination: true,
          attachTime: new Date(Date.parse(i.launchTime)),
        },
      });
    }
    for (const n of f.networkInterfaces) {
      const subnet = state.subnets.get(n.subnetId);
      const a = n.attachment;
      const instance = a !== undefined ? state.instances.get(a.instanceId) : undefined;
      const model: EniModel = {
        id: n.id,
        subnetId: n.subnetId,
        vpcId: subnet?.vpcId ?? "",
        availabilityZone: subnet?.availabilityZone ?? "",
        outpostArn: subnet?.outpostArn,
        description: n.description,
        interfaceType: n.interfaceType,
        privateIpAddress: n.privateIpAddress,
        secondaryPrivateIpAddresses: [...n.secondaryPrivateIpAddresses],
        sourceDestCheck: n.sourceDestCheck,
        requesterManaged: n.requesterManaged,
        macAddress: n.macAddress ?? derivedMac(n.id),
        tags: tagMap(n.tags),
      };
      if (a !== undefined && a.status !== "detached") {
        const attachTime =
          a.attachTime !== undefined ? Date.parse(a.attachTime) : (instance?.launchTime.getTime() ?? start);
        model.attachment = {
          attachmentId: a.attachmentId ?? derivedId("eni-attach", `attach|${n.id}|${a.instanceId}`),
          instanceId: a.instanceId,
          deviceIndex: a.deviceIndex,
          networkCardIndex: a.networkCardIndex,
          status: a.status,
          deleteOnTermination: a.deleteOnTermination ?? a.deviceIndex === 0,
          attachTime: new Date(attachTime),
        };
        if (a.status === "attaching")
          model.attachment.transition = { to: "attached", at: start + f.behaviour.eniAttachMs };
        if (a.status === "detaching")
          model.attachment.transition = { to: "detached", at: start + f.behaviour.eniDetachMs };
      }
      state.networkInterfaces.set(n.id, model);
    }

    for (const rt of f.routeTables) {
      const vpc = state.vpcs.get(rt.vpcId);
      const routes: RouteModel[] = rt.routes.map((r) => ({
        destinationCidrBlock: r.destinationCidrBlock,
        target: r.target,
        origin: r.target === "local" ? "CreateRouteTable" : r.origin,
        fixedState: r.state,
      }));
      if (vpc !== undefined && !routes.some((r) => r.target === "local")) {
        routes.unshift({ destinationCidrBlock: vpc.cidrBlock, target: "local", origin: "CreateRouteTable" });
      }
      state.routeTables.set(rt.id, {
        id: rt.id,
        vpcId: rt.vpcId,
        main: rt.main,
        associations: [
          ...(rt.main ? [{ id: derivedId("rtbassoc", `main|${rt.id}`) }] : []),
          ...rt.associations.map((a) => ({
            id: a.id ?? derivedId("rtbassoc", `assoc|${rt.id}|${a.subnetId ?? a.gatewayId ?? ""}`),
            subnetId: a.subnetId,
            gatewayId: a.gatewayId,
          })),
        ],
        routes,
        propagatingVgws: [...rt.propagatingVgws],
        tags: tagMap(rt.tags),
      });
    }

    for (const t of f.localGatewayRouteTables) {
      state.localGatewayRouteTables.set(t.id, {
        id: t.id,
        localGatewayId: t.localGatewayId,
        outpostArn: t.outpostArn,
        mode: t.mode,
        state: t.state,
        routes: t.routes.map((r) => ({
          destinationCidrBlock: r.destinationCidrBlock,
          networkInterfaceId: r.networkInterfaceId,
          localGatewayVirtualInterfaceGroupId: r.localGatewayVirtualInterfaceGroupId,
          type: r.type,
          fixedState: r.state,
        })),
        tags: tagMap(t.tags),
      });
    }

    for (const g of f.autoScalingGroups) {
      const members: AsgMemberModel[] = g.instances.map((m) => ({
        instanceId: m.instanceId,
        lifecycleState: m.lifecycleState,
        healthStatus: m.healthStatus,
        protectedFromScaleIn: m.protectedFromScaleIn,
      }));
      for (const i of f.instances) {
        if (i.autoScalingGroup === g.name && !members.some((m) => m.instanceId === i.id)) {
          members.push({ instanceId: i.id, lifecycleState: "InService", protectedFromScaleIn: false });
        }
      }
      const zones = new Set<string>();
      for (const s of g.vpcZoneIdentifier) {
        const zone = state.subnets.get(s)?.availabilityZone;
        if (zone !== undefined) zones.add(zone);
      }
      for (const m of members) {
        const zone = state.instances.get(m.instanceId)?.availabilityZone;
        if (zone) zones.add(zone);
      }
      state.autoScalingGroups.set(g.name, {
        name: g.name,
        arn: `arn:aws:autoscaling:${f.region}:${f.accountId}:autoScalingGroup:${derivedUuid(`asg|${g.name}`)}:autoScalingGroupName/${g.name}`,
        minSize: g.minSize,
        maxSize: g.maxSize ?? Math.max(1, members.length),
        desiredCapacity: g.desiredCapacity ?? members.length,
        vpcZoneIdentifier: [...g.vpcZoneIdentifier],
        availabilityZones: [...zones].sort(),
        launchTemplate:
          g.launchTemplate === undefined
            ? undefined
            : {
                LaunchTemplateId: g.launchTemplate.launchTemplateId,
                LaunchTemplateName: g.launchTemplate.launchTemplateName,
                Version: g.launchTemplate.version,
              },
        healthCheckType: g.healthCheckType,
        healthCheckGracePeriod: g.healthCheckGracePeriod,
        defaultCooldown: g.defaultCooldown,
        createdTime: new Date(g.createdTime !== undefined ? Date.parse(g.createdTime) : start),
        instances: members,
        tags: tagMap(g.tags),
      });
    }

    for (const a of f.alarms) {
      const updated = new Date(
        a.stateUpdatedTimestamp !== undefined ? Date.parse(a.stateUpdatedTimestamp) : start,
      );
      const configured =
        a.configurationUpdatedTimestamp !== undefined
          ? new Date(Date.parse(a.configurationUpdatedTimestamp))
          : updated;
      const alarm: MetricAlarm = {
        AlarmName: a.name,
        AlarmArn: alarmArn(f.region, f.accountId, a.name),
        AlarmDescription: a.description,
        AlarmConfigurationUpdatedTimestamp: configured,
        ActionsEnabled: a.actionsEnabled,
        OKActions: [...a.okActions],
        AlarmActions: [...a.alarmActions],
        InsufficientDataActions: [...a.insufficientDataActions],
        StateValue: a.state,
        StateReason: a.stateReason,
        StateReasonData: a.stateReasonData,
        StateUpdatedTimestamp: updated,
        StateTransitionedTimestamp: updated,
        MetricName: a.metricName,
        Namespace: a.namespace,
        Statistic: a.statistic,
        ExtendedStatistic: a.extendedStatistic,
        Dimensions:
          a.metrics === undefined
            ? Object.entries(a.dimensions).map(([Name, Value]) => ({ Name, Value }))
            : undefined,
        Period: a.period,
        Unit: a.unit as MetricAlarm["Unit"],
        EvaluationPeriods: a.evaluationPeriods,
        DatapointsToAlarm: a.datapointsToAlarm,
        Threshold: a.threshold,
        ComparisonOperator: a.comparisonOperator,
        TreatMissingData: a.treatMissingData,
        Metrics: a.metrics?.map((m) => ({
          Id: m.id,
          Expression: m.expression,
          Label: m.label,
          ReturnData: m.returnData,
          Period: m.period,
          MetricStat:
            m.metricStat === undefined
              ? undefined
              : {
                  Metric: {
                    Namespace: m.metricStat.namespace,
                    MetricName: m.metricStat.metricName,
                    Dimensions: Object.entries(m.metricStat.dimensions).map(([Name, Value]) => ({
                      Name,
                      Value,
                    })),
                  },
                  Period: m.metricStat.period,
                  Stat: m.metricStat.stat,
                  Unit: m.metricStat.unit as MetricAlarm["Unit"],
                },
        })),
        ThresholdMetricId: a.thresholdMetricId,
        EvaluationState: a.evaluationState,
      };
      state.metricAlarms.set(a.name, { alarm: prune(alarm), tags: tagMap(a.tags) });
    }
    for (const a of f.compositeAlarms) {
      const updated = new Date(
        a.stateUpdatedTimestamp !== undefined ? Date.parse(a.stateUpdatedTimestamp) : start,
      );
      const alarm: CompositeAlarm = {
        AlarmName: a.name,
        AlarmArn: alarmArn(f.region, f.accountId, a.name),
        AlarmDescription: a.description,
        AlarmRule: a.alarmRule,
        AlarmConfigurationUpdatedTimestamp:
          a.configurationUpdatedTimestamp !== undefined
            ? new Date(Date.parse(a.configurationUpdatedTimestamp))
            : updated,
        ActionsEnabled: a.actionsEnabled,
        AlarmActions: [...a.alarmActions],
        OKActions: [...a.okActions],
        InsufficientDataActions: [...a.insufficientDataActions],
        StateValue: a.state,
        StateReason: a.stateReason,
        StateReasonData: a.stateReasonData,
        StateUpdatedTimestamp: updated,
        StateTransitionedTimestamp: updated,
        ActionsSuppressor: a.actionsSuppressor,
        ActionsSuppressorWaitPeriod: a.actionsSuppressorWaitPeriod,
        ActionsSuppressorExtensionPeriod: a.actionsSuppressorExtensionPeriod,
      };
      state.compositeAlarms.set(a.name, { alarm: prune(alarm), tags: tagMap(a.tags) });
    }
    loadLifecycleFixture(state, f, start);
    loadDxFixture(state, f);
    return state;
  }

  /** ENIs attached (or attaching/detaching) to an instance, by device index. */
  enisOf(instanceId: string): EniModel[] {
    return [...this.networkInterfaces.values()]
      .filter((n) => n.attachment?.instanceId === instanceId)
      .sort(
        (a, b) =>
          (a.attachment?.networkCardIndex ?? 0) - (b.attachment?.networkCardIndex ?? 0) ||
          (a.attachment?.deviceIndex ?? 0) - (b.attachment?.deviceIndex ?? 0),
      );
  }

  primaryEni(instanceId: string): EniModel | undefined {
    return this.enisOf(instanceId).find(
      (n) => n.attachment?.deviceIndex === 0 && n.attachment.networkCardIndex === 0,
    );
  }

  /**
   * Whether traffic sent to this ENI is delivered: the ENI exists, is attached, and its instance
   * is running. Otherwise routes to it are blackholes (AWS-BEHAVIOUR.md, route tables and Outposts).
   */
  eniDeliverable(eniId: string): boolean {
    const eni = this.networkInterfaces.get(eniId);
    const attachment = eni?.attachment;
    if (attachment === undefined || attachment.status !== "attached") return false;
    return this.instances.get(attachment.instanceId)?.state === "running";
  }

  /** The ENI a route target resolves to (an instance target resolves to its primary ENI). */
  routeEni(route: RouteModel): string | undefined {
    if (route.target.startsWith("eni-")) return route.target;
    if (route.target.startsWith("i-")) return this.primaryEni(route.target)?.id;
    return undefined;
  }

  /** The instance a route target resolves to (an ENI target shows its instance, as EC2 does). */
  routeInstance(route: RouteModel): string | undefined {
    if (route.target.startsWith("i-")) return route.target;
    if (route.target.startsWith("eni-"))
      return this.networkInterfaces.get(route.target)?.attachment?.instanceId;
    return undefined;
  }

  routeState(route: RouteModel): "active" | "blackhole" {
    if (route.target.startsWith("i-") || route.target.startsWith("eni-")) {
      const eni = this.routeEni(route);
      return eni !== undefined && this.eniDeliverable(eni) ? "active" : "blackhole";
    }
    return route.fixedState ?? "active";
  }

  lgwRouteState(route: LgwRouteModel): LgwRouteStateName {
    if (route.networkInterfaceId !== undefined)
      return this.eniDeliverable(route.networkInterfaceId) ? "active" : "blackhole";
    return route.fixedState ?? "active";
  }

  /** Auto Scaling's view of a member's health: EC2 health checks see a non-running instance as unhealthy. */
  memberHealth(member: AsgMemberModel): "Healthy" | "Unhealthy" {
    if (member.healthStatus !== undefined) return member.healthStatus;
    const state = this.instances.get(member.instanceId)?.state;
    return state === "running" || state === "pending" ? "Healthy" : "Unhealthy";
  }

  groupOf(instanceId: string): AsgModel | undefined {
    for (const g of this.autoScalingGroups.values())
      if (g.instances.some((m) => m.instanceId === instanceId)) return g;
    return undefined;
  }

  /** Applies every asynchronous transition due at or before `now`, in time order. */
  settle(now: number, emit: EmitServiceEvent): void {
    for (;;) {
      let next: { at: number; apply: () => void } | undefined;
      for (const inst of this.instances.values()) {
        const t = inst.transition;
        if (t !== undefined && t.at <= now && (next === undefined || t.at < next.at)) {
          next = { at: t.at, apply: () => this.completeInstanceTransition(inst, emit) };
        }
      }
      for (const eni of this.networkInterfaces.values()) {
        const t = eni.attachment?.transition;
        if (t !== undefined && t.at <= now && (next === undefined || t.at < next.at)) {
          next = { at: t.at, apply: () => this.completeAttachmentTransition(eni) };
        }
      }
      for (const move of this.pendingAddressMoves) {
        if (move.at <= now && (next === undefined || move.at < next.at)) {
          next = { at: move.at, apply: () => this.completeAddressMove(move) };
        }
      }
      for (const action of this.lifecycleActions.values()) {
        const at = Math.min(action.timeoutAt, action.globalTimeoutAt);
        if (at <= now && (next === undefined || at < next.at)) {
          next = { at, apply: () => expireLifecycleAction(this, action, at, emit) };
        }
      }
      for (const task of this.scheduled) {
        if (task.at <= now && (next === undefined || task.at < next.at)) {
          next = {
            at: task.at,
            apply: () => {
              this.scheduled.splice(this.scheduled.indexOf(task), 1);
              task.run(emit);
            },
          };
        }
      }
      if (next === undefined) return;
      next.apply();
    }
  }

  /** Puts an instance in a new state now, schedules the follow-up, and emits the EC2 event. */
  changeInstanceState(
    inst: InstanceModel,
    to: InstanceStateName,
    at: number,
    emit: EmitServiceEvent,
    transition?: { to: InstanceStateName; at: number },
  ): void {
    inst.state = to;
    inst.stateSince = at;
    inst.transition = transition;
    emit({
      source: "aws.ec2",
      detailType: "EC2 Instance State-change Notification",
      resources: [`arn:aws:ec2:${this.region}:${this.accountId}:instance/${inst.id}`],
      detail: { "instance-id": inst.id, state: to },
      at,
    });
  }

  private completeInstanceTransition(inst: InstanceModel, emit: EmitServiceEvent): void {
    const t = inst.transition;
    if (t === undefined) return;
    this.changeInstanceState(inst, t.to, t.at, emit);
    if (t.to === "running") inst.stateReason = undefined;
    if (t.to === "terminated") {
      for (const eni of this.enisOf(inst.id)) {
        if (eni.attachment?.deleteOnTermination) this.networkInterfaces.delete(eni.id);
        else eni.attachment = undefined;
      }
    }
  }

  /** The address leaves every other ENI and shows on the target (dropped if the target is gone). */
  private completeAddressMove(move: PendingAddressMove): void {
    this.pendingAddressMoves.splice(this.pendingAddressMoves.indexOf(move), 1);
    const target = this.networkInterfaces.get(move.toEniId);
    if (target === undefined) return;
    for (const eni of this.networkInterfaces.values()) {
      if (eni !== target)
        eni.secondaryPrivateIpAddresses = eni.secondaryPrivateIpAddresses.filter((ip) => ip !== move.ip);
    }
    if (!target.secondaryPrivateIpAddresses.includes(move.ip))
      target.secondaryPrivateIpAddresses.push(move.ip);
  }

  private completeAttachmentTransition(eni: EniModel): void {
    const a = eni.attachment;
    if (a?.transition === undefined) return;
    if (a.transition.to === "detached") eni.attachment = undefined;
    else {
      a.status = "attached";
      a.transition = undefined;
    }
  }
}

/** Drops `undefined` members so outputs and snapshots stay compact. */
export function prune<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as T;
}
