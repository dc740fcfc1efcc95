/**
 * What CloudWatch does with an alarm's actions when the alarm changes state (issue 14: the chaos driver
 * delivers them as the deployed stack receives them). Besides the EventBridge event (sent always), an alarm
 * whose actions are enabled runs the actions of its new state (`OKActions`, `AlarmActions`,
 * `InsufficientDataActions`; "When an alarm's actions are disabled, the alarm actions do not execute"):
 *
 * - a Lambda function ARN: "CloudWatch alarms guarantees an asynchronous invocation of the Lambda function
 *   for a given state change" (CloudWatch UG, "Invoke a Lambda function from an alarm",
 *   alarms-and-actions-Lambda.html) with the alarm-action payload (`source`, `alarmArn`, `accountId`,
 *   `time`, `region`, `alarmData` { `alarmName`, `state`, `previousState`, `configuration` }; the AWS samples
 *   in events/samples/cloudwatch-alarm-lambda-action.*.json);
 * - an SNS topic ARN: the alarm notification (PascalCase JSON in `Message`: `AlarmName`, `NewStateValue`,
 *   `OldStateValue`, `Trigger`…; events/samples/sns-wrapped.cloudwatch-alarm.*.json) as a Lambda
 *   subscriber of the topic receives it (`Records[].Sns`).
 * Other actions (EC2 actions, Auto Scaling policies, Systems Manager) are recorded with no payload.
 * Delivery (retries, the function's resource policy, subscriptions) is the caller's: the simulated
 * account has no Lambda or SNS service; `account.alarmActionDeliveries` lists what CloudWatch sent.
 */
import type { CompositeAlarm, MetricAlarm } from "@aws-sdk/client-cloudwatch";
import { configurationOf, eventTimestamp } from "./alarm-events";
import type { OpContext } from "./context";
import { derivedUuid } from "./ids";
import { type AlarmActionDelivery, alarmArn, prune } from "./state";

/** The console's region names, as the SNS alarm notification's `Region` shows them. */
const REGION_NAMES: Record<string, string> = {
  "us-east-1": "US East (N. Virginia)",
  "us-east-2": "US East (Ohio)",
  "us-west-1": "US West (N. California)",
  "us-west-2": "US West (Oregon)",
  "eu-west-1": "EU (Ireland)",
  "eu-central-1": "EU (Frankfurt)",
};

export interface StateChange {
  name: string;
  value: string;
  previous: { value?: string; reason?: string; timestamp?: string };
  state: Record<string, unknown>;
  at: number;
}

const lambdaPayload = (c: OpContext, alarm: MetricAlarm | CompositeAlarm, change: StateChange) => ({
  source: "aws.cloudwatch",
  alarmArn: alarm.AlarmArn ?? alarmArn(c.region, c.accountId, change.name),
  accountId: c.accountId,
  time: eventTimestamp(new Date(change.at)),
  region: c.region,
  alarmData: {
    alarmName: change.name,
    state: change.state,
    previousState: change.previous,
    configuration: configurationOf(alarm),
  },
});

const trigger = (alarm: MetricAlarm) =>
  prune({
    MetricName: alarm.MetricName,
    Namespace: alarm.Namespace,
    StatisticType: alarm.ExtendedStatistic === undefined ? "Statistic" : "ExtendedStatistic",
    Statistic: alarm.Statistic?.toUpperCase(),
    Unit: alarm.Unit ?? null,
    Dimensions: (alarm.Dimensions ?? []).map((d) => ({ value: d.Value, name: d.Name })),
    Period: alarm.Period,
    EvaluationPeriods: alarm.EvaluationPeriods,
    DatapointsToAlarm: alarm.DatapointsToAlarm,
    ComparisonOperator: alarm.ComparisonOperator,
    Threshold: alarm.Threshold,
    TreatMissingData: alarm.TreatMissingData ?? "missing",
    EvaluateLowSampleCountPercentile: alarm.EvaluateLowSampleCountPercentile ?? "",
  });

const snsRecords = (
  c: OpContext,
  alarm: MetricAlarm | CompositeAlarm,
  change: StateChange,
  topic: string,
) => {
  const region = REGION_NAMES[c.region] ?? c.region;
  const id = derivedUuid(`sns|${topic}|${change.name}|${change.at}`);
  const message = prune({
    AlarmName: change.name,
    AlarmDescription: alarm.AlarmDescription ?? null,
    AWSAccountId: c.accountId,
    AlarmConfigurationUpdatedTimestamp:
      alarm.AlarmConfigurationUpdatedTimestamp === undefined
        ? undefined
        : eventTimestamp(alarm.AlarmConfigurationUpdatedTimestamp),
    NewStateValue: change.value,
    NewStateReason: change.state.reason,
    StateChangeTime: eventTimestamp(new Date(change.at)),
    Region: region,
    AlarmArn: alarm.AlarmArn ?? alarmArn(c.region, c.accountId, change.name),
    OldStateValue: change.previous.value,
    OKActions: [...(alarm.OKActions ?? [])],
    AlarmActions: [...(alarm.AlarmActions ?? [])],
    InsufficientDataActions: [...(alarm.InsufficientDataActions ?? [])],
    Trigger:
      "AlarmRule" in alarm && alarm.AlarmRule !== undefined ? undefined : trigger(alarm as MetricAlarm),
  });
  const subscription = `${topic}:${derivedUuid(`subscription|${topic}`)}`;
  return {
    Records: [
      {
        EventSource: "aws:sns",
        EventVersion: "1.0",
        EventSubscriptionArn: subscription,
        Sns: {
          Type: "Notification",
          MessageId: id,
          TopicArn: topic,
          Subject: `${change.value}: "${change.name}" in ${region}`.slice(0, 100),
          Message: JSON.stringify(message),
          Timestamp: new Date(change.at).toISOString(),
          SignatureVersion: "1",
          Signature: "c2ltdWxhdGVk",
          SigningCertUrl: `https://sns.${c.region}.amazonaws.com/SimpleNotificationService-simulated.pem`,
          UnsubscribeUrl: `https://sns.${c.region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscription}`,
          MessageAttributes: {},
        },
      },
    ],
  };
};

const kindOf = (action: string): AlarmActionDelivery["kind"] =>
  /^arn:[^:]+:lambda:/.test(action) ? "lambda" : /^arn:[^:]+:sns:/.test(action) ? "sns" : "other";

/** Records the actions an alarm's state change runs (none when its actions are disabled). */
export function runAlarmActions(
  c: OpContext,
  alarm: MetricAlarm | CompositeAlarm,
  change: StateChange,
): void {
  if (alarm.ActionsEnabled === false) return;
  const actions =
    change.value === "OK"
      ? alarm.OKActions
      : change.value === "ALARM"
        ? alarm.AlarmActions
        : alarm.InsufficientDataActions;
  for (const action of actions ?? []) {
    const kind = kindOf(action);
    const payload =
      kind === "lambda"
        ? lambdaPayload(c, alarm, change)
        : kind === "sns"
          ? snsRecords(c, alarm, change, action)
          : undefined;
    c.state.alarmActionDeliveries.push({
      at: change.at,
      alarmName: change.name,
      state: change.value,
      action,
      kind,
      ...(payload === undefined ? {} : { payload }),
    });
  }
}
