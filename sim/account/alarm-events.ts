/**
 * The alarm parts of the events CloudWatch sends to EventBridge: the `configuration` of an alarm as
 * the "CloudWatch Alarm State Change" event shows it, and the "CloudWatch Alarm Configuration Change"
 * event (issue 12) CloudWatch sends "whenever a CloudWatch alarm is created, updated, deleted"
 * (CloudWatch User Guide, "Alarm events and EventBridge"; samples in events/samples/
 * cloudwatch-alarm-configuration-change.*.json): `operation` create | update | delete, the alarm's
 * `state`, its full `configuration` and, on update, the `previousConfiguration`.
 */
import type { CompositeAlarm, MetricAlarm } from "@aws-sdk/client-cloudwatch";
import type { OpContext } from "./context";
import { derivedUuid } from "./ids";
import { alarmArn, prune } from "./state";

/** `2019-10-02T17:04:40.989+0000`, the timestamp format of alarm events. */
export function eventTimestamp(date: Date): string {
  return date.toISOString().replace("Z", "+0000");
}

export function configurationOf(alarm: MetricAlarm | CompositeAlarm): Record<string, unknown> {
  if ("AlarmRule" in alarm && alarm.AlarmRule !== undefined) {
    return prune({
      alarmRule: alarm.AlarmRule,
      description: alarm.AlarmDescription,
      actionsSuppressor: alarm.ActionsSuppressor,
      actionsSuppressorWaitPeriod: alarm.ActionsSuppressorWaitPeriod,
      actionsSuppressorExtensionPeriod: alarm.ActionsSuppressorExtensionPeriod,
    });
  }
  const m = alarm as MetricAlarm;
  const dims = (list: { Name?: string; Value?: string }[] | undefined) =>
    Object.fromEntries((list ?? []).map((d) => [d.Name ?? "", d.Value ?? ""]));
  const metrics = m.Metrics?.map((q) =>
    prune({
      id: q.Id,
      expression: q.Expression,
      label: q.Label,
      returnData: q.ReturnData ?? true,
      metricStat:
        q.MetricStat === undefined
          ? undefined
          : {
              metric: {
                dimensions: dims(q.MetricStat.Metric?.Dimensions),
                name: q.MetricStat.Metric?.MetricName,
                namespace: q.MetricStat.Metric?.Namespace,
              },
              period: q.MetricStat.Period,
              stat: q.MetricStat.Stat,
            },
    }),
  ) ?? [
    {
      id: derivedUuid(`metric|${m.AlarmName ?? ""}`),
      metricStat: {
        metric: { dimensions: dims(m.Dimensions), name: m.MetricName, namespace: m.Namespace },
        period: m.Period,
        stat: m.Statistic ?? m.ExtendedStatistic,
      },
      returnData: true,
    },
  ];
  return prune({ description: m.AlarmDescription, metrics });
}

/** The `configuration` (or `previousConfiguration`) of a configuration change event. */
export function fullConfiguration(alarm: MetricAlarm | CompositeAlarm): Record<string, unknown> {
  const m = alarm as MetricAlarm;
  const metricPart =
    "AlarmRule" in alarm && alarm.AlarmRule !== undefined
      ? {}
      : prune({
          evaluationPeriods: m.EvaluationPeriods,
          datapointsToAlarm: m.DatapointsToAlarm,
          threshold: m.Threshold,
          thresholdMetricId: m.ThresholdMetricId,
          comparisonOperator: m.ComparisonOperator,
          treatMissingData: m.TreatMissingData,
        });
  return prune({
    ...metricPart,
    ...configurationOf(alarm),
    alarmName: alarm.AlarmName,
    actionsEnabled: alarm.ActionsEnabled ?? true,
    timestamp:
      alarm.AlarmConfigurationUpdatedTimestamp === undefined
        ? undefined
        : eventTimestamp(alarm.AlarmConfigurationUpdatedTimestamp),
    okActions: [...(alarm.OKActions ?? [])],
    alarmActions: [...(alarm.AlarmActions ?? [])],
    insufficientDataActions: [...(alarm.InsufficientDataActions ?? [])],
  });
}

/** Records the "CloudWatch Alarm Configuration Change" event of a create, update or delete. */
export function emitConfigurationChange(
  c: OpContext,
  alarm: MetricAlarm | CompositeAlarm,
  operation: "create" | "update" | "delete",
  previous?: Record<string, unknown>,
): void {
  const name = alarm.AlarmName ?? "";
  c.emit({
    source: "aws.cloudwatch",
    detailType: "CloudWatch Alarm Configuration Change",
    resources: [alarm.AlarmArn ?? alarmArn(c.region, c.accountId, name)],
    detail: prune({
      alarmName: name,
      operation,
      state: prune({
        value: alarm.StateValue,
        timestamp:
          alarm.StateUpdatedTimestamp === undefined ? undefined : eventTimestamp(alarm.StateUpdatedTimestamp),
      }),
      configuration: fullConfiguration(alarm),
      previousConfiguration: previous,
    }),
    at: c.nowMs(),
  });
}
