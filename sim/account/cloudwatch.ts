/**
 * CloudWatch alarm operations. Error codes are the awsQuery codes the CloudWatch JSON protocol
 * sends in query-compatible mode (`ResourceNotFound`, `InvalidParameterValue`, `InvalidFormat`,
 * `InvalidNextToken`, `ValidationError`…); the SDK maps them to its exception classes.
 *
 * Alarms are not evaluated from metric data: their state changes through the fixture,
 * `SetAlarmState` (as in AWS, for testing) or the control endpoint. A state change emits the
 * "CloudWatch Alarm State Change" event AWS would send to EventBridge.
 */
import type {
  CompositeAlarm,
  DescribeAlarmsOutput,
  ListTagsForResourceOutput,
  MetricAlarm,
  MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import { runAlarmActions } from "./alarm-actions";
import { configurationOf, emitConfigurationChange, eventTimestamp, fullConfiguration } from "./alarm-events";
import { validateAlarmMetrics } from "./alarm-metrics";
import { alarmActionsModel } from "./cloudwatch-actions";
import type { OpContext, ServiceModel } from "./context";
import { awsError, queryParamErrors } from "./errors";
import { ALARM_STATES, COMPARISON_OPERATORS, STATISTICS } from "./fixture";
import { metricDataModel } from "./outposts";
import { compareStrings, type Params, paginate } from "./query";
import { alarmArn, type CompositeAlarmModel, type MetricAlarmModel, prune, type RegionState } from "./state";

type AlarmStateValue = (typeof ALARM_STATES)[number];

function enumCheck<T extends string>(p: Params, name: string, allowed: readonly T[]): T | undefined {
  const value = p.str(name);
  if (value !== undefined && !(allowed as readonly string[]).includes(value)) {
    throw queryParamErrors.invalid(
      name,
      value,
      `Member must satisfy enum value set: [${allowed.join(", ")}]`,
    );
  }
  return value as T | undefined;
}

/** Names referenced by a composite alarm rule: `ALARM(name)`, `OK("name")`, `INSUFFICIENT_DATA(arn)`. */
function ruleChildren(rule: string): string[] {
  const names: string[] = [];
  for (const m of rule.matchAll(/\b(?:ALARM|OK|INSUFFICIENT_DATA)\(\s*(?:"([^"]+)"|([^)\s]+))\s*\)/g)) {
    const ref = m[1] ?? m[2] ?? "";
    names.push(ref.startsWith("arn:") ? (ref.split(":alarm:")[1] ?? ref) : ref);
  }
  return names;
}

function parentsOf(state: RegionState, name: string): CompositeAlarmModel[] {
  return [...state.compositeAlarms.values()].filter((c) =>
    ruleChildren(c.alarm.AlarmRule ?? "").includes(name),
  );
}

type Row = { kind: "metric"; model: MetricAlarmModel } | { kind: "composite"; model: CompositeAlarmModel };

function rowName(r: Row): string {
  return r.model.alarm.AlarmName ?? "";
}

function describeAlarms(c: OpContext, p: Params): DescribeAlarmsOutput {
  const names = p.strList("AlarmNames");
  const prefix = p.str("AlarmNamePrefix");
  const children = p.str("ChildrenOfAlarmName");
  const parents = p.str("ParentsOfAlarmName");
  const stateValue = enumCheck(p, "StateValue", ALARM_STATES);
  const actionPrefix = p.str("ActionPrefix");
  const types = p.strList("AlarmTypes");
  const max = p.intInRange("MaxRecords", 1, 100, "Member must have value less than or equal to 100");
  for (const t of types ?? []) {
    if (!["MetricAlarm", "CompositeAlarm", "LogAlarm"].includes(t)) {
      throw queryParamErrors.invalid(
        "AlarmTypes",
        t,
        "Member must satisfy enum value set: [CompositeAlarm, MetricAlarm, LogAlarm]",
      );
    }
  }
  if (names !== undefined && names.length > 100) {
    throw queryParamErrors.invalid(
      "AlarmNames",
      names.length,
      "Member must have length less than or equal to 100",
    );
  }
  if (names !== undefined && names.length > 0 && prefix !== undefined) {
    throw awsError("InvalidParameterCombination", "AlarmNamePrefix and AlarmNames cannot both be specified.");
  }
  const relation = children ?? parents;
  if (relation !== undefined) {
    const others = [
      names?.length ? "AlarmNames" : undefined,
      prefix,
      stateValue,
      actionPrefix,
      types?.length ? "t" : undefined,
    ];
    if ((children !== undefined && parents !== undefined) || others.some((o) => o !== undefined)) {
      throw awsError(
        "ValidationError",
        "If ChildrenOfAlarmName or ParentsOfAlarmName is specified, no other parameter except MaxRecords and NextToken may be specified.",
      );
    }
  }

  let rows: Row[];
  if (children !== undefined) {
    const parent = c.state.compositeAlarms.get(children);
    const childNames = new Set(ruleChildren(parent?.alarm.AlarmRule ?? ""));
    rows = [
      ...[...c.state.metricAlarms.values()]
        .filter((m) => childNames.has(m.alarm.AlarmName ?? ""))
        .map((model) => ({ kind: "metric" as const, model })),
      ...[...c.state.compositeAlarms.values()]
        .filter((m) => childNames.has(m.alarm.AlarmName ?? ""))
        .map((model) => ({ kind: "composite" as const, model })),
    ];
  } else if (parents !== undefined) {
    rows = parentsOf(c.state, parents).map((model) => ({ kind: "composite" as const, model }));
  } else {
    const wanted = new Set(types !== undefined && types.length > 0 ? types : ["MetricAlarm"]);
    rows = [
      ...(wanted.has("MetricAlarm")
        ? [...c.state.metricAlarms.values()].map((model) => ({ kind: "metric" as const, model }))
        : []),
      ...(wanted.has("CompositeAlarm")
        ? [...c.state.compositeAlarms.values()].map((model) => ({ kind: "composite" as const, model }))
        : []),
    ];
    rows = rows.filter((r) => {
      const a = r.model.alarm;
      if (names !== undefined && names.length > 0 && !names.includes(a.AlarmName ?? "")) return false;
      if (prefix !== undefined && !(a.AlarmName ?? "").startsWith(prefix)) return false;
      if (stateValue !== undefined && a.StateValue !== stateValue) return false;
      if (actionPrefix !== undefined) {
        const actions = [
          ...(a.AlarmActions ?? []),
          ...(a.OKActions ?? []),
          ...(a.InsufficientDataActions ?? []),
        ];
        if (!actions.some((x) => x.startsWith(actionPrefix))) return false;
      }
      return true;
    });
  }
  rows.sort((a, b) => compareStrings(rowName(a), rowName(b)));
  const { page, nextToken } = paginate(rows, {
    maxResults: max ?? 50,
    nextToken: p.str("NextToken"),
    key: "DescribeAlarms",
    errors: queryParamErrors,
  });
  const brief = children !== undefined || parents !== undefined;
  const metric: MetricAlarm[] = [];
  const composite: CompositeAlarm[] = [];
  for (const r of page) {
    const a = structuredClone(r.model.alarm);
    const shown = brief
      ? prune({
          AlarmName: a.AlarmName,
          AlarmArn: a.AlarmArn,
          StateValue: a.StateValue,
          StateUpdatedTimestamp: a.StateUpdatedTimestamp,
        })
      : a;
    if (r.kind === "metric") metric.push(shown as MetricAlarm);
    else composite.push(shown as CompositeAlarm);
  }
  return prune({ MetricAlarms: metric, CompositeAlarms: composite, NextToken: nextToken });
}

function readMetrics(p: Params): MetricDataQuery[] | undefined {
  const raw = p.objList("Metrics");
  if (raw === undefined) return undefined;
  return raw.map((m, i) => {
    if (typeof m.Id !== "string" || m.Id === "") throw queryParamErrors.missing(`Metrics.member.${i + 1}.Id`);
    if (m.MetricStat === undefined && m.Expression === undefined) {
      throw awsError(
        "ValidationError",
        `Exactly one element of the metrics list should have either MetricStat or Expression (${m.Id}).`,
      );
    }
    return structuredClone(m) as unknown as MetricDataQuery;
  });
}

function validPeriod(period: number): boolean {
  return period === 10 || period === 20 || period === 30 || (period > 0 && period % 60 === 0);
}

function putMetricAlarm(c: OpContext, p: Params): Record<string, never> {
  const name = p.reqStr("AlarmName");
  if (name.length > 255)
    throw queryParamErrors.invalid("AlarmName", name, "Member must have length less than or equal to 255");
  const comparison = enumCheck(p, "ComparisonOperator", COMPARISON_OPERATORS);
  const statistic = enumCheck(p, "Statistic", STATISTICS);
  const treatMissingData = p.str("TreatMissingData");
  if (
    treatMissingData !== undefined &&
    !["breaching", "notBreaching", "ignore", "missing"].includes(treatMissingData)
  ) {
    throw awsError(
      "ValidationError",
      `Option ${treatMissingData} is not valid for TreatMissingData. Valid options are breaching, notBreaching, ignore, missing`,
    );
  }
  const evaluationCriteria = p.has("EvaluationCriteria");
  const evaluationPeriods = p.int("EvaluationPeriods");
  if (!evaluationCriteria) {
    if (comparison === undefined) throw queryParamErrors.missing("ComparisonOperator");
    if (evaluationPeriods === undefined) throw queryParamErrors.missing("EvaluationPeriods");
  }
  if (evaluationPeriods !== undefined && evaluationPeriods < 1) {
    throw queryParamErrors.invalid(
      "EvaluationPeriods",
      evaluationPeriods,
      "Member must have value greater than or equal to 1",
    );
  }
  const datapoints = p.int("DatapointsToAlarm");
  if (
    datapoints !== undefined &&
    (datapoints < 1 || (evaluationPeriods !== undefined && datapoints > evaluationPeriods))
  ) {
    throw awsError(
      "ValidationError",
      "DatapointsToAlarm must be greater than 0 and less than or equal to EvaluationPeriods.",
    );
  }
  const metrics = readMetrics(p);
  const metricName = p.str("MetricName");
  const namespace = p.str("Namespace");
  const period = p.int("Period");
  const extended = p.str("ExtendedStatistic");
  const dimensionsRaw = p.objList("Dimensions");
  if (metrics !== undefined) {
    const clash = [
      "MetricName",
      "Namespace",
      "Dimensions",
      "Period",
      "Unit",
      "Statistic",
      "ExtendedStatistic",
    ].filter((k) => p.has(k));
    // "Statistic should not be set if list of Metrics is set." (captured from AWS, cloudtools/troposphere #1276).
    if (clash.length > 0)
      throw awsError("ValidationError", `${clash[0]} should not be set if list of Metrics is set.`);
    validateAlarmMetrics(metrics, p.str("ThresholdMetricId"));
  } else if (!evaluationCriteria) {
    if (metricName === undefined) throw awsError("ValidationError", "MetricName must not be null");
    if (namespace === undefined) throw awsError("ValidationError", "Namespace must not be null");
    if (period === undefined) throw awsError("ValidationError", "Period must not be null");
    if ((statistic === undefined) === (extended === undefined)) {
      throw awsError("ValidationError", "Exactly one of Statistic and ExtendedStatistic must be specified.");
    }
  }
  for (const q of metrics ?? []) {
    const qp = q.MetricStat?.Period ?? q.Period;
    if (qp !== undefined && !validPeriod(qp))
      throw awsError(
        "ValidationError",
        `Period ${qp} of metric ${q.Id} must be 10, 20, 30 or a multiple of 60.`,
      );
  }
  const effectivePeriod =
    period ?? metrics?.map((q) => q.MetricStat?.Period ?? q.Period).find((x) => x !== undefined);
  if (period !== undefined && !validPeriod(period)) {
    throw awsError("ValidationError", "Period must be 10, 20, 30 or a multiple of 60.");
  }
  if (effectivePeriod !== undefined && evaluationPeriods !== undefined) {
    const total = effectivePeriod * evaluationPeriods;
    if (total > 604_800 || (effectivePeriod < 3600 && total > 86_400)) {
      throw awsError(
        "ValidationError",
        "The evaluation period (Period × EvaluationPeriods) cannot be longer than 7 days, or 1 day for periods under one hour.",
      );
    }
  }
  const threshold = p.num("Threshold");
  const thresholdMetricId = p.str("ThresholdMetricId");
  if (!evaluationCriteria && threshold === undefined && thresholdMetricId === undefined) {
    throw awsError("ValidationError", "Threshold must not be null");
  }
  const actions = (key: string) => {
    const list = p.strList(key) ?? [];
    if (list.length > 5)
      throw queryParamErrors.invalid(key, list, "Member must have length less than or equal to 5");
    return list;
  };
  const alarmActions = actions("AlarmActions");
  const okActions = actions("OKActions");
  const insufficientActions = actions("InsufficientDataActions");
  const tagsRaw = p.objList("Tags") ?? [];
  if (tagsRaw.length > 50)
    throw queryParamErrors.invalid(
      "Tags",
      tagsRaw.length,
      "Member must have length less than or equal to 50",
    );
  if (c.state.compositeAlarms.has(name)) {
    throw awsError("ValidationError", `An alarm named ${name} already exists as a composite alarm.`);
  }
  const dimensions = (dimensionsRaw ?? []).map((d, i) => {
    if (typeof d.Name !== "string" || typeof d.Value !== "string") {
      throw queryParamErrors.missing(
        `Dimensions.member.${i + 1}.${typeof d.Name !== "string" ? "Name" : "Value"}`,
      );
    }
    return { Name: d.Name, Value: d.Value };
  });
  if (dimensions.length > 30)
    throw queryParamErrors.invalid(
      "Dimensions",
      dimensions.length,
      "Member must have length less than or equal to 30",
    );

  const now = new Date(c.nowMs());
  const existing = c.state.metricAlarms.get(name);
  const alarm: MetricAlarm = prune({
    AlarmName: name,
    AlarmArn: alarmArn(c.region, c.accountId, name),
    AlarmDescription: p.str("AlarmDescription"),
    AlarmConfigurationUpdatedTimestamp: now,
    ActionsEnabled: p.bool("ActionsEnabled") ?? true,
    OKActions: okActions,
    AlarmActions: alarmActions,
    InsufficientDataActions: insufficientActions,
    StateValue: existing?.alarm.StateValue ?? "INSUFFICIENT_DATA",
    StateReason: existing?.alarm.StateReason ?? "Unchecked: Initial alarm creation",
    StateReasonData: existing?.alarm.StateReasonData,
    StateUpdatedTimestamp: existing?.alarm.StateUpdatedTimestamp ?? now,
    StateTransitionedTimestamp: existing?.alarm.StateTransitionedTimestamp ?? now,
    MetricName: metricName,
    Namespace: namespace,
    Statistic: statistic,
    ExtendedStatistic: extended,
    Dimensions: metrics === undefined ? dimensions : undefined,
    Period: period,
    Unit: p.str("Unit") as MetricAlarm["Unit"],
    EvaluationPeriods: evaluationPeriods,
    DatapointsToAlarm: datapoints,
    Threshold: threshold,
    ComparisonOperator: comparison,
    TreatMissingData: treatMissingData,
    EvaluateLowSampleCountPercentile: p.str("EvaluateLowSampleCountPercentile"),
    Metrics: metrics,
    ThresholdMetricId: thresholdMetricId,
  });
  if (existing !== undefined) {
    // An update overwrites the configuration, keeps the state, and ignores Tags (CloudWatch API reference).
    const previous = fullConfiguration(existing.alarm);
    existing.alarm = alarm;
    emitConfigurationChange(c, alarm, "update", previous);
  } else {
    const tags = new Map<string, string>();
    for (const t of tagsRaw)
      if (typeof t.Key === "string") tags.set(t.Key, typeof t.Value === "string" ? t.Value : "");
    c.state.metricAlarms.set(name, { alarm, tags });
    emitConfigurationChange(c, alarm, "create");
  }
  return {};
}

function deleteAlarms(c: OpContext, p: Params): Record<string, never> {
  const names = p.strList("AlarmNames");
  if (names === undefined) throw queryParamErrors.missing("AlarmNames");
  if (names.length > 100)
    throw queryParamErrors.invalid(
      "AlarmNames",
      names.length,
      "Member must have length less than or equal to 100",
    );
  const composites = names.filter((n) => c.state.compositeAlarms.has(n));
  if (composites.length > 1)
    throw awsError("ValidationError", "A request can delete at most one composite alarm.");
  const deleting = new Set(names);
  for (const name of names) {
    const blocking = parentsOf(c.state, name).filter((parent) => !deleting.has(parent.alarm.AlarmName ?? ""));
    if (blocking.length > 0) {
      throw awsError(
        "ValidationError",
        `Cannot delete ${name} as there are composite alarm(s) depending on it.`,
      );
    }
  }
  // Unknown names are not an error: "the alarms you specify with correct names are still deleted".
  for (const name of names) {
    const deleted = c.state.metricAlarms.get(name) ?? c.state.compositeAlarms.get(name);
    c.state.metricAlarms.delete(name);
    c.state.compositeAlarms.delete(name);
    if (deleted !== undefined) emitConfigurationChange(c, deleted.alarm, "delete");
  }
  return {};
}

/** Changes an alarm's state (SetAlarmState, control endpoint); emits the EventBridge event on a change. */
export function setAlarmState(
  c: OpContext,
  name: string,
  value: AlarmStateValue,
  reason: string,
  reasonData: string | undefined,
): void {
  const model = c.state.metricAlarms.get(name) ?? c.state.compositeAlarms.get(name);
  if (model === undefined) throw awsError("ResourceNotFound", `Alarm ${name} not found`, 404);
  const alarm = model.alarm;
  const now = new Date(c.nowMs());
  const previous = prune({
    value: alarm.StateValue,
    reason: alarm.StateReason,
    reasonData: alarm.StateReasonData,
    timestamp:
      alarm.StateUpdatedTimestamp === undefined ? undefined : eventTimestamp(alarm.StateUpdatedTimestamp),
  });
  const changed = alarm.StateValue !== value;
  alarm.StateValue = value;
  alarm.StateReason = reason;
  alarm.StateReasonData = reasonData;
  alarm.StateUpdatedTimestamp = now;
  if (changed) {
    alarm.StateTransitionedTimestamp = now;
    c.emit({
      source: "aws.cloudwatch",
      detailType: "CloudWatch Alarm State Change",
      resources: [alarm.AlarmArn ?? alarmArn(c.region, c.accountId, name)],
      detail: {
        alarmName: name,
        state: prune({ value, reason, reasonData, timestamp: eventTimestamp(now) }),
        previousState: previous,
        configuration: configurationOf(alarm),
      },
      at: now.getTime(),
    });
    const state = prune({ value, reason, reasonData, timestamp: eventTimestamp(now) });
    runAlarmActions(c, alarm, { name, value, previous, state, at: now.getTime() });
  }
}

function setAlarmStateOp(c: OpContext, p: Params): Record<string, never> {
  const name = p.reqStr("AlarmName");
  const value = enumCheck(p, "StateValue", ALARM_STATES);
  if (value === undefined) throw queryParamErrors.missing("StateValue");
  const reason = p.reqStr("StateReason");
  if (reason.length > 1023)
    throw queryParamErrors.invalid(
      "StateReason",
      reason,
      "Member must have length less than or equal to 1023",
    );
  const reasonData = p.str("StateReasonData");
  if (reasonData !== undefined) {
    try {
      JSON.parse(reasonData);
    } catch {
      throw awsError("InvalidFormat", "Unrecognized format for StateReasonData: it must be valid JSON.");
    }
  }
  setAlarmState(c, name, value, reason, reasonData);
  return {};
}

function listTagsForResource(c: OpContext, p: Params): ListTagsForResourceOutput {
  const arn = p.reqStr("ResourceARN");
  const match = /^arn:aws[a-z-]*:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.+)$/.exec(arn);
  if (match === null) throw awsError("InvalidParameterValue", `Invalid ARN: ${arn}`);
  const [, region, account, name] = match;
  const model =
    region === c.region && account === c.accountId && name !== undefined
      ? (c.state.metricAlarms.get(name) ?? c.state.compositeAlarms.get(name))
      : undefined;
  if (model === undefined)
    throw awsError("ResourceNotFoundException", "The specified resource does not exist.", 404);
  return { Tags: [...model.tags.entries()].map(([Key, Value]) => ({ Key, Value })) };
}

export const cloudWatchModel: ServiceModel = {
  ...metricDataModel,
  ...alarmActionsModel,
  DescribeAlarms: describeAlarms,
  PutMetricAlarm: putMetricAlarm,
  DeleteAlarms: deleteAlarms,
  SetAlarmState: setAlarmStateOp,
  ListTagsForResource: listTagsForResource,
};
