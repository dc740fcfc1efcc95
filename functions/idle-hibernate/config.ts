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

export const IdleHibernateConfigSchema = z.object({
  /** Only alarms whose names start with this prefix are acted on, created or deleted. */
  alarmNamePrefix: z._default(
    z.string().check(z.minLength(1), z.maxLength(200), z.regex(/^[A-Za-z0-9._-]+$/)),
    "ops-idle-",
  ),
  /** An instance is opted in when it carries this tag with this value. */
  optInTag: z._default(TagMatch, { key: "ops:hibernate", value: "idle" }),
  /** An instance carrying this tag key (any value) is opted out, even when opted in. */
  optOutTagKey: z._default(z.string().check(z.minLength(1)), "ops:hibernate-opt-out"),
  /** What to do with an opted-in instance launched without hibernation configured. */
  notConfiguredFallback: z._default(z.enum(["skip", "stop"]), "skip"),
  /** Never hibernate an instance that started less than this many minutes ago (at least the alarm's window). */
  minimumUptimeMinutes: z._default(positiveInt(24 * 60), 15),
  /** At most this many instances are stopped by one invocation; the rest are reported as skipped. */
  maxInstancesPerInvocation: z._default(positiveInt(1000), 10),
  /** How long to read back the instances' state after StopInstances. */
  verifyTimeoutMs: z._default(z.int().check(z.minimum(0), z.maximum(60_000)), 5000),
  /** The idle alarm the toolkit provisions for each opted-in instance. */
  alarm: z._default(
    z.object({
      cpuThresholdPercent: z._default(z.number().check(z.gt(0), z.lte(100)), 10),
      idleMinutes: z._default(positiveInt(24 * 60), 15),
      periodSeconds: z._default(
        z.union([z.literal(60), z.literal(300), z.literal(900), z.literal(3600)]),
        300,
      ),
      /** Tags that override the threshold and the idle minutes per instance. */
      thresholdTagKey: z._default(z.string(), "ops:idle-cpu-threshold"),
      idleMinutesTagKey: z._default(z.string(), "ops:idle-minutes"),
      /** Extra alarm actions (an SNS topic or this Lambda's ARN); the EventBridge rule needs none. */
      alarmActions: z._default(z.array(z.string().check(z.regex(/^arn:aws[a-z-]*:/))), []),
    }),
    {
      cpuThresholdPercent: 10,
      idleMinutes: 15,
      periodSeconds: 300,
      thresholdTagKey: "ops:idle-cpu-threshold",
      idleMinutesTagKey: "ops:idle-minutes",
      alarmActions: [],
    },
  ),
});

export type IdleHibernateConfig = z.infer<typeof IdleHibernateConfigSchema>;
