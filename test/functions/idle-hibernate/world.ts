import type { AlarmInput, Fixture, InstanceInput } from "../../support/fixtures";

/**
 * A small account for the idle-hibernate model (issue 12): one opted-in instance of each kind the
 * capability treats apart, each with its own idle alarm in ALARM, plus events for its triggers. Built in
 * code (the fixture's own input type), so each test states the one thing it changes.
 */

export const START = "2026-03-02T09:00:00.000Z";
export const START_MS = Date.parse(START);
const DAY_MS = 86_400_000;
const LAUNCHED = new Date(START_MS - DAY_MS).toISOString();
export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";

export const W = {
  happy: "i-0c00000000000000a",
  nvme: "i-0c00000000000000b",
  storeRoot: "i-0c00000000000000c",
  ecsOnAsg: "i-0c00000000000000d",
  eks: "i-0c00000000000000e",
  karpenter: "i-0c00000000000000f",
  emr: "i-0c000000000000010",
  ec2Fleet: "i-0c000000000000011",
  spotFleet: "i-0c000000000000012",
  autoMode: "i-0c000000000000013",
  reserved: "i-0c000000000000014",
  spotOneTime: "i-0c000000000000015",
  spotPersistent: "i-0c000000000000016",
  failing: "i-0c000000000000017",
  failingVisible: "i-0c000000000000018",
  longHibernated: "i-0c000000000000019",
  dayWindow: "i-0c00000000000001a",
  quarterWindow: "i-0c00000000000001b",
  blog: "i-0c00000000000001c",
  notConfigured: "i-0c00000000000001d",
} as const;

/** Instances whose stop the capability must never cause (instance store, managed fleets). */
export const NEVER_STOPPED = [
  W.nvme,
  W.storeRoot,
  W.ecsOnAsg,
  W.eks,
  W.karpenter,
  W.emr,
  W.ec2Fleet,
  W.spotFleet,
  W.autoMode,
] as const;

const SUBNET = "subnet-0c0000000000000a1";
let ip = 10;

const instance = (id: string, extra: Partial<InstanceInput> = {}): InstanceInput => {
  ip += 1;
  return {
    id,
    instanceType: "m5.large",
    launchTime: LAUNCHED,
    subnetId: SUBNET,
    privateIpAddress: `10.0.1.${ip}`,
    hibernationConfigured: true,
    tags: { "ops:hibernate": "idle" },
    ...extra,
  };
};

const tagged = (tags: Record<string, string>) => ({ tags: { "ops:hibernate": "idle", ...tags } });

/** The toolkit's idle alarm of an instance: CPU < 10 % for 3 × 5 minutes, in ALARM. */
export const idleAlarm = (id: string, extra: Partial<AlarmInput> = {}): AlarmInput => ({
  name: `ops-idle-${id}`,
  namespace: "AWS/EC2",
  metricName: "CPUUtilization",
  dimensions: { InstanceId: id },
  statistic: "Average",
  period: 300,
  evaluationPeriods: 3,
  datapointsToAlarm: 3,
  threshold: 10,
  comparisonOperator: "LessThanThreshold",
  treatMissingData: "missing",
  state: "ALARM",
  stateUpdatedTimestamp: new Date(START_MS - 60_000).toISOString(),
  tags: { "ops:managed-by": "ops-toolkit" },
  ...extra,
});

const hibernatedSince = (days: number): Partial<InstanceInput> => ({
  state: "stopped",
  launchTime: new Date(START_MS - (days + 4) * DAY_MS).toISOString(),
  stateSince: new Date(START_MS - days * DAY_MS).toISOString(),
  stateReason: {
    code: "Client.UserInitiatedHibernate",
    message: "Client.UserInitiatedHibernate: User initiated hibernate",
  },
});

const INSTANCES = (): InstanceInput[] => [
  instance(W.happy),
  instance(W.nvme, { instanceType: "m5d.large" }),
  instance(W.storeRoot, {
    instanceType: "m3.medium",
    rootDeviceType: "instance-store",
    hibernationConfigured: false,
  }),
  instance(W.ecsOnAsg, { autoScalingGroup: "ecs-capacity", ...tagged({ AmazonECSManaged: "" }) }),
  instance(W.eks, {
    autoScalingGroup: "eks-ng",
    ...tagged({ "eks:nodegroup-name": "ng-1", "eks:cluster-name": "prod" }),
  }),
  instance(
    W.karpenter,
    tagged({ "karpenter.sh/nodepool": "default", "kubernetes.io/cluster/prod": "owned" }),
  ),
  instance(
    W.emr,
    tagged({
      "aws:elasticmapreduce:job-flow-id": "j-2AXXXXXXGAPLF",
      "aws:elasticmapreduce:instance-group-role": "CORE",
    }),
  ),
  instance(W.ec2Fleet, tagged({ "aws:ec2:fleet-id": "fleet-0c000000-0000-0000-0000-000000000001" })),
  instance(
    W.spotFleet,
    tagged({ "aws:ec2spot:fleet-request-id": "sfr-0c000000-0000-0000-0000-000000000001" }),
  ),
  instance(W.autoMode, { operator: { managed: true, principal: "eks.amazonaws.com" } }),
  instance(W.reserved, { capacityReservationId: "cr-0c0000000000000c1" }),
  instance(W.spotOneTime, { hibernationConfigured: false, instanceLifecycle: "spot" }),
  instance(W.spotPersistent, { spot: { spotInstanceType: "persistent" } }),
  instance(W.failing, { hibernation: { outcome: "normal-shutdown" } }),
  instance(W.failingVisible, {
    hibernation: { outcome: "normal-shutdown", fallbackStateReason: "Client.UserInitiatedShutdown" },
  }),
  instance(W.longHibernated, hibernatedSince(56)),
  instance(W.dayWindow, { launchTime: new Date(START_MS - 5 * 3_600_000).toISOString() }),
  instance(W.quarterWindow, { launchTime: new Date(START_MS - 5 * 3_600_000).toISOString() }),
  instance(W.blog),
  instance(W.notConfigured, { hibernationConfigured: false }),
];

/** The blog's alarm name in this world (its naming is not documented: an example for the adoption pattern). */
export const BLOG_ALARM = `Hibernate-${W.blog}-idle`;
export const BLOG_PATTERN = "Hibernate-*-idle";

const ALARMS = (): AlarmInput[] => [
  ...Object.values(W)
    .filter((id) => id !== W.longHibernated && id !== W.blog && id !== W.dayWindow)
    .map((id) => idleAlarm(id)),
  // 24 h of 5-minute periods: the instance started 5 hours ago is too fresh for it.
  idleAlarm(W.dayWindow, { evaluationPeriods: 288, datapointsToAlarm: 288 }),
  idleAlarm(W.blog, { name: BLOG_ALARM, tags: {} }),
];

export const worldFixture = (): Fixture => {
  ip = 10;
  return {
    accountId: ACCOUNT,
    region: REGION,
    clock: { start: START, mode: "manual" },
    behaviour: {},
    vpcs: [{ id: "vpc-0c0000000000000a1", cidrBlock: "10.0.0.0/16" }],
    subnets: [
      {
        id: SUBNET,
        vpcId: "vpc-0c0000000000000a1",
        availabilityZone: "us-east-1a",
        cidrBlock: "10.0.1.0/24",
      },
    ],
    instances: INSTANCES(),
    autoScalingGroups: [
      {
        name: "ecs-capacity",
        minSize: 0,
        maxSize: 2,
        desiredCapacity: 1,
        instances: [{ instanceId: W.ecsOnAsg }],
        vpcZoneIdentifier: [SUBNET],
      },
      {
        name: "eks-ng",
        minSize: 0,
        maxSize: 2,
        desiredCapacity: 1,
        instances: [{ instanceId: W.eks }],
        vpcZoneIdentifier: [SUBNET],
      },
    ],
    alarms: ALARMS(),
  } satisfies Partial<Fixture> as Fixture;
};

/** The EventBridge "CloudWatch Alarm State Change" to ALARM of an idle alarm reading one instance. */
export const alarmEvent = (alarmName: string, instanceId: string, id = `evt-${alarmName}`) => ({
  version: "0",
  id,
  "detail-type": "CloudWatch Alarm State Change",
  source: "aws.cloudwatch",
  account: ACCOUNT,
  time: START.replace(".000", ""),
  region: REGION,
  resources: [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarmName}`],
  detail: {
    alarmName,
    state: { value: "ALARM", reason: "Threshold Crossed", timestamp: "2026-03-02T08:59:00.000+0000" },
    previousState: { value: "OK", reason: "Threshold Crossed", timestamp: "2026-03-02T08:00:00.000+0000" },
    configuration: {
      metrics: [
        {
          id: "m1",
          metricStat: {
            metric: { namespace: "AWS/EC2", name: "CPUUtilization", dimensions: { InstanceId: instanceId } },
            period: 300,
            stat: "Average",
          },
          returnData: true,
        },
      ],
    },
  },
});

/** A scheduled event of one of the stack's rules (`ops-toolkit-dev-<rule>`). */
export const scheduleEvent = (rule: string, at = START) => ({
  version: "0",
  id: `tick-${rule}-${at}`,
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: ACCOUNT,
  time: at.replace(".000", ""),
  region: REGION,
  resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/ops-toolkit-dev-${rule}`],
  detail: {},
});
