/**
 * The three CloudWatch alarm shapes → AlarmChange:
 *   (a) EventBridge "CloudWatch Alarm State Change"  (payload in `detail`)
 *   (b) Lambda alarm action                          (top-level alarmArn/accountId/region/time/alarmData)
 *   (c) SNS alarm action                             (Records[].Sns.Message, a PascalCase JSON string)
 */
import type * as z from "zod/mini";
import { formatIssues, invalidEvent, parseOptions } from "./issues";
import {
  type AlarmDataOutput,
  alarmStateChangeEvent,
  type LambdaAlarmActionInput,
  lambdaAlarmActionEvent,
  type MetricDataQueryOutput,
  parseAlarmArn,
  type SnsAlarmMessageOutput,
  type SnsMetricQueryOutput,
  snsAlarmMessage,
  snsRecord,
} from "./schemas";
import { describeEventShape } from "./shape";
import type { AlarmChange, AlarmMetric, AlarmPreviousState, AlarmState } from "./types";

export const ALARM_PARSER = "cloudwatch-alarm";

/** Drops keys whose value is undefined, so normalised objects log and compare cleanly. */
function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}

/** `reasonData` is a JSON string; undefined when absent or unparsable (it is informative only). */
function parseReasonData(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const orUndefined = <T>(value: T | null | undefined): T | undefined => value ?? undefined;

function fail(
  summary: string,
  issues: readonly z.core.$ZodIssue[],
  where: { source: string; detailType?: string },
  prefix = "",
) {
  return invalidEvent(summary, { parser: ALARM_PARSER, ...where, issues: formatIssues(issues, prefix) });
}

// ---------------------------------------------------------------------------------------------
// (a) and (b): same alarm data, different envelopes
// ---------------------------------------------------------------------------------------------

function normaliseMetric(m: MetricDataQueryOutput): AlarmMetric {
  const stat = m.metricStat;
  return compact({
    id: m.id,
    namespace: stat?.metric.namespace,
    metricName: stat?.metric.name,
    dimensions: { ...stat?.metric.dimensions },
    stat: stat?.stat,
    period: stat?.period ?? m.period,
    unit: stat?.unit,
    expression: m.expression,
    label: m.label,
    returnData: m.returnData,
  });
}

function normaliseAlarmData(data: AlarmDataOutput) {
  const { state, previousState, configuration } = data;
  const normalisedState: AlarmState = compact({
    value: state.value,
    reason: state.reason,
    timestamp: state.timestamp,
    reasonData: parseReasonData(state.reasonData),
    actionsSuppressedBy: state.actionsSuppressedBy,
    evaluationState: state.evaluationState,
  });
  const normalisedPrevious: AlarmPreviousState | undefined =
    previousState === undefined
      ? undefined
      : compact({
          value: previousState.value,
          reason: previousState.reason,
          timestamp: previousState.timestamp,
          actionsSuppressedBy: previousState.actionsSuppressedBy,
        });
  const composite = configuration.alarmRule !== undefined;
  return {
    alarmName: data.alarmName,
    alarmType: composite ? ("composite" as const) : ("metric" as const),
    state: normalisedState,
    previousState: normalisedPrevious,
    metrics: (configuration.metrics ?? []).map(normaliseMetric),
    alarmRule: configuration.alarmRule,
  };
}

export function parseEventBridgeAlarm(raw: unknown): AlarmChange {
  const result = alarmStateChangeEvent.safeParse(raw, parseOptions);
  if (!result.success) {
    throw fail(`Invalid CloudWatch alarm event (${describeEventShape(raw)})`, result.error.issues, {
      source: "aws.cloudwatch",
      detailType: "CloudWatch Alarm State Change",
    });
  }
  const event = result.data;
  const { resources } = event;
  return compact({
    kind: "alarm-change",
    shape: "eventbridge",
    eventId: event.id,
    // resources[0] was checked to be an alarm ARN by the schema.
    alarmArn: resources[0] ?? "",
    accountId: event.account,
    region: event.region,
    ...normaliseAlarmData(event.detail),
    time: event.time,
  });
}

export function parseLambdaAlarmAction(raw: unknown): AlarmChange {
  const result = lambdaAlarmActionEvent.safeParse(raw, parseOptions);
  if (!result.success) {
    throw invalidEvent("Invalid CloudWatch alarm Lambda action event (lambda-alarm-action)", {
      parser: ALARM_PARSER,
      source: "aws.cloudwatch",
      issues: formatIssues(result.error.issues),
    });
  }
  const event = result.data;
  // The parse succeeded, so `raw` has the schema's input type: the raw state timestamp text is
  // the stable part of the id (the Lambda alarm action has no event id of its own).
  const rawTimestamp = (raw as LambdaAlarmActionInput).alarmData.state.timestamp;
  return compact({
    kind: "alarm-change",
    shape: "lambda-action",
    eventId: `${event.alarmArn}@${rawTimestamp}`,
    alarmArn: event.alarmArn,
    accountId: event.accountId,
    region: event.region,
    ...normaliseAlarmData(event.alarmData),
    time: event.time,
  });
}

// ---------------------------------------------------------------------------------------------
// (c) SNS
// ---------------------------------------------------------------------------------------------

/** SNS `Trigger.Statistic` is upper-case; the CloudWatch API (and the other shapes) use these names. */
const SNS_STATISTICS: Readonly<Record<string, string>> = {
  SAMPLE_COUNT: "SampleCount",
  AVERAGE: "Average",
  SUM: "Sum",
  MINIMUM: "Minimum",
  MAXIMUM: "Maximum",
};

function snsDimensions(
  list: readonly { name: string; value: string }[] | null | undefined,
): Record<string, string> {
  const dimensions: Record<string, string> = {};
  for (const { name, value } of list ?? []) dimensions[name] = value;
  return dimensions;
}

function normaliseSnsMetricQuery(m: SnsMetricQueryOutput): AlarmMetric {
  const stat = m.MetricStat ?? undefined;
  return compact({
    id: orUndefined(m.Id),
    namespace: orUndefined(stat?.Metric.Namespace),
    metricName: orUndefined(stat?.Metric.MetricName),
    dimensions: snsDimensions(stat?.Metric.Dimensions),
    stat: orUndefined(stat?.Stat),
    period: orUndefined(stat?.Period ?? m.Period),
    unit: orUndefined(stat?.Unit),
    expression: orUndefined(m.Expression),
    label: orUndefined(m.Label),
    returnData: orUndefined(m.ReturnData),
  });
}

function snsMetrics(message: SnsAlarmMessageOutput): AlarmMetric[] {
  const trigger = message.Trigger ?? undefined;
  if (trigger === undefined) return [];
  if (trigger.Metrics) return trigger.Metrics.map(normaliseSnsMetricQuery);
  const statistic = orUndefined(trigger.Statistic);
  return [
    compact({
      namespace: orUndefined(trigger.Namespace),
      metricName: orUndefined(trigger.MetricName),
      dimensions: snsDimensions(trigger.Dimensions),
      stat: orUndefined(trigger.ExtendedStatistic) ?? (statistic && (SNS_STATISTICS[statistic] ?? statistic)),
      period: orUndefined(trigger.Period),
      unit: orUndefined(trigger.Unit),
    }),
  ];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function parseSnsRecord(record: unknown, index: number): AlarmChange {
  const at = `Records[${index}]`;
  const envelope = snsRecord.safeParse(record, parseOptions);
  if (!envelope.success) {
    throw fail(`Invalid SNS record ${at}`, envelope.error.issues, { source: "aws:sns" }, at);
  }
  const { Sns: sns } = envelope.data;
  const messagePath = `${at}.Sns.Message`;

  let message: unknown;
  try {
    message = JSON.parse(sns.Message);
  } catch {
    throw invalidEvent(`Unsupported SNS message in ${at}: not a CloudWatch alarm notification`, {
      parser: ALARM_PARSER,
      source: "aws:sns",
      issues: [`${messagePath}: expected a JSON CloudWatch alarm notification, received non-JSON text`],
    });
  }
  if (
    !isObject(message) ||
    !("AlarmArn" in message || "AlarmName" in message || "NewStateValue" in message)
  ) {
    const label = describeEventShape(message);
    throw invalidEvent(`Unsupported SNS message in ${at}: not a CloudWatch alarm notification`, {
      parser: ALARM_PARSER,
      source: "aws:sns",
      issues: [
        `${messagePath}: expected a JSON object with AlarmArn, AlarmName and NewStateValue, received ${
          isObject(message) ? `a JSON object (${label})` : "other JSON"
        }`,
      ],
    });
  }

  const parsed = snsAlarmMessage.safeParse(message, parseOptions);
  if (!parsed.success) {
    throw fail(
      `Invalid CloudWatch alarm notification in SNS ${at}`,
      parsed.error.issues,
      { source: "aws:sns" },
      messagePath,
    );
  }
  const alarm = parsed.data;
  // The schema checked the ARN. The human "Region" text ("US East (N. Virginia)") is ignored.
  const arn = parseAlarmArn(alarm.AlarmArn) ?? { region: "", accountId: "" };
  const composite = alarm.Trigger == null;
  return compact({
    kind: "alarm-change",
    shape: "sns",
    eventId: sns.MessageId,
    alarmName: alarm.AlarmName,
    alarmArn: alarm.AlarmArn,
    accountId: orUndefined(alarm.AWSAccountId) || arn.accountId,
    region: arn.region,
    alarmType: composite ? "composite" : "metric",
    state: { value: alarm.NewStateValue, reason: alarm.NewStateReason, timestamp: alarm.StateChangeTime },
    previousState: alarm.OldStateValue === undefined ? undefined : { value: alarm.OldStateValue },
    metrics: snsMetrics(alarm),
    alarmRule: orUndefined(alarm.AlarmRule),
    time: sns.Timestamp,
  });
}

/** One AlarmChange per record; the first bad record rejects the event (it is one delivery). */
export function parseSnsAlarms(records: readonly unknown[]): AlarmChange[] {
  if (records.length === 0) {
    throw invalidEvent("Invalid SNS event: Records is empty", {
      parser: ALARM_PARSER,
      source: "aws:sns",
      issues: ["Records: must have at least 1 item(s)"],
    });
  }
  return records.map(parseSnsRecord);
}
