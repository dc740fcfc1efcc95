/**
 * The mutable state of one region of the simulated account (built from a fixture by load.ts) and the
 * rules that derive what AWS computes (route state, ASG health). The service models read and change it;
 * settle.ts applies its asynchronous transitions.
 */
import type { CompositeAlarm, MetricAlarm } from "@aws-sdk/client-cloudwatch";
import { type AsgPolicies, AsgRuntime } from "./asg-model";
import { type AccountFixture, type BehaviourSettings, instanceTypeCatalogue } from "./fixture";
import type { InstanceLaunchDetails, InstanceMetricsModel, StopRecord } from "./instance-details";
import type { InstanceTypeSpec } from "./instance-types";
import { MetricStore } from "./metric-store";
import type { ElasticIpModel, SubnetCidrReservationModel } from "./network-models";
import { type InstanceStatusModel, type StatusTimeline, statusOnStateChange } from "./status-checks";

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
  /** Root device, Capacity Reservation, Spot request, operator, hibernation knobs (ec2-stop.ts). */
  launchDetails: InstanceLaunchDetails;
  lastStop?: StopRecord;
  /** Status checks (`DescribeInstanceStatus`, sim/account/status-checks.ts); set for every loaded instance. */
  status?: InstanceStatusModel;
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
  /** The VPC of the target ENI: an address is unique per VPC only. */
  vpcId: string;
  at: number;
}

export interface VpcModel {
  id: string;
  cidrBlock: string;
  /** Associated IPv4 blocks beyond the primary one, and IPv6 blocks (each has its local route). */
  secondaryCidrBlocks: string[];
  ipv6CidrBlocks: string[];
  isDefault: boolean;
  tags: Map<string, string>;
}

export interface SubnetModel {
  id: string;
  vpcId: string;
  availabilityZone: string;
  cidrBlock: string;
  ipv6CidrBlock?: string;
  outpostArn?: string;
  tags: Map<string, string>;
}

export type RouteOriginName = "CreateRouteTable" | "CreateRoute" | "EnableVgwRoutePropagation";

export interface RouteModel {
  /**
   * The destination: an IPv4 CIDR block, an IPv6 CIDR block (canonical text) or a managed prefix list id
   * (`pl-…`); sim/account/route-destination.ts tells which and names its wire member.
   */
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

/** A customer-managed prefix list; routes to it match every entry of its current version. */
export interface ManagedPrefixListModel {
  id: string;
  name: string;
  addressFamily: "IPv4" | "IPv6";
  maxEntries: number;
  ownerId: string;
  /** Entries by version; the highest version is the current one. */
  versions: Map<number, { cidr: string; description?: string }[]>;
  version: number;
  tags: Map<string, string>;
}

/** An AWS Organizations tag policy in enforcement mode (sim/account/tag-policy.ts). */
export interface TagPolicyModel {
  key: string;
  allowedValues?: string[];
  enforcedFor: string[];
}

// EventBridge buses, rules and callers (sim/account/event-buses.ts).

/** An IAM policy statement, as an event bus resource policy holds it (sim/account/event-policy.ts). */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal: "*" | { AWS: string | string[] };
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface EventBusModel {
  name: string;
  arn: string;
  /** The resource-based policy's statements (none: only the account's own principals, by IAM). */
  policy: PolicyStatement[];
}

export interface EventRuleModel {
  name: string;
  eventBusName: string;
  eventPattern: Record<string, unknown>;
  state: "ENABLED" | "DISABLED";
  targets: { id: string; arn: string }[];
}

/** An event a rule matched: what EventBridge hands to the rule's targets. */
export interface EventDeliveryModel {
  eventId: string;
  eventBusName: string;
  ruleName: string;
  targets: { id: string; arn: string }[];
  at: number;
  event: Record<string, unknown>;
}

/** Who signs requests with an access key, and which buses its identity policy lets it put events on. */
export interface PrincipalModel {
  accessKeyId: string;
  arn: string;
  putEventsBuses: string[];
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
  /** Maintenance, retention and warm pool policies, launch template ENIs (sim/account/asg-model.ts). */
  policies?: AsgPolicies;
  /** Processes suspended with SuspendProcesses → when (sim/account/asg-processes.ts). */
  suspendedProcesses?: Map<string, number>;
  /** The suspended processes Auto Scaling itself suspended (sim/account/asg-administrative-suspension.ts). */
  administrativeSuspensions?: Set<string>;
  /** Since when every launch of the group failed (undefined: the last launch succeeded). */
  launchFailingSince?: number;
  /** When HealthCheck was last resumed: the health check acts on nothing it saw while suspended earlier. */
  healthCheckResumedAt?: number;
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
/** An alarm action CloudWatch ran on a state change (sim/account/alarm-actions.ts). */
export interface AlarmActionDelivery {
  /** Simulated epoch ms of the state change. */
  at: number;
  alarmName: string;
  state: string;
  /** The action's ARN. */
  action: string;
  kind: "lambda" | "sns" | "other";
  /** What the Lambda function receives (lambda, sns); undefined for other actions. */
  payload?: Record<string, unknown>;
}

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

/** `User initiated (2019-10-02 17:05:12 GMT)`, as EC2 writes StateTransitionReason. */
export function userInitiatedReason(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `User initiated (${iso.slice(0, 10)} ${iso.slice(11, 19)} GMT)`;
}

export function alarmArn(region: string, accountId: string, name: string): string {
  return `arn:aws:cloudwatch:${region}:${accountId}:alarm:${name}`;
}

// Direct Connect (dx.ts): virtual private gateways, virtual interfaces and their BGP peers.

export type BgpStatus = "up" | "down" | "unknown";
export type AddressFamily = "ipv4" | "ipv6";
/** `BGPPeer.bgpPeerState` (Direct Connect API): a session carries routes only once `available`. */
export type BgpPeerState = "verifying" | "pending" | "available" | "deleting" | "deleted";

export interface BgpPeerModel {
  bgpPeerId: string;
  addressFamily: AddressFamily;
  /** The peer's lifecycle (`BGPPeer.bgpPeerState`); default `available`. */
  bgpPeerState?: BgpPeerState;
  /** The session's own status; a failover test or too many prefixes show it down (dx.ts `peerStatus`). */
  bgpStatus: BgpStatus;
  amazonAddress?: string;
  customerAddress?: string;
  /** What on-premises advertises over this session; default: the gateway's prefixes of its family. */
  advertisedPrefixes?: string[];
  /** The failover test holding this session DOWN (sim/account/dx-failover-test.ts). */
  underTest?: string;
}

export interface VirtualInterfaceModel {
  id: string;
  connectionId: string;
  name: string;
  type: "private" | "public" | "transit";
  vlan: number;
  asn: number;
  state: string;
  location: string;
  /** The gateway the interface terminates on (derived from `virtualPrivateGateways`). */
  virtualGatewayId?: string;
  bgpPeers: BgpPeerModel[];
  /**
   * Whether packets of each address family cross the interface; `false` models a data-plane loss of that
   * family while its BGP session stays up (IPv4 and IPv6 run dual-stack, each over its own session).
   */
  dataPlane: Record<AddressFamily, boolean>;
  tags: Map<string, string>;
}

/** One `StartBgpFailoverTest` run (`VirtualInterfaceTestHistory`). */
export interface VirtualInterfaceTestModel {
  testId: string;
  virtualInterfaceId: string;
  bgpPeers: string[];
  status: "in-progress" | "completed" | "cancelled" | "failed";
  ownerAccount: string;
  testDurationInMinutes: number;
  startTime: number;
  endTime?: number;
  /** The interface state to restore when the test ends. */
  stateBefore: string;
}

export interface VirtualPrivateGatewayModel {
  id: string;
  vpcId: string;
  amazonSideAsn: number;
  virtualInterfaceIds: string[];
  propagatedCidrs: string[];
  tags: Map<string, string>;
}

// Auto Scaling lifecycle hooks and actions (lifecycle.ts), Outposts (outposts.ts), one-off tasks.

export type LifecycleTransitionName =
  | "autoscaling:EC2_INSTANCE_LAUNCHING"
  | "autoscaling:EC2_INSTANCE_TERMINATING";
export type LifecycleResult = "CONTINUE" | "ABANDON";
export type LifecycleEndpoint = "EC2" | "AutoScalingGroup" | "WarmPool";

export interface LifecycleHookModel {
  groupName: string;
  name: string;
  transition: LifecycleTransitionName;
  heartbeatTimeout: number;
  globalTimeout: number;
  defaultResult: LifecycleResult;
  notificationMetadata?: string;
  notificationTargetArn?: string;
  roleArn?: string;
}

export interface LifecycleActionModel {
  token: string;
  groupName: string;
  hookName: string;
  instanceId: string;
  transition: LifecycleTransitionName;
  startedAt: number;
  /** Heartbeat timeout: restarted by RecordLifecycleActionHeartbeat. */
  timeoutAt: number;
  globalTimeoutAt: number;
  origin: LifecycleEndpoint;
  destination: LifecycleEndpoint;
  heartbeats: number;
}

export interface OutpostModel {
  id: string;
  arn: string;
  name: string;
  siteId: string;
  availabilityZone: string;
  lifeCycleStatus: string;
  ownerId: string;
  /** `AvailableInstanceType_Count`: `null` = no datapoint (missing, not 0); `changes` from a time on. */
  instanceTypes: {
    instanceType: string;
    availableCount: number | null;
    changes?: { at: number; value: number | null }[];
  }[];
  /** Service link: while down, no capacity datapoints and `ConnectedStatus` 0. */
  serviceLink?: { up: boolean; changes: { at: number; up: boolean }[] };
}

/** Called after every instance state change (completing a stop, tracking running time for metrics). */
export type InstanceStateListener = (
  inst: InstanceModel,
  from: InstanceStateName,
  to: InstanceStateName,
  at: number,
) => void;

export interface ScheduledTask {
  at: number;
  run: (emit: EmitServiceEvent) => void;
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
  /** BGP failover tests, oldest first (sim/account/dx-failover-test.ts). */
  readonly virtualInterfaceTests: VirtualInterfaceTestModel[] = [];
  /** Managed prefix lists (sim/account/prefix-lists.ts) and tag policies (sim/account/tag-policy.ts). */
  readonly managedPrefixLists = new Map<string, ManagedPrefixListModel>();
  readonly tagPolicies: TagPolicyModel[] = [];
  /** EventBridge buses (the default one always), rules, matched events, callers by access key. */
  readonly eventBuses = new Map<string, EventBusModel>();
  readonly eventRules: EventRuleModel[] = [];
  readonly eventDeliveries: EventDeliveryModel[] = [];
  readonly principals = new Map<string, PrincipalModel>();
  /** Custom metric datapoints (PutMetricData) and alarm evaluation progress (sim/account/metrics.ts). */
  readonly metricStore = new MetricStore();
  /** One-off tasks due at a simulated time (e.g. an abandoned instance leaving its group). */
  readonly scheduled: ScheduledTask[] = [];
  /** Secondary private IP (re)assignments in flight: `AssignPrivateIpAddresses` is asynchronous. */
  readonly pendingAddressMoves: PendingAddressMove[] = [];
  /** Lambda and SNS alarm actions CloudWatch ran, in order (sim/account/alarm-actions.ts). */
  readonly alarmActionDeliveries: AlarmActionDelivery[] = [];
  /** AWS/EC2 metric sources of the instances that have one (sim/account/instance-metrics.ts). */
  readonly instanceMetrics = new Map<string, InstanceMetricsModel>();
  /** Status check metric timelines of every instance (sim/account/status-metrics.ts). */
  readonly statusMetrics = new Map<string, StatusTimeline>();
  readonly instanceStateListeners: InstanceStateListener[] = [];
  /** Auto Scaling engine: replacements, refreshes, hook queues, event delivery (sim/account/asg-model.ts). */
  readonly asg = new AsgRuntime();
  /** Elastic IPs and subnet CIDR reservations (sim/account/vpc-addresses.ts, ec2-vpcs.ts). */
  readonly elasticIps = new Map<string, ElasticIpModel>();
  readonly subnetCidrReservations = new Map<string, SubnetCidrReservationModel>();
  /** When each (VPC, address) was last released (`addressKey`): auto-assignment may prefer them. */
  readonly releasedAddresses = new Map<string, number>();
  /** (subnet, address) pairs EC2 refuses without naming the address (`addressKey(subnetId, ip)`). */
  readonly refusedAddresses = new Set<string>();

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
    // A stopped instance in a warm pool is healthy (warm pool health checks page).
    if (member.lifecycleState.startsWith("Warmed:")) return "Healthy";
    const state = this.instances.get(member.instanceId)?.state;
    return state === "running" || state === "pending" ? "Healthy" : "Unhealthy";
  }

  groupOf(instanceId: string): AsgModel | undefined {
    for (const g of this.autoScalingGroups.values())
      if (g.instances.some((m) => m.instanceId === instanceId)) return g;
    return undefined;
  }

  /** Puts an instance in a new state now, schedules the follow-up, and emits the EC2 event. */
  changeInstanceState(
    inst: InstanceModel,
    to: InstanceStateName,
    at: number,
    emit: EmitServiceEvent,
    transition?: { to: InstanceStateName; at: number },
  ): void {
    const from = inst.state;
    inst.state = to;
    inst.stateSince = at;
    inst.transition = transition;
    for (const listener of this.instanceStateListeners) listener(inst, from, to, at);
    inst.status = statusOnStateChange(to === "running", at, this.behaviour.statusInitializingMs);
    emit({
      source: "aws.ec2",
      detailType: "EC2 Instance State-change Notification",
      resources: [`arn:aws:ec2:${this.region}:${this.accountId}:instance/${inst.id}`],
      detail: { "instance-id": inst.id, state: to },
      at,
    });
  }
}

/** Drops `undefined` members so outputs and snapshots stay compact. */
export function prune<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as T;
}
