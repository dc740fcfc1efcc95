/**
 * zod/mini schemas of the raw AWS payloads we accept. They validate what the normalisers read and
 * strip the rest (unknown fields are ignored, so new AWS fields never break parsing).
 * See events/samples/SOURCES.md for provenance and the format traps.
 */
import * as z from "zod/mini";
import { parseArn } from "../aws/arn";
import { describeValue } from "./issues";
import { timestamp } from "./time";

const nonEmpty = z.string().check(z.minLength(1));
const optionalString = z.optional(z.string());
/** SNS messages carry `null` for unset values ("Unit": null, "AlarmDescription": null). */
const nullableString = z.optional(z.nullable(z.string()));
const nullableNumber = z.optional(z.nullable(z.number()));

export const ALARM_STATE_VALUES = ["OK", "ALARM", "INSUFFICIENT_DATA"] as const;
export const EC2_INSTANCE_STATES = [
  "pending",
  "running",
  "stopping",
  "stopped",
  "shutting-down",
  "terminated",
] as const;

const alarmStateValue = z.enum(ALARM_STATE_VALUES);

// ---------------------------------------------------------------------------------------------
// Alarm ARNs
// ---------------------------------------------------------------------------------------------

export interface AlarmArnParts {
  partition: string;
  region: string;
  accountId: string;
  alarmName: string;
}

/** `arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>`; the name may itself contain ':'. */
export function parseAlarmArn(arn: string): AlarmArnParts | undefined {
  const parts = parseArn(arn);
  if (parts?.service !== "cloudwatch" || !parts.resource.startsWith("alarm:")) return undefined;
  const alarmName = parts.resource.slice("alarm:".length);
  if (parts.region === "" || parts.accountId === "" || alarmName === "") return undefined;
  return { partition: parts.partition, region: parts.region, accountId: parts.accountId, alarmName };
}

const ALARM_ARN_FORM = "arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>";

const alarmArn = z.string().check(
  z.refine((value) => parseAlarmArn(value) !== undefined, {
    error: (issue) =>
      `expected a CloudWatch alarm ARN (${ALARM_ARN_FORM}), received ${describeValue(issue.input)}`,
  }),
);

// ---------------------------------------------------------------------------------------------
// CloudWatch alarm data: EventBridge `detail` and Lambda alarm action `alarmData` share it
// ---------------------------------------------------------------------------------------------

const metricDataQuery = z
  .object({
    id: optionalString,
    metricStat: z.optional(
      z.object({
        metric: z.object({
          namespace: optionalString,
          name: optionalString,
          dimensions: z.optional(z.record(z.string(), z.string())),
        }),
        period: z.optional(z.number()),
        stat: optionalString,
        unit: optionalString,
      }),
    ),
    expression: optionalString,
    label: optionalString,
    returnData: z.optional(z.boolean()),
    /** Metrics Insights queries carry `period` beside `expression`, not in a metricStat. */
    period: z.optional(z.number()),
  })
  .check(
    z.refine(
      (m) => m.metricStat !== undefined || m.expression !== undefined,
      "expected metricStat or expression",
    ),
  );

const alarmState = z.object({
  value: alarmStateValue,
  reason: z.string(),
  /** A JSON *string*, not an object. */
  reasonData: optionalString,
  timestamp,
  actionsSuppressedBy: optionalString,
  evaluationState: optionalString,
});

const alarmPreviousState = z.object({
  value: alarmStateValue,
  reason: optionalString,
  reasonData: optionalString,
  timestamp: z.optional(timestamp),
  actionsSuppressedBy: optionalString,
});

const alarmConfiguration = z
  .object({
    alarmRule: optionalString,
    metrics: z.optional(z.array(metricDataQuery)),
  })
  .check(
    z.refine(
      (c) => c.alarmRule !== undefined || c.metrics !== undefined,
      "expected metrics (metric alarm) or alarmRule (composite alarm)",
    ),
  );

const alarmData = z.object({
  alarmName: nonEmpty,
  state: alarmState,
  previousState: z.optional(alarmPreviousState),
  configuration: alarmConfiguration,
});
export type AlarmDataOutput = z.output<typeof alarmData>;
export type MetricDataQueryOutput = z.output<typeof metricDataQuery>;

// ---------------------------------------------------------------------------------------------
// EventBridge envelope. `version` is optional: the EC2 guide's samples do not have it.
// ---------------------------------------------------------------------------------------------

const envelope = {
  version: optionalString,
  id: nonEmpty,
  "detail-type": z.string(),
  source: z.string(),
  account: nonEmpty,
  time: timestamp,
  region: nonEmpty,
  resources: z.array(z.string()),
};

/** Only what classification needs; used to explain an EventBridge-looking event without source/detail-type. */
export const eventBridgeHead = z.object({ "detail-type": z.string(), source: z.string() });

export const alarmStateChangeEvent = z.object({
  ...envelope,
  source: z.literal("aws.cloudwatch"),
  "detail-type": z.literal("CloudWatch Alarm State Change"),
  resources: z.array(z.string()).check(
    z.refine((r) => r[0] !== undefined && parseAlarmArn(r[0]) !== undefined, {
      error: (issue) => {
        const first = Array.isArray(issue.input) ? (issue.input[0] as unknown) : undefined;
        return `expected the alarm ARN (${ALARM_ARN_FORM}) as resources[0], received ${describeValue(first)}`;
      },
    }),
  ),
  detail: alarmData,
});

export const lambdaAlarmActionEvent = z.object({
  source: z.optional(z.literal("aws.cloudwatch")),
  alarmArn,
  accountId: nonEmpty,
  time: timestamp,
  region: nonEmpty,
  alarmData,
});
export type LambdaAlarmActionInput = z.input<typeof lambdaAlarmActionEvent>;

// ---------------------------------------------------------------------------------------------
// SNS: Records[].Sns.Message is a JSON string (PascalCase CloudWatch alarm notification)
// ---------------------------------------------------------------------------------------------

export const snsRecord = z.object({
  EventSource: z.literal("aws:sns"),
  Sns: z.object({
    MessageId: nonEmpty,
    Message: z.string(),
    Timestamp: timestamp,
  }),
});

const snsDimensions = z.optional(z.nullable(z.array(z.object({ name: z.string(), value: z.string() }))));

const snsMetricQuery = z
  .object({
    Id: nullableString,
    Expression: nullableString,
    Label: nullableString,
    ReturnData: z.optional(z.nullable(z.boolean())),
    Period: nullableNumber,
    MetricStat: z.optional(
      z.nullable(
        z.object({
          Metric: z.object({
            Namespace: nullableString,
            MetricName: nullableString,
            Dimensions: snsDimensions,
          }),
          Period: nullableNumber,
          Stat: nullableString,
          Unit: nullableString,
        }),
      ),
    ),
  })
  .check(
    z.refine((m) => (m.MetricStat ?? undefined) !== undefined || (m.Expression ?? undefined) !== undefined, {
      error: "expected MetricStat or Expression",
    }),
  );

const snsTrigger = z
  .object({
    MetricName: nullableString,
    Namespace: nullableString,
    Statistic: nullableString,
    ExtendedStatistic: nullableString,
    Unit: nullableString,
    Period: nullableNumber,
    Dimensions: snsDimensions,
    Metrics: z.optional(z.nullable(z.array(snsMetricQuery))),
  })
  .check(
    z.refine((t) => (t.MetricName ?? undefined) !== undefined || (t.Metrics ?? undefined) !== undefined, {
      error: "expected MetricName (single metric) or Metrics (metric math)",
    }),
  );

export const snsAlarmMessage = z.object({
  AlarmName: nonEmpty,
  AlarmArn: alarmArn,
  AWSAccountId: nullableString,
  NewStateValue: alarmStateValue,
  NewStateReason: z.string(),
  StateChangeTime: timestamp,
  OldStateValue: z.optional(alarmStateValue),
  /** Metric alarms only; composite alarm notifications have no Trigger. */
  Trigger: z.optional(z.nullable(snsTrigger)),
  AlarmRule: nullableString,
});
export type SnsAlarmMessageOutput = z.output<typeof snsAlarmMessage>;
export type SnsMetricQueryOutput = z.output<typeof snsMetricQuery>;

// ---------------------------------------------------------------------------------------------
// Schedules and EC2
// ---------------------------------------------------------------------------------------------

export const scheduledEvent = z.object({
  ...envelope,
  source: z.enum(["aws.events", "aws.scheduler"]),
  "detail-type": z.literal("Scheduled Event"),
  /** EventBridge rule: `{}`. EventBridge Scheduler: the *string* `"{}"`. */
  detail: z.union([z.record(z.string(), z.unknown()), z.string()], {
    error: (issue) =>
      `expected an object (EventBridge rule) or a string (EventBridge Scheduler), received ${describeValue(issue.input)}`,
  }),
});

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

export const ec2StateChangeEvent = z.object({
  ...envelope,
  source: z.literal("aws.ec2"),
  "detail-type": z.literal("EC2 Instance State-change Notification"),
  detail: z.object({
    "instance-id": z.string().check(
      z.regex(INSTANCE_ID, {
        error: (issue) =>
          `expected an EC2 instance id like "i-0123456789abcdef0", received ${describeValue(issue.input)}`,
      }),
    ),
    state: z.enum(EC2_INSTANCE_STATES),
  }),
});
