import * as z from "../../shared/runtime/zod";

/**
 * idle-hibernate configuration (`idleHibernate` in config/<stage>.json), for both of its functions
 * (idle-hibernate and idle-alarms). Every knob has a default.
 */

/** The function names, also their metrics' `service` dimension. */
export const CAPABILITY = "idle-hibernate";
export const ALARMS_CAPABILITY = "idle-alarms";

const positiveInt = (max: number) => z.int().check(z.minimum(1), z.maximum(max));

const TagMatch = z.object({ key: z.string().check(z.minLength(1), z.maxLength(128)), value: z.string() });

const Fallback = z.enum(["skip", "stop"]);

/**
 * Tag key prefixes that mark an instance as a member of a fleet another service manages (it replaces or
 * re-launches members it finds stopped). `aws:` keys are set by AWS and cannot be set or removed by users;
 * the others are set by the owning tool's role (Karpenter, EKS, Batch) and are a strong signal only.
 */
export const DEFAULT_MANAGED_FLEET_TAG_PREFIXES: readonly string[] = [
  "aws:autoscaling:",
  "aws:ec2:fleet-id",
  "aws:ec2spot:fleet-request-id",
  "aws:elasticmapreduce:",
  "aws:cloud9:",
  "AWSBatchServiceTag",
  "AmazonECSManaged",
  "karpenter.sh/",
  "karpenter.k8s.aws/",
  "eks:",
  "kubernetes.io/cluster/",
];

/**
 * An alarm name pattern for adoption: letters, digits, `._-` and `*` (any characters, as EventBridge's
 * wildcard filter), starting with a literal (DescribeAlarms reads the alarms by that prefix).
 */
const AdoptPattern = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(255),
    z.regex(
      /^(?!.*\*\*)[A-Za-z0-9._-][A-Za-z0-9._*-]*$/,
      "a literal start, then letters, digits, ._- and single *",
    ),
  );

const AlarmSchema = z.object({
  cpuThresholdPercent: z._default(z.number().check(z.gt(0), z.lte(100)), 10),
  idleMinutes: z._default(positiveInt(24 * 60), 15),
  /** 60 is used only for instances with detailed monitoring; the others get 300 (basic: 5-minute data). */
  periodSeconds: z._default(z.union([z.literal(60), z.literal(300), z.literal(900), z.literal(3600)]), 300),
  /**
   * Optional network idle signal: NetworkIn + NetworkOut below this many bytes per second, combined with
   * the CPU threshold in one metric-math alarm. Absent: CPU only.
   */
  networkBytesPerSecond: z.optional(z.number().check(z.gt(0), z.lte(1e11))),
  /** Tags that override the threshold, the idle minutes and the network threshold per instance. */
  thresholdTagKey: z._default(z.string(), "ops:idle-cpu-threshold"),
  idleMinutesTagKey: z._default(z.string(), "ops:idle-minutes"),
  networkTagKey: z._default(z.string(), "ops:idle-network-bytes-per-second"),
  /** Extra alarm actions (an SNS topic or this Lambda's ARN); the EventBridge rule needs none. */
  alarmActions: z._default(z.array(z.string().check(z.regex(/^arn:aws[a-z-]*:/))), []),
  /**
   * At most this many alarms created, updated or deleted per invocation (CloudWatch throttles alarm writes
   * per account and Region, and 1,000 alarms written one by one would outlast the function): the reconcile
   * does the rest on its next runs.
   */
  maxWritesPerInvocation: z._default(positiveInt(1000), 100),
});

const ALARM_DEFAULTS = {
  cpuThresholdPercent: 10,
  idleMinutes: 15,
  periodSeconds: 300 as const,
  thresholdTagKey: "ops:idle-cpu-threshold",
  idleMinutesTagKey: "ops:idle-minutes",
  networkTagKey: "ops:idle-network-bytes-per-second",
  alarmActions: [],
  maxWritesPerInvocation: 100,
};

const HibernationAgeSchema = z.object({
  /** Report instances hibernated this many days or longer (AWS supports at most 60). */
  maxDays: z._default(z.int().check(z.minimum(1), z.maximum(59)), 55),
  /** `report` only, or `start` them (resume from hibernation) so that they can hibernate again. */
  action: z._default(z.enum(["report", "start"]), "report"),
});

export const IdleHibernateConfigSchema = z.object({
  /** Only alarms whose names start with this prefix are acted on, created or deleted. */
  alarmNamePrefix: z._default(
    z.string().check(z.minLength(1), z.maxLength(200), z.regex(/^[A-Za-z0-9._-]+$/)),
    "ops-idle-",
  ),
  /** Existing idle alarms (e.g. the AWS blog's) acted on too, never created, updated or deleted. */
  adoptAlarmNamePatterns: z._default(z.array(AdoptPattern).check(z.maxLength(10)), []),
  /** An instance is opted in when it carries this tag with this value. */
  optInTag: z._default(TagMatch, { key: "ops:hibernate", value: "idle" }),
  /** An instance carrying this tag key (any value) is opted out, even when opted in. */
  optOutTagKey: z._default(z.string().check(z.minLength(1)), "ops:hibernate-opt-out"),
  /** An opted-in instance launched without hibernation: skip it, or stop it (its memory is lost). */
  notConfiguredFallback: z._default(Fallback, "skip"),
  /** EC2 refuses the hibernation at apply time (UnsupportedHibernationConfiguration): skip, or stop it. */
  refusedAtApplyFallback: z._default(Fallback, "skip"),
  /** Hibernate instances in a Capacity Reservation (which does not ensure that they can resume). */
  allowCapacityReservation: z._default(z.boolean(), false),
  /**
   * More tag key prefixes of managed fleets, added to DEFAULT_MANAGED_FLEET_TAG_PREFIXES (which always
   * apply: a configured list never drops the AWS-set signals).
   */
  managedFleetTagPrefixes: z._default(z.array(z.string().check(z.minLength(1), z.maxLength(128))), []),
  /**
   * Tag keys of other schedulers (Instance Scheduler on AWS's default `Schedule`; add e.g. Cloud
   * Custodian's `maid_offhours`): an instance carrying one is left to that scheduler (safety rule 8).
   */
  otherSchedulerTagKeys: z._default(z.array(z.string().check(z.minLength(1), z.maxLength(128))), [
    "Schedule",
  ]),
  /** Never hibernate an instance that started less than this many minutes ago (at least its alarm's window). */
  minimumUptimeMinutes: z._default(positiveInt(24 * 60), 15),
  /** At most this many instances are stopped (or started) by one invocation; the rest are reported as skipped. */
  maxInstancesPerInvocation: z._default(positiveInt(1000), 10),
  /**
   * Optional blast radius across invocations (each alarm event is its own invocation): at most
   * `maxInstances` hibernations requested within `minutes`, counted from AWS (the request tags). Absent:
   * the limit is per invocation only (a fleet idle at the same hour is hibernated at once).
   */
  blastRadiusWindow: z.optional(z.object({ minutes: positiveInt(24 * 60), maxInstances: positiveInt(1000) })),
  /** How long to read back the instances' state after StopInstances or StartInstances. */
  verifyTimeoutMs: z._default(z.int().check(z.minimum(0), z.maximum(60_000)), 5000),
  /** The daily watch for instances hibernated too long. */
  hibernationAge: z._default(HibernationAgeSchema, { maxDays: 55, action: "report" }),
  /** The idle alarm the toolkit provisions for each opted-in instance. */
  alarm: z._default(AlarmSchema, ALARM_DEFAULTS),
});

export type IdleHibernateConfig = z.infer<typeof IdleHibernateConfigSchema>;

/** Every managed-fleet tag key prefix in force: the built-in ones and the configured ones. */
export const managedFleetTagPrefixes = (policy: IdleHibernateConfig): string[] => [
  ...DEFAULT_MANAGED_FLEET_TAG_PREFIXES,
  ...policy.managedFleetTagPrefixes,
];
