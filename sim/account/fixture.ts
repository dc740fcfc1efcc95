/**
 * The account fixture: a JSON document describing one simulated AWS account in one region.
 *
 * Conventions (see docs/simulated-account.md):
 * - field names are the camelCase of the AWS API member names (`instanceType`, `subnetId`,
 *   `destinationCidrBlock`), tags are a `{ key: value }` object;
 * - every collection is optional and defaults to `[]`, every knob has a default, so a later
 *   capability adds optional fields and collections without breaking existing fixtures;
 * - objects are strict: a misspelt field is an error, not silently ignored.
 *
 * `parseFixture` validates the shape (zod) and then the references between resources (a subnet's
 * VPC exists, an instance's private IP is inside its subnet, device indexes are unique…), and
 * reports every issue at once as `path: message`.
 */
import { readFile } from "node:fs/promises";
import * as z from "zod/mini";
import { cidrWithin, containsAddress, isCidr, parseCidr, parseIp } from "../../shared/net/cidr";
import { ADDRESS_FIXTURE_MEMBERS, checkAddressReferences } from "./fixture-addresses";
import {
  ASG_BEHAVIOUR_MEMBERS,
  ASG_GROUP_FIXTURE_MEMBERS,
  checkAsgReferences,
  LaunchTemplateInstanceType,
  LaunchTemplateInterfaces,
} from "./fixture-asg";
import { checkDxReferences, DX_FIXTURE_MEMBERS } from "./fixture-dx";
import { checkEventsFixture, EVENTS_FIXTURE_MEMBERS } from "./fixture-events";
import {
  checkHibernationReferences,
  HIBERNATION_BEHAVIOUR_MEMBERS,
  INSTANCE_LAUNCH_MEMBERS,
  INSTANCE_TYPE_STORAGE_MEMBERS,
  typeStorageSpec,
} from "./fixture-hibernation";
import { LIFECYCLE_FIXTURE_MEMBERS } from "./fixture-lifecycle";
import {
  checkRouteFixture,
  Ipv6Cidr,
  PrefixListId,
  ROUTE_FIXTURE_MEMBERS,
  routeDestinationOf,
} from "./fixture-routes";
import { BUILT_IN_INSTANCE_TYPES, type InstanceTypeSpec } from "./instance-types";
import { STATUS_CHECK_VALUES } from "./status-checks";

function idOf(prefix: string, example: string) {
  return z
    .string()
    .check(
      z.regex(
        new RegExp(`^${prefix}-(?:[0-9a-f]{8}|[0-9a-f]{17})$`),
        `must look like ${example} (8 or 17 hex digits)`,
      ),
    );
}

const InstanceId = idOf("i", "i-0123456789abcdef0");
const EniId = idOf("eni", "eni-0123456789abcdef0");
const VpcId = idOf("vpc", "vpc-0123456789abcdef0");
const SubnetId = idOf("subnet", "subnet-0123456789abcdef0");
const RouteTableId = idOf("rtb", "rtb-0123456789abcdef0");
const LgwRouteTableId = idOf("lgw-rtb", "lgw-rtb-0123456789abcdef0");
const LgwId = idOf("lgw", "lgw-0123456789abcdef0");
const LgwVifGroupId = idOf("lgw-vif-grp", "lgw-vif-grp-0123456789abcdef0");
const VgwId = idOf("vgw", "vgw-0123456789abcdef0");

/** Adds a description (shown in the generated JSON Schema) without touching the shared base schema. */
function doc<T extends z.ZodMiniType>(schema: T, description: string): T {
  return schema.check(z.core.describe(description));
}

const Timestamp = z.iso.datetime({ offset: true });
const Cidr = z
  .string()
  .check(
    z.refine(
      (value) => isCidr(value, { version: 4 }),
      "must be an IPv4 CIDR block with no host bits set, e.g. 10.0.1.0/24",
    ),
  );
const Ipv4 = z
  .string()
  .check(z.refine((value) => parseIp(value, 4) !== undefined, "must be an IPv4 address"));
const OutpostArn = z
  .string()
  .check(
    z.regex(/^arn:aws[a-z-]*:outposts:[a-z0-9-]+:\d{12}:outpost\/op-[0-9a-f]{17}$/, "must be an Outpost ARN"),
  );
const TagMap = z._default(
  z.record(z.string().check(z.minLength(1), z.maxLength(128)), z.string().check(z.maxLength(256))),
  {},
);
const Count = z.int().check(z.gte(0));
const Positive = z.int().check(z.gte(1));
const AlarmName = z.string().check(z.minLength(1), z.maxLength(255));
const ArnList = z._default(z.array(z.string().check(z.startsWith("arn:"))), []);
const Dimensions = z._default(z.record(z.string(), z.string()), {});

export const INSTANCE_STATES = [
  "pending",
  "running",
  "shutting-down",
  "terminated",
  "stopping",
  "stopped",
] as const;
export const ALARM_STATES = ["OK", "ALARM", "INSUFFICIENT_DATA"] as const;
export const COMPARISON_OPERATORS = [
  "GreaterThanOrEqualToThreshold",
  "GreaterThanThreshold",
  "LessThanThreshold",
  "LessThanOrEqualToThreshold",
  "LessThanLowerOrGreaterThanUpperThreshold",
  "LessThanLowerThreshold",
  "GreaterThanUpperThreshold",
] as const;
export const STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"] as const;
export const ROUTE_ORIGINS = ["CreateRouteTable", "CreateRoute", "EnableVgwRoutePropagation"] as const;

const NetworkCard = z.strictObject({
  index: Count,
  maximumNetworkInterfaces: Positive,
  networkPerformance: z.optional(z.string()),
});

const InstanceTypeFixture = z.strictObject({
  name: z.string().check(z.regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, "must look like m5.large")),
  vcpus: z._default(Positive, 2),
  memoryMiB: Positive,
  hibernationSupported: z._default(z.boolean(), false),
  maximumNetworkInterfaces: Positive,
  ipv4AddressesPerInterface: Positive,
  ipv6AddressesPerInterface: z.optional(Count),
  networkPerformance: z._default(z.string(), "Up to 10 Gigabit"),
  networkCards: doc(
    z.optional(z.array(NetworkCard)),
    "Defaults to one card (index 0) carrying all `maximumNetworkInterfaces`.",
  ),
  architecture: z._default(z.enum(["x86_64", "arm64", "i386"]), "x86_64"),
  bareMetal: z._default(z.boolean(), false),
  currentGeneration: z._default(z.boolean(), true),
  ...INSTANCE_TYPE_STORAGE_MEMBERS,
});

const VpcFixture = z.strictObject({
  id: VpcId,
  cidrBlock: Cidr,
  secondaryCidrBlocks: doc(
    z._default(z.array(Cidr), []),
    "IPv4 CIDR blocks associated with the VPC after the primary one (/16 to /28, no overlap); each gets a local route in every table of the VPC, subnets may use them.",
  ),
  ipv6CidrBlocks: doc(z._default(z.array(Ipv6Cidr), []), "IPv6 blocks of the VPC (each has a local route)."),
  isDefault: z._default(z.boolean(), false),
  tags: TagMap,
});

const SubnetFixture = z.strictObject({
  id: SubnetId,
  vpcId: VpcId,
  availabilityZone: z
    .string()
    .check(
      z.regex(
        /^[a-z]{2}(-[a-z]+)+-\d(?:[a-z]|-[a-z]+-\d[a-z])(-[a-z0-9-]+)?$/,
        "must be a zone name like us-east-1a (or a Local Zone like us-west-2-lax-1a)",
      ),
    ),
  cidrBlock: Cidr,
  ipv6CidrBlock: doc(z.optional(Ipv6Cidr), "The subnet's IPv6 block, inside one of the VPC's IPv6 blocks."),
  outpostArn: doc(z.optional(OutpostArn), "Set for a subnet on an Outposts rack."),
  tags: TagMap,
});

const InstanceFixture = z.strictObject({
  id: InstanceId,
  instanceType: doc(z.string(), "An instance type of the built-in catalogue or of instanceTypes."),
  imageId: z.optional(idOf("ami", "ami-0123456789abcdef0")),
  state: doc(
    z._default(z.enum(INSTANCE_STATES), "running"),
    "stopping, pending and shutting-down complete after the behaviour timings.",
  ),
  stateSince: doc(
    z.optional(Timestamp),
    "When the current state was entered; transitional states complete relative to it. Default: launchTime for pending/running, else the clock start.",
  ),
  stateReason: doc(
    z.optional(z.strictObject({ code: z.string(), message: z.string() })),
    "Default: none for running; `Client.UserInitiatedShutdown` for stopping/stopped.",
  ),
  stateTransitionReason: doc(
    z.optional(z.string()),
    'Default: "" for running, `User initiated (<stateSince> GMT)` otherwise.',
  ),
  launchTime: Timestamp,
  subnetId: SubnetId,
  privateIpAddress: Ipv4,
  primaryNetworkInterfaceId: doc(
    z.optional(EniId),
    "Id of the primary ENI generated for the instance when no ENI in `networkInterfaces` is attached at device index 0.",
  ),
  sourceDestCheck: doc(
    z._default(z.boolean(), true),
    "Source/destination check of the generated primary ENI (a router or NAT appliance has it false).",
  ),
  hibernationConfigured: doc(
    z._default(z.boolean(), false),
    "Launched with hibernation enabled (HibernationOptions.Configured). Requires a type that supports hibernation.",
  ),
  disableApiStop: doc(
    z._default(z.boolean(), false),
    "Stop protection: StopInstances answers OperationNotPermitted.",
  ),
  disableApiTermination: z._default(z.boolean(), false),
  autoScalingGroup: doc(
    z.optional(z.string()),
    "Name of the Auto Scaling group the instance belongs to (adds the `aws:autoscaling:groupName` tag).",
  ),
  instanceLifecycle: z.optional(
    z.enum(["spot", "scheduled", "capacity-block", "interruptible-capacity-reservation"]),
  ),
  platform: z.optional(z.literal("windows")),
  keyName: z.optional(z.string()),
  reservationId: z.optional(idOf("r", "r-0123456789abcdef0")),
  monitoring: z._default(z.enum(["disabled", "enabled"]), "disabled"),
  ...INSTANCE_LAUNCH_MEMBERS,
  status: doc(
    z.optional(
      z.strictObject({
        instance: z.optional(z.enum(STATUS_CHECK_VALUES)),
        system: z.optional(z.enum(STATUS_CHECK_VALUES)),
      }),
    ),
    "Status checks (DescribeInstanceStatus). Default: initializing until stateSince + behaviour.statusInitializingMs, then ok, for a running instance; not-applicable otherwise.",
  ),
  tags: TagMap,
});

const EniAttachmentFixture = z.strictObject({
  instanceId: InstanceId,
  deviceIndex: Count,
  networkCardIndex: z._default(Count, 0),
  status: z._default(z.enum(["attaching", "attached", "detaching", "detached"]), "attached"),
  deleteOnTermination: doc(
    z.optional(z.boolean()),
    "Default: true at device index 0 (launched with the instance), false otherwise (attached later).",
  ),
  attachTime: z.optional(Timestamp),
  attachmentId: z.optional(idOf("eni-attach", "eni-attach-0123456789abcdef0")),
});

const NetworkInterfaceFixture = z.strictObject({
  id: EniId,
  subnetId: SubnetId,
  vpcId: doc(z.optional(VpcId), "Optional, must match the subnet's VPC (it documents multi-VPC ENIs)."),
  description: z._default(z.string(), ""),
  status: doc(
    z.optional(z.enum(["available", "in-use"])),
    "Derived from the attachment when omitted: `in-use` if attached, else `available`.",
  ),
  interfaceType: z._default(z.string(), "interface"),
  privateIpAddress: Ipv4,
  secondaryPrivateIpAddresses: z._default(z.array(Ipv4), []),
  sourceDestCheck: z._default(z.boolean(), true),
  requesterManaged: z._default(z.boolean(), false),
  macAddress: z.optional(z.string().check(z.regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/))),
  attachment: z.optional(EniAttachmentFixture),
  tags: TagMap,
});

const RouteFixture = z.strictObject({
  destinationCidrBlock: doc(
    z.optional(Cidr),
    "Exactly one of destinationCidrBlock, destinationIpv6CidrBlock and destinationPrefixListId.",
  ),
  destinationIpv6CidrBlock: z.optional(Ipv6Cidr),
  destinationPrefixListId: doc(z.optional(PrefixListId), "A prefix list of `managedPrefixLists`."),
  target: doc(
    z
      .string()
      .check(
        z.regex(
          /^(local|(igw|vgw|nat|tgw|pcx|lgw|eigw)-[0-9a-f]{8,17}|i-[0-9a-f]{8,17}|eni-[0-9a-f]{8,17})$/,
          "must be local or an id of igw-, vgw-, nat-, tgw-, pcx-, lgw-, eigw-, i- or eni-",
        ),
      ),
    "The target, by id: local, igw-/vgw- (gateway), i- (instance), eni- (network interface), lgw- (local gateway), nat-, tgw-, pcx-, eigw-. A target that does not exist is treated as deleted: the route is a blackhole.",
  ),
  origin: z._default(z.enum(ROUTE_ORIGINS), "CreateRoute"),
  state: doc(
    z.optional(z.enum(["active", "blackhole"])),
    "Only for gateway-like targets (computed for i-/eni- targets): e.g. a route to a detached IGW.",
  ),
});

const RouteTableFixture = z.strictObject({
  id: RouteTableId,
  vpcId: VpcId,
  main: doc(
    z._default(z.boolean(), false),
    "The VPC's main route table (applies to subnets with no explicit association).",
  ),
  associations: z._default(
    z.array(
      z.strictObject({
        id: z.optional(idOf("rtbassoc", "rtbassoc-0123456789abcdef0")),
        subnetId: z.optional(SubnetId),
        gatewayId: z.optional(z.string()),
      }),
    ),
    [],
  ),
  routes: doc(
    z._default(z.array(RouteFixture), []),
    "The local route for the VPC CIDR is added automatically when not listed.",
  ),
  propagatingVgws: doc(
    z._default(z.array(VgwId), []),
    "Virtual private gateways propagating routes into this table (`PropagatingVgws`).",
  ),
  tags: TagMap,
});

const LocalGatewayRouteFixture = z.strictObject({
  destinationCidrBlock: Cidr,
  networkInterfaceId: z.optional(EniId),
  localGatewayVirtualInterfaceGroupId: z.optional(LgwVifGroupId),
  type: z._default(z.enum(["static", "propagated"]), "static"),
  state: doc(
    z.optional(z.enum(["pending", "active", "blackhole", "deleting", "deleted"])),
    "Only for virtual-interface-group routes; ENI routes are computed (active only while the ENI is attached to a running instance).",
  ),
});

const LocalGatewayRouteTableFixture = z.strictObject({
  id: LgwRouteTableId,
  localGatewayId: LgwId,
  outpostArn: OutpostArn,
  mode: z._default(z.enum(["direct-vpc-routing", "coip"]), "direct-vpc-routing"),
  state: z._default(z.string(), "available"),
  routes: z._default(z.array(LocalGatewayRouteFixture), []),
  tags: TagMap,
});

export const LIFECYCLE_STATES = [
  "Pending",
  "Pending:Wait",
  "Pending:Proceed",
  "Quarantined",
  "InService",
  "Terminating",
  "Terminating:Wait",
  "Terminating:Proceed",
  "Terminating:Retained",
  "Terminated",
  "Detaching",
  "Detached",
  "EnteringStandby",
  "Standby",
  "Warmed:Pending",
  "Warmed:Pending:Wait",
  "Warmed:Pending:Proceed",
  "Warmed:Pending:Retained",
  "Warmed:Terminating",
  "Warmed:Terminating:Wait",
  "Warmed:Terminating:Proceed",
  "Warmed:Terminating:Retained",
  "Warmed:Terminated",
  "Warmed:Stopped",
  "Warmed:Running",
  "Warmed:Hibernated",
  "ReplacingRootVolume",
  "ReplacingRootVolume:Wait",
  "ReplacingRootVolume:Proceed",
  "RootVolumeReplaced",
] as const;

const AutoScalingGroupFixture = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(255)),
  minSize: z._default(Count, 0),
  maxSize: doc(z.optional(Count), "Default: the number of instances (at least 1)."),
  desiredCapacity: doc(z.optional(Count), "Default: the number of instances."),
  vpcZoneIdentifier: doc(
    z._default(z.array(SubnetId), []),
    "Subnets of the group (`VPCZoneIdentifier`); zones are derived from them.",
  ),
  launchTemplate: z.optional(
    z.strictObject({
      launchTemplateId: z.optional(idOf("lt", "lt-0123456789abcdef0")),
      launchTemplateName: z.optional(z.string()),
      version: z._default(z.string(), "$Default"),
      instanceType: LaunchTemplateInstanceType,
      networkInterfaces: LaunchTemplateInterfaces,
    }),
  ),
  healthCheckType: z._default(z.enum(["EC2", "ELB", "VPC_LATTICE", "EBS"]), "EC2"),
  healthCheckGracePeriod: z._default(Count, 300),
  defaultCooldown: z._default(Count, 300),
  createdTime: z.optional(Timestamp),
  instances: z._default(
    z.array(
      z.strictObject({
        instanceId: InstanceId,
        lifecycleState: z._default(z.enum(LIFECYCLE_STATES), "InService"),
        healthStatus: doc(
          z.optional(z.enum(["Healthy", "Unhealthy"])),
          "Default: computed from EC2 status (a stopped or stopping instance is Unhealthy).",
        ),
        protectedFromScaleIn: z._default(z.boolean(), false),
      }),
    ),
    [],
  ),
  tags: TagMap,
  ...ASG_GROUP_FIXTURE_MEMBERS,
});

const MetricStatFixture = z.strictObject({
  namespace: z.string(),
  metricName: z.string(),
  dimensions: Dimensions,
  period: Positive,
  stat: z.string(),
  unit: z.optional(z.string()),
});

const MetricAlarmFixture = z.strictObject({
  name: AlarmName,
  description: z.optional(z.string()),
  namespace: z.optional(z.string()),
  metricName: z.optional(z.string()),
  dimensions: doc(Dimensions, '`{ InstanceId: "i-…" }`: name → value, in order.'),
  statistic: z.optional(z.enum(STATISTICS)),
  extendedStatistic: z.optional(z.string()),
  period: z.optional(Positive),
  unit: z.optional(z.string()),
  evaluationPeriods: Positive,
  datapointsToAlarm: z.optional(Positive),
  threshold: z.optional(z.number()),
  comparisonOperator: z.enum(COMPARISON_OPERATORS),
  treatMissingData: z.optional(z.enum(["breaching", "notBreaching", "ignore", "missing"])),
  metrics: doc(
    z.optional(
      z.array(
        z.strictObject({
          id: z.string(),
          expression: z.optional(z.string()),
          label: z.optional(z.string()),
          returnData: z.optional(z.boolean()),
          period: z.optional(Positive),
          metricStat: z.optional(MetricStatFixture),
        }),
      ),
    ),
    "Metric math / anomaly detection / Metrics Insights queries, instead of namespace + metricName.",
  ),
  thresholdMetricId: z.optional(z.string()),
  actionsEnabled: z._default(z.boolean(), true),
  alarmActions: ArnList,
  okActions: ArnList,
  insufficientDataActions: ArnList,
  state: z._default(z.enum(ALARM_STATES), "INSUFFICIENT_DATA"),
  stateReason: z._default(z.string(), "Unchecked: Initial alarm creation"),
  stateReasonData: doc(z.optional(z.string()), "A JSON string, as CloudWatch stores it."),
  stateUpdatedTimestamp: doc(z.optional(Timestamp), "Default: the clock start."),
  configurationUpdatedTimestamp: doc(z.optional(Timestamp), "Default: stateUpdatedTimestamp."),
  evaluationState: z.optional(z.enum(["PARTIAL_DATA", "EVALUATION_FAILURE", "EVALUATION_ERROR"])),
  tags: TagMap,
});

const CompositeAlarmFixture = z.strictObject({
  name: AlarmName,
  description: z.optional(z.string()),
  alarmRule: z.string().check(z.minLength(1), z.maxLength(10240)),
  actionsEnabled: z._default(z.boolean(), true),
  alarmActions: ArnList,
  okActions: ArnList,
  insufficientDataActions: ArnList,
  actionsSuppressor: z.optional(z.string()),
  actionsSuppressorWaitPeriod: z.optional(Count),
  actionsSuppressorExtensionPeriod: z.optional(Count),
  state: z._default(z.enum(ALARM_STATES), "INSUFFICIENT_DATA"),
  stateReason: z._default(z.string(), "Unchecked: Initial alarm creation"),
  stateReasonData: z.optional(z.string()),
  stateUpdatedTimestamp: z.optional(Timestamp),
  configurationUpdatedTimestamp: z.optional(Timestamp),
  tags: TagMap,
});

/** Durations of asynchronous transitions, in ms of simulated time. */
const BehaviourFixture = z.strictObject({
  pendingToRunningMs: z._default(Count, 15_000),
  stoppingToStoppedMs: z._default(Count, 30_000),
  hibernatingToStoppedMs: z._default(Count, 60_000),
  forcedStopMs: doc(
    z._default(Count, 5_000),
    "A `Force` stop completes this long after the call (if sooner than the normal stop).",
  ),
  shuttingDownToTerminatedMs: z._default(Count, 45_000),
  eniAttachMs: doc(
    z._default(Count, 3_000),
    "ENI attachment `attaching` → `attached` (used by the ENI operations).",
  ),
  eniDetachMs: doc(
    z._default(Count, 5_000),
    "ENI attachment `detaching` → `detached`, ENI back to `available`.",
  ),
  ec2Throttling: doc(
    z.optional(z.enum(["off", "documented"])),
    "Default off. documented: EC2 token buckets per the EC2 throttling documentation (non-mutating Describe* 100 tokens + 20/s; CreateRoute/DeleteRoute/ReplaceRoute/CreateTags/DeleteTags 200 tokens + 5/s) → RequestLimitExceeded.",
  ),
  routesPerTable: doc(
    z._default(Positive, 50),
    "Quota 'Routes per route table (non-propagated routes)', counted separately for IPv4 and IPv6, a prefix-list route counting its list's maxEntries (CreateRoute → RouteLimitExceeded). AWS default 50, adjustable up to 1,000.",
  ),
  emfExtractionDelayMs: doc(
    z._default(Count, 0),
    "Metrics in embedded-metric-format log lines become datapoints this long after the lines are ingested (undocumented in AWS; asynchronous).",
  ),
  privateIpRemapMs: doc(
    z._default(Count, 2_000),
    "`AssignPrivateIpAddresses`: an address shows on the target ENI (and leaves its old ENI) this long after the call.",
  ),
  ...HIBERNATION_BEHAVIOUR_MEMBERS,
  statusInitializingMs: doc(
    z._default(Count, 120_000),
    "Status checks stay `initializing` this long after an instance enters `running`, then turn `ok` (a decision: AWS documents no duration).",
  ),
  addressInUseCode: doc(
    z._default(z.enum(["PrivateIpAddressInUse", "InvalidIPAddress.InUse"]), "PrivateIpAddressInUse"),
    "The code of `AssignPrivateIpAddresses` for an address held by another ENI of the VPC without `AllowReassignment` (AWS documents none).",
  ),
  autoAssignOrder: doc(
    z._default(z.enum(["lowest", "recently-released"]), "lowest"),
    "Which free address AWS picks (SecondaryPrivateIpAddressCount, CreateNetworkInterface without an address): the lowest, or the most recently released first.",
  ),
  prefixReservationAssignment: doc(
    z._default(z.enum(["refuse", "allow"]), "refuse"),
    "An explicit address inside a `prefix` subnet CIDR reservation: refused (InvalidParameterValue) or allowed (AWS documents neither).",
  ),
  ...ASG_BEHAVIOUR_MEMBERS,
});

const FaultFixture = z.strictObject({
  service: z.optional(z.enum(["ec2", "autoscaling", "monitoring", "events", "outposts", "directconnect"])),
  operation: doc(
    z.string().check(z.minLength(1)),
    "Operation name, or `*` for every operation (of `service` if given).",
  ),
  region: z.optional(z.string()),
  error: z.optional(
    z.strictObject({
      code: z.string().check(z.minLength(1)),
      httpStatus: z.optional(z.int().check(z.gte(400), z.lte(599))),
      message: z.optional(z.string()),
    }),
  ),
  applied: doc(
    z.optional(z.boolean()),
    "The operation takes effect before the fault answers (a write that lands although its caller sees the error or no answer).",
  ),
  dropConnection: doc(
    z.optional(z.boolean()),
    "No answer: the connection closes (the SDK sees ECONNRESET and retries).",
  ),
  times: doc(z.optional(Positive), "Fire at most this many times (default: every matching call)."),
  after: doc(z.optional(Count), "Let this many matching calls through before firing."),
  latencyMs: doc(
    z.optional(Count),
    "Simulated latency: the clock advances this much before the call is answered.",
  ),
  staleReadMs: doc(
    z.optional(Count),
    "Eventual consistency: the matching Describe answers each instance, ENI or route table written (or instance launched) within this many ms at its version before that write (sim/account/stale-reads.ts).",
  ),
});

export const AccountFixtureSchema = z.strictObject({
  $schema: z.optional(z.string()),
  description: z.optional(z.string()),
  accountId: z.string().check(z.regex(/^\d{12}$/, "must be 12 digits")),
  region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be a region name like us-east-1")),
  clock: doc(
    z.strictObject({
      start: doc(Timestamp, "The simulated time at which the account starts."),
      mode: doc(
        z._default(z.enum(["manual", "real"]), "manual"),
        "manual: time moves only when told (deterministic); real: follows the wall clock from start.",
      ),
    }),
    "The simulated clock.",
  ),
  behaviour: doc(
    z.prefault(BehaviourFixture, {}),
    "Durations of asynchronous transitions, in ms of simulated time.",
  ),
  instanceTypes: doc(
    z._default(z.array(InstanceTypeFixture), []),
    "Added to (and overriding) the built-in catalogue (sim/account/instance-types.ts).",
  ),
  vpcs: z._default(z.array(VpcFixture), []),
  subnets: z._default(z.array(SubnetFixture), []),
  instances: doc(
    z._default(z.array(InstanceFixture), []),
    "EC2 instances. A primary ENI is generated for each unless networkInterfaces lists one at device index 0.",
  ),
  networkInterfaces: doc(
    z._default(z.array(NetworkInterfaceFixture), []),
    "ENIs beyond the generated primary ones (secondary, multi-VPC, unattached).",
  ),
  routeTables: doc(
    z._default(z.array(RouteTableFixture), []),
    "VPC route tables with static and propagated routes.",
  ),
  localGatewayRouteTables: doc(
    z._default(z.array(LocalGatewayRouteTableFixture), []),
    "Outposts local gateway route tables.",
  ),
  autoScalingGroups: z._default(z.array(AutoScalingGroupFixture), []),
  ...LIFECYCLE_FIXTURE_MEMBERS,
  ...DX_FIXTURE_MEMBERS,
  ...ADDRESS_FIXTURE_MEMBERS,
  ...ROUTE_FIXTURE_MEMBERS,
  ...EVENTS_FIXTURE_MEMBERS,
  alarms: doc(
    z._default(z.array(MetricAlarmFixture), []),
    "CloudWatch metric alarms (single metric, metric math, anomaly detection, Metrics Insights).",
  ),
  compositeAlarms: doc(
    z._default(z.array(CompositeAlarmFixture), []),
    "CloudWatch composite alarms (their state is not recomputed from the rule).",
  ),
  faults: doc(
    z._default(z.array(FaultFixture), []),
    "Faults active from the start (same shape as `POST /__sim/faults`).",
  ),
});

export type AccountFixture = z.output<typeof AccountFixtureSchema>;
/** What a fixture file may contain (defaults not yet applied). */
export type AccountFixtureInput = z.input<typeof AccountFixtureSchema>;
export type InstanceFixture = AccountFixture["instances"][number];
export type NetworkInterfaceFixture = AccountFixture["networkInterfaces"][number];
export type RouteTableFixture = AccountFixture["routeTables"][number];
export type LocalGatewayRouteTableFixture = AccountFixture["localGatewayRouteTables"][number];
export type AutoScalingGroupFixture = AccountFixture["autoScalingGroups"][number];
export type MetricAlarmFixture = AccountFixture["alarms"][number];
export type CompositeAlarmFixture = AccountFixture["compositeAlarms"][number];
export type BehaviourSettings = AccountFixture["behaviour"];
export type FaultFixture = AccountFixture["faults"][number];
export type InstanceTypeFixture = AccountFixture["instanceTypes"][number];

/** Thrown by `parseFixture` / `loadFixture`, with every issue found. */
export class FixtureError extends Error {
  readonly issues: string[];
  constructor(source: string, issues: string[]) {
    super(`Invalid account fixture (${source}):\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "FixtureError";
    this.issues = issues;
  }
}

function ensureMessages(): void {
  // zod/mini ships without a locale; without one every issue reads "Invalid input".
  if (z.config().localeError === undefined) z.config(z.locales.en());
}

/** The catalogue a fixture sees: built-in types overridden by the fixture's own. */
export function instanceTypeCatalogue(
  fixture: Pick<AccountFixture, "instanceTypes">,
): Map<string, InstanceTypeSpec> {
  const catalogue = new Map<string, InstanceTypeSpec>(BUILT_IN_INSTANCE_TYPES.map((t) => [t.name, t]));
  for (const t of fixture.instanceTypes) {
    catalogue.set(t.name, {
      name: t.name,
      vcpus: t.vcpus,
      memoryMiB: t.memoryMiB,
      hibernationSupported: t.hibernationSupported,
      maximumNetworkInterfaces: t.maximumNetworkInterfaces,
      ipv4AddressesPerInterface: t.ipv4AddressesPerInterface,
      ipv6AddressesPerInterface: t.ipv6AddressesPerInterface ?? t.ipv4AddressesPerInterface,
      networkPerformance: t.networkPerformance,
      networkCards: (
        t.networkCards ?? [
          { index: 0, maximumNetworkInterfaces: t.maximumNetworkInterfaces, networkPerformance: undefined },
        ]
      ).map((c) => ({
        index: c.index,
        maximumNetworkInterfaces: c.maximumNetworkInterfaces,
        networkPerformance: c.networkPerformance ?? t.networkPerformance,
      })),
      architecture: t.architecture,
      bareMetal: t.bareMetal,
      currentGeneration: t.currentGeneration,
      ...typeStorageSpec(t),
    });
  }
  return catalogue;
}

/** Cross-resource checks the schema alone cannot express. Returns `path: message` issues. */
export function checkReferences(f: AccountFixture): string[] {
  const issues: string[] = [];
  const add = (path: string, message: string) => issues.push(`${path}: ${message}`);

  const seen = new Map<string, string>();
  const unique = (id: string, path: string) => {
    const previous = seen.get(id);
    if (previous !== undefined) add(path, `duplicate id ${id} (also at ${previous})`);
    else seen.set(id, path);
  };

  const vpcs = new Map(f.vpcs.map((v) => [v.id, v]));
  const subnets = new Map(f.subnets.map((s) => [s.id, s]));
  const instances = new Map(f.instances.map((i) => [i.id, i]));
  const groups = new Map(f.autoScalingGroups.map((g) => [g.name, g]));
  const types = instanceTypeCatalogue(f);

  f.vpcs.forEach((v, i) => {
    unique(v.id, `vpcs.${i}.id`);
  });
  f.subnets.forEach((s, i) => {
    unique(s.id, `subnets.${i}.id`);
    const vpc = vpcs.get(s.vpcId);
    if (vpc === undefined) add(`subnets.${i}.vpcId`, `unknown VPC ${s.vpcId}`);
    else {
      const inner = parseCidr(s.cidrBlock, { version: 4 });
      const blocks = [vpc.cidrBlock, ...vpc.secondaryCidrBlocks];
      const outers = blocks.map((b) => parseCidr(b, { version: 4 }));
      if (inner && !outers.some((outer) => outer !== undefined && cidrWithin(inner, outer))) {
        add(`subnets.${i}.cidrBlock`, `${s.cidrBlock} is not inside a VPC CIDR (${blocks.join(", ")})`);
      }
    }
    if (!s.availabilityZone.startsWith(f.region)) {
      add(`subnets.${i}.availabilityZone`, `${s.availabilityZone} is not a zone of ${f.region}`);
    }
  });

  const ipsBySubnet = new Map<string, Map<string, string>>();
  const claimIp = (subnetId: string, ip: string, path: string) => {
    const subnet = subnets.get(subnetId);
    if (subnet === undefined) return;
    if (!containsAddress(subnet.cidrBlock, ip, { version: 4 }))
      add(path, `${ip} is not inside subnet ${subnetId} (${subnet.cidrBlock})`);
    const used = ipsBySubnet.get(subnetId) ?? new Map<string, string>();
    ipsBySubnet.set(subnetId, used);
    const owner = used.get(ip);
    if (owner !== undefined) add(path, `${ip} is already used at ${owner}`);
    else used.set(ip, path);
  };

  const primaryFromList = new Set(
    f.networkInterfaces.filter((n) => n.attachment?.deviceIndex === 0).map((n) => n.attachment?.instanceId),
  );

  f.instances.forEach((inst, i) => {
    const path = `instances.${i}`;
    unique(inst.id, `${path}.id`);
    const type = types.get(inst.instanceType);
    if (type === undefined)
      add(`${path}.instanceType`, `unknown instance type ${inst.instanceType} (add it to instanceTypes)`);
    const subnet = subnets.get(inst.subnetId);
    if (subnet === undefined) add(`${path}.subnetId`, `unknown subnet ${inst.subnetId}`);
    if (!primaryFromList.has(inst.id)) {
      claimIp(inst.subnetId, inst.privateIpAddress, `${path}.privateIpAddress`);
      if (inst.primaryNetworkInterfaceId !== undefined)
        unique(inst.primaryNetworkInterfaceId, `${path}.primaryNetworkInterfaceId`);
    } else if (inst.primaryNetworkInterfaceId !== undefined) {
      add(
        `${path}.primaryNetworkInterfaceId`,
        "not allowed when networkInterfaces lists the ENI at device index 0",
      );
    }
    if (inst.hibernationConfigured && type !== undefined && !type.hibernationSupported) {
      add(`${path}.hibernationConfigured`, `instance type ${inst.instanceType} does not support hibernation`);
    }
    if (inst.autoScalingGroup !== undefined && !groups.has(inst.autoScalingGroup)) {
      add(`${path}.autoScalingGroup`, `unknown Auto Scaling group ${inst.autoScalingGroup}`);
    }
    const tagGroup = inst.tags["aws:autoscaling:groupName"];
    if (tagGroup !== undefined && tagGroup !== inst.autoScalingGroup) {
      add(
        `${path}.tags`,
        `aws:autoscaling:groupName is ${tagGroup} but autoScalingGroup is ${inst.autoScalingGroup ?? "unset"}`,
      );
    }
    if (Date.parse(inst.launchTime) > Date.parse(f.clock.start)) {
      add(`${path}.launchTime`, "is after the clock start");
    }
  });

  const slots = new Map<string, string>();
  const perCard = new Map<string, number>();
  for (const inst of f.instances) {
    if (!primaryFromList.has(inst.id)) {
      slots.set(`${inst.id}/0/0`, `instances (generated primary ENI)`);
      perCard.set(`${inst.id}/0`, 1);
    }
  }
  f.networkInterfaces.forEach((eni, i) => {
    const path = `networkInterfaces.${i}`;
    unique(eni.id, `${path}.id`);
    const subnet = subnets.get(eni.subnetId);
    if (subnet === undefined) add(`${path}.subnetId`, `unknown subnet ${eni.subnetId}`);
    else if (eni.vpcId !== undefined && eni.vpcId !== subnet.vpcId) {
      add(`${path}.vpcId`, `${eni.vpcId} is not the VPC of subnet ${eni.subnetId} (${subnet.vpcId})`);
    }
    claimIp(eni.subnetId, eni.privateIpAddress, `${path}.privateIpAddress`);
    eni.secondaryPrivateIpAddresses.forEach((ip, j) => {
      claimIp(eni.subnetId, ip, `${path}.secondaryPrivateIpAddresses.${j}`);
    });
    const att = eni.attachment;
    if (eni.status !== undefined) {
      const expected = att === undefined || att.status === "detached" ? "available" : "in-use";
      if (eni.status !== expected)
        add(`${path}.status`, `is ${eni.status} but the attachment says ${expected}`);
    }
    if (att === undefined) return;
    const inst = instances.get(att.instanceId);
    if (inst === undefined) {
      add(`${path}.attachment.instanceId`, `unknown instance ${att.instanceId}`);
      return;
    }
    const instSubnet = subnets.get(inst.subnetId);
    if (
      subnet !== undefined &&
      instSubnet !== undefined &&
      subnet.availabilityZone !== instSubnet.availabilityZone
    ) {
      add(
        `${path}.attachment`,
        `ENI in ${subnet.availabilityZone} cannot be attached to ${inst.id} in ${instSubnet.availabilityZone}`,
      );
    }
    if (att.status === "detached") return;
    const slot = `${att.instanceId}/${att.networkCardIndex}/${att.deviceIndex}`;
    const owner = slots.get(slot);
    if (owner !== undefined)
      add(
        `${path}.attachment.deviceIndex`,
        `device index ${att.deviceIndex} of ${att.instanceId} is already used by ${owner}`,
      );
    else slots.set(slot, path);
    const type = types.get(inst.instanceType);
    if (type !== undefined) {
      const card = type.networkCards.find((c) => c.index === att.networkCardIndex);
      if (card === undefined)
        add(
          `${path}.attachment.networkCardIndex`,
          `${inst.instanceType} has no network card ${att.networkCardIndex}`,
        );
      const key = `${att.instanceId}/${att.networkCardIndex}`;
      const count = (perCard.get(key) ?? 0) + 1;
      perCard.set(key, count);
      if (card !== undefined && count > card.maximumNetworkInterfaces) {
        add(
          `${path}.attachment`,
          `${inst.instanceType} allows ${card.maximumNetworkInterfaces} ENIs on network card ${att.networkCardIndex}`,
        );
      }
      if (1 + eni.secondaryPrivateIpAddresses.length > type.ipv4AddressesPerInterface) {
        add(
          `${path}.secondaryPrivateIpAddresses`,
          `${inst.instanceType} allows ${type.ipv4AddressesPerInterface} IPv4 addresses per ENI`,
        );
      }
    }
  });

  const mainPerVpc = new Map<string, string>();
  const associatedSubnets = new Map<string, string>();
  f.routeTables.forEach((rt, i) => {
    const path = `routeTables.${i}`;
    unique(rt.id, `${path}.id`);
    if (!vpcs.has(rt.vpcId)) add(`${path}.vpcId`, `unknown VPC ${rt.vpcId}`);
    if (rt.main) {
      const other = mainPerVpc.get(rt.vpcId);
      if (other !== undefined) add(`${path}.main`, `${rt.vpcId} already has main route table ${other}`);
      else mainPerVpc.set(rt.vpcId, rt.id);
    }
    rt.associations.forEach((a, j) => {
      if ((a.subnetId === undefined) === (a.gatewayId === undefined)) {
        add(`${path}.associations.${j}`, "needs exactly one of subnetId and gatewayId");
      }
      if (a.subnetId !== undefined) {
        const subnet = subnets.get(a.subnetId);
        if (subnet === undefined) add(`${path}.associations.${j}.subnetId`, `unknown subnet ${a.subnetId}`);
        else if (subnet.vpcId !== rt.vpcId)
          add(`${path}.associations.${j}.subnetId`, `${a.subnetId} is not in ${rt.vpcId}`);
        const other = associatedSubnets.get(a.subnetId);
        if (other !== undefined)
          add(`${path}.associations.${j}.subnetId`, `${a.subnetId} is already associated with ${other}`);
        else associatedSubnets.set(a.subnetId, rt.id);
      }
    });
    const destinations = new Map<string, number>();
    rt.routes.forEach((r, j) => {
      const rpath = `${path}.routes.${j}`;
      const destination = routeDestinationOf(r) ?? "";
      const key = `${destination}|${r.origin === "EnableVgwRoutePropagation" ? "propagated" : "static"}`;
      if (destinations.has(key)) add(rpath, `duplicate route for ${destination}`);
      destinations.set(key, j);
      if (r.origin === "EnableVgwRoutePropagation") {
        if (!r.target.startsWith("vgw-"))
          add(`${rpath}.target`, "a propagated route targets a virtual private gateway (vgw-…)");
        else if (!rt.propagatingVgws.includes(r.target))
          add(`${rpath}.target`, `${r.target} is not in propagatingVgws`);
      }
      if (r.state !== undefined && (r.target.startsWith("i-") || r.target.startsWith("eni-"))) {
        add(`${rpath}.state`, "is computed for instance and ENI targets; remove it");
      }
      const vpc = vpcs.get(rt.vpcId);
      if (vpc !== undefined && r.target !== "local" && r.destinationCidrBlock === vpc.cidrBlock) {
        add(rpath, `the VPC CIDR ${vpc.cidrBlock} is routed by the local route`);
      }
    });
  });
  checkRouteFixture(f, add);
  checkEventsFixture(f, add);

  f.localGatewayRouteTables.forEach((t, i) => {
    const path = `localGatewayRouteTables.${i}`;
    unique(t.id, `${path}.id`);
    const destinations = new Set<string>();
    t.routes.forEach((r, j) => {
      const rpath = `${path}.routes.${j}`;
      if ((r.networkInterfaceId === undefined) === (r.localGatewayVirtualInterfaceGroupId === undefined)) {
        add(rpath, "needs exactly one of networkInterfaceId and localGatewayVirtualInterfaceGroupId");
      }
      if (r.networkInterfaceId !== undefined && r.state !== undefined)
        add(`${rpath}.state`, "is computed for ENI routes; remove it");
      if (destinations.has(r.destinationCidrBlock))
        add(rpath, `duplicate route for ${r.destinationCidrBlock}`);
      destinations.add(r.destinationCidrBlock);
    });
    if (t.routes.filter((r) => r.networkInterfaceId !== undefined).length > 100) {
      add(`${path}.routes`, "at most 100 ENI-target routes per local gateway route table");
    }
  });

  const member = new Map<string, string>();
  f.autoScalingGroups.forEach((g, i) => {
    const path = `autoScalingGroups.${i}`;
    if (f.autoScalingGroups.findIndex((o) => o.name === g.name) !== i)
      add(`${path}.name`, `duplicate group ${g.name}`);
    g.vpcZoneIdentifier.forEach((s, j) => {
      if (!subnets.has(s)) add(`${path}.vpcZoneIdentifier.${j}`, `unknown subnet ${s}`);
    });
    g.instances.forEach((m, j) => {
      const inst = instances.get(m.instanceId);
      if (inst === undefined) add(`${path}.instances.${j}.instanceId`, `unknown instance ${m.instanceId}`);
      else if (inst.autoScalingGroup !== undefined && inst.autoScalingGroup !== g.name) {
        add(
          `${path}.instances.${j}.instanceId`,
          `${m.instanceId} says it belongs to ${inst.autoScalingGroup}`,
        );
      }
      const other = member.get(m.instanceId);
      if (other !== undefined && other !== g.name)
        add(`${path}.instances.${j}.instanceId`, `${m.instanceId} is already in ${other}`);
      member.set(m.instanceId, g.name);
    });
  });

  const alarmNames = new Set<string>();
  const alarmUnique = (name: string, path: string) => {
    if (alarmNames.has(name)) add(path, `duplicate alarm name ${name}`);
    alarmNames.add(name);
  };
  f.alarms.forEach((a, i) => {
    const path = `alarms.${i}`;
    alarmUnique(a.name, `${path}.name`);
    const single = a.metricName !== undefined || a.namespace !== undefined;
    if (single === (a.metrics !== undefined))
      add(path, "needs either namespace + metricName (+ period, statistic) or metrics, not both");
    if (single) {
      if (a.metricName === undefined || a.namespace === undefined)
        add(path, "needs both namespace and metricName");
      if (a.period === undefined) add(`${path}.period`, "is required for a single-metric alarm");
      if ((a.statistic === undefined) === (a.extendedStatistic === undefined))
        add(path, "needs exactly one of statistic and extendedStatistic");
    }
    if (a.threshold === undefined && a.thresholdMetricId === undefined)
      add(path, "needs threshold or thresholdMetricId");
    if (a.datapointsToAlarm !== undefined && a.datapointsToAlarm > a.evaluationPeriods) {
      add(`${path}.datapointsToAlarm`, "must not exceed evaluationPeriods");
    }
    if (a.stateReasonData !== undefined) {
      try {
        JSON.parse(a.stateReasonData);
      } catch {
        add(`${path}.stateReasonData`, "must be a JSON string");
      }
    }
  });
  f.compositeAlarms.forEach((a, i) => {
    alarmUnique(a.name, `compositeAlarms.${i}.name`);
  });
  checkDxReferences(f, new Set(vpcs.keys()), add);
  checkHibernationReferences(f.instances, types, add);
  checkAddressReferences(f, add);
  checkAsgReferences(f.autoScalingGroups, add);

  return issues;
}

/** Validates a parsed JSON value as a fixture; throws `FixtureError` listing every issue. */
export function parseFixture(json: unknown, source = "fixture"): AccountFixture {
  ensureMessages();
  const result = z.safeParse(AccountFixtureSchema, json);
  if (!result.success) {
    throw new FixtureError(
      source,
      result.error.issues.map((issue) => `${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`),
    );
  }
  const issues = checkReferences(result.data);
  if (issues.length > 0) throw new FixtureError(source, issues);
  return result.data;
}

/** Reads and validates a fixture file. */
export async function loadFixture(path: string): Promise<AccountFixture> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new FixtureError(path, [`cannot read the file: ${(error as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FixtureError(path, [`not valid JSON: ${(error as Error).message}`]);
  }
  return parseFixture(json, path);
}

/** The JSON Schema of the fixture format (input side: fields with defaults are optional). */
export function fixtureJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(AccountFixtureSchema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
}
