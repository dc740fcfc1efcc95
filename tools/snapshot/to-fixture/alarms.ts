import type { CompositeAlarm, Dimension, MetricAlarm, Tag } from "@aws-sdk/client-cloudwatch";
import { ALARM_STATES, COMPARISON_OPERATORS, STATISTICS } from "../../../sim/account/fixture";
import { compact, iso, type KeepTag, keptTagMap, type Out } from "./common";

const dimensions = (list: readonly Dimension[] | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).map((d) => [d.Name ?? "", d.Value ?? ""]));

const stateOf = (value: string | undefined) => ALARM_STATES.find((s) => s === value) ?? "INSUFFICIENT_DATA";

const TREAT_MISSING = ["breaching", "notBreaching", "ignore", "missing"] as const;
const EVALUATION_STATES = ["PARTIAL_DATA", "EVALUATION_FAILURE", "EVALUATION_ERROR"] as const;

const toMetrics = (a: MetricAlarm): Out<"alarms">["metrics"] =>
  a.Metrics?.map((m) =>
    compact({
      id: m.Id ?? "",
      expression: m.Expression,
      label: m.Label,
      returnData: m.ReturnData,
      period: m.Period,
      metricStat:
        m.MetricStat === undefined
          ? undefined
          : compact({
              namespace: m.MetricStat.Metric?.Namespace ?? "",
              metricName: m.MetricStat.Metric?.MetricName ?? "",
              dimensions: dimensions(m.MetricStat.Metric?.Dimensions),
              period: m.MetricStat.Period ?? 60,
              stat: m.MetricStat.Stat ?? "Average",
              unit: m.MetricStat.Unit,
            }),
    }),
  );

/** A metric alarm's definition, state and tags the toolkit reads (its own ops:* tags mark the alarms it owns). */
export const toMetricAlarm = (
  a: MetricAlarm,
  tags: readonly Tag[] | undefined,
  keep: KeepTag,
): Out<"alarms"> =>
  compact({
    name: a.AlarmName ?? "",
    description: a.AlarmDescription,
    namespace: a.Namespace,
    metricName: a.MetricName,
    dimensions: dimensions(a.Dimensions),
    statistic: STATISTICS.find((s) => s === a.Statistic),
    extendedStatistic: a.ExtendedStatistic,
    period: a.Period,
    unit: a.Unit,
    evaluationPeriods: a.EvaluationPeriods ?? 1,
    datapointsToAlarm: a.DatapointsToAlarm,
    threshold: a.Threshold,
    comparisonOperator:
      COMPARISON_OPERATORS.find((o) => o === a.ComparisonOperator) ?? "GreaterThanThreshold",
    treatMissingData: TREAT_MISSING.find((t) => t === a.TreatMissingData),
    metrics: toMetrics(a),
    thresholdMetricId: a.ThresholdMetricId,
    actionsEnabled: a.ActionsEnabled ?? true,
    alarmActions: a.AlarmActions ?? [],
    okActions: a.OKActions ?? [],
    insufficientDataActions: a.InsufficientDataActions ?? [],
    state: stateOf(a.StateValue),
    stateReason: a.StateReason ?? "",
    stateReasonData: a.StateReasonData,
    stateUpdatedTimestamp: iso(a.StateUpdatedTimestamp),
    configurationUpdatedTimestamp: iso(a.AlarmConfigurationUpdatedTimestamp),
    evaluationState: EVALUATION_STATES.find((s) => s === a.EvaluationState),
    tags: keptTagMap(tags, keep),
  });

export const toCompositeAlarm = (
  a: CompositeAlarm,
  tags: readonly Tag[] | undefined,
  keep: KeepTag,
): Out<"compositeAlarms"> =>
  compact({
    name: a.AlarmName ?? "",
    description: a.AlarmDescription,
    alarmRule: a.AlarmRule ?? "",
    actionsEnabled: a.ActionsEnabled ?? true,
    alarmActions: a.AlarmActions ?? [],
    okActions: a.OKActions ?? [],
    insufficientDataActions: a.InsufficientDataActions ?? [],
    actionsSuppressor: a.ActionsSuppressor,
    actionsSuppressorWaitPeriod: a.ActionsSuppressorWaitPeriod,
    actionsSuppressorExtensionPeriod: a.ActionsSuppressorExtensionPeriod,
    state: stateOf(a.StateValue),
    stateReason: a.StateReason ?? "",
    stateReasonData: a.StateReasonData,
    stateUpdatedTimestamp: iso(a.StateUpdatedTimestamp),
    configurationUpdatedTimestamp: iso(a.AlarmConfigurationUpdatedTimestamp),
    tags: keptTagMap(tags, keep),
  });
