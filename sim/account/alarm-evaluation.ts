/**
 * Evaluation of the metric alarms metrics.ts leaves alone (issue 12): single-metric alarms on the
 * AWS/EC2 metrics of instances that publish them (instance-metrics.ts), and metric-math alarms whose
 * metrics all have a source (AWS/EC2 of such instances, or a custom namespace that received data)
 * and whose expressions use only evaluated functions. Same rules as metrics.ts (`evaluateAt`: N
 * periods, M datapoints, TreatMissingData, reason texts); for metric math the datapoint of each period
 * is the watched expression's value (StateReasonData without `statistic`, as in AWS's metric-math
 * sample). Other alarms keep their state, as before.
 */
import type { MetricAlarm, MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { isInsightsQuery, parsedExpressions } from "./alarm-metrics";
import { setAlarmState } from "./cloudwatch";
import type { OpContext } from "./context";
import {
  EC2_NAMESPACE,
  INSTANCE_METRIC_NAMES,
  publishInstanceMetrics,
  resolutionMs,
} from "./instance-metrics";
import { EVALUATED_FUNCTIONS, expressionUses, type MathNode } from "./metric-math";
import { evaluateMath, type MathScope, type MathValue, NotEvaluated, type Series } from "./metric-math-eval";
import { MetricStore, STATS, type Stat } from "./metric-store";
import { COMPARE, type EvaluationRule, evaluateAt, MAX_EVALUATIONS } from "./metrics";
import type { InstanceModel, RegionState } from "./state";
import { publishStatusMetrics, STATUS_METRIC_NAMES, STATUS_PERIOD_MS } from "./status-metrics";

interface MetricRef {
  namespace: string;
  metricName: string;
  dims: { Name: string; Value: string }[];
  stat: Stat;
  periodMs: number;
}

const isStatusMetric = (name: string): boolean => (STATUS_METRIC_NAMES as readonly string[]).includes(name);

/** The instance an AWS/EC2 metric is about, when it publishes that metric. */
function instanceOf(state: RegionState, m: MetricRef): InstanceModel | undefined {
  const [dim, ...rest] = m.dims;
  if (m.namespace !== EC2_NAMESPACE || rest.length > 0 || dim?.Name !== "InstanceId") return undefined;
  const publishes = isStatusMetric(m.metricName)
    ? state.statusMetrics.has(dim.Value) ||
      state.metricStore.get(m.namespace, m.metricName, m.dims) !== undefined
    : state.instanceMetrics.has(dim.Value);
  return publishes ? state.instances.get(dim.Value) : undefined;
}

/** How often an instance's metric gets a datapoint (status checks: every minute, whatever the monitoring). */
const publishedEveryMs = (inst: InstanceModel, m: MetricRef): number =>
  isStatusMetric(m.metricName) ? STATUS_PERIOD_MS : resolutionMs(inst);

interface AlarmSource extends EvaluationRule {
  /** Datapoint of each period start of the N periods before `end`. */
  values(end: number): Map<number, number> | undefined;
}

function dimsOf(list: { Name?: string; Value?: string }[] | undefined): { Name: string; Value: string }[] {
  return (list ?? []).map((d) => ({ Name: d.Name ?? "", Value: d.Value ?? "" }));
}

/** Whether the simulated account publishes this metric (otherwise the alarm is not evaluated). */
function hasSource(state: RegionState, m: MetricRef): boolean {
  if (m.namespace === EC2_NAMESPACE)
    return (
      instanceOf(state, m) !== undefined &&
      ((INSTANCE_METRIC_NAMES as readonly string[]).includes(m.metricName) || isStatusMetric(m.metricName))
    );
  return !m.namespace.startsWith("AWS/") && state.metricStore.namespaces.has(m.namespace);
}

/**
 * The period's datapoint as an evaluation at `end` sees it: an instance's datapoint (stamped with its
 * window start) is visible once its window is complete, so a 1-minute period on a basic-monitoring
 * instance never sees its 5-minute datapoint in time.
 */
function metricValue(state: RegionState, m: MetricRef, start: number, end: number): number | undefined {
  const series = state.metricStore.get(m.namespace, m.metricName, m.dims);
  const inst = instanceOf(state, m);
  const visibleUntil = inst === undefined ? start + m.periodMs : end - publishedEveryMs(inst, m) + 1;
  const length = Math.min(m.periodMs, visibleUntil - start);
  if (series === undefined || length <= 0) return undefined;
  return MetricStore.statistic(series, m.stat, start, length);
}

function ruleOf(alarm: MetricAlarm, periodMs: number, stat?: Stat): EvaluationRule | undefined {
  const compare = COMPARE[alarm.ComparisonOperator ?? ""];
  const n = alarm.EvaluationPeriods;
  if (compare === undefined || n === undefined || alarm.Threshold === undefined) return undefined;
  const treat = alarm.TreatMissingData;
  return {
    periodMs,
    n,
    m: alarm.DatapointsToAlarm ?? n,
    threshold: alarm.Threshold,
    compare,
    treat: treat === "ignore" || treat === "breaching" || treat === "notBreaching" ? treat : "missing",
    stat,
  };
}

function starts(end: number, rule: EvaluationRule): number[] {
  return Array.from({ length: rule.n }, (_, i) => end - (rule.n - i) * rule.periodMs);
}

function singleMetricSource(state: RegionState, alarm: MetricAlarm): AlarmSource | undefined {
  const stat = alarm.Statistic as Stat | undefined;
  if (alarm.Namespace !== EC2_NAMESPACE || alarm.MetricName === undefined || alarm.Period === undefined)
    return undefined;
  if (stat === undefined || !STATS.includes(stat)) return undefined;
  const ref: MetricRef = {
    namespace: alarm.Namespace,
    metricName: alarm.MetricName,
    dims: dimsOf(alarm.Dimensions),
    stat,
    periodMs: alarm.Period * 1000,
  };
  const rule = ruleOf(alarm, ref.periodMs, stat);
  if (rule === undefined || !hasSource(state, ref)) return undefined;
  return {
    ...rule,
    values: (end) => {
      const out = new Map<number, number>();
      for (const s of starts(end, rule)) {
        const v = metricValue(state, ref, s, end);
        if (v !== undefined) out.set(s, v);
      }
      return out;
    },
  };
}

function metricRefOf(q: MetricDataQuery): MetricRef | undefined {
  const ms = q.MetricStat;
  const stat = ms?.Stat as Stat | undefined;
  if (ms?.Metric?.Namespace === undefined || ms.Metric.MetricName === undefined || ms.Period === undefined)
    return undefined;
  if (stat === undefined || !STATS.includes(stat)) return undefined;
  return {
    namespace: ms.Metric.Namespace,
    metricName: ms.Metric.MetricName,
    dims: dimsOf(ms.Metric.Dimensions),
    stat,
    periodMs: ms.Period * 1000,
  };
}

function mathScope(
  state: RegionState,
  refs: ReadonlyMap<string, MetricRef>,
  parsed: ReadonlyMap<string, MathNode>,
  timestamps: number[],
  end: number,
): MathScope {
  const memo = new Map<string, MathValue>();
  const scope: MathScope = {
    timestamps,
    metricIds: [...refs.keys()],
    metric: (id) => {
      const ref = refs.get(id);
      if (ref === undefined) return undefined;
      const s: Series = new Map();
      for (const t of timestamps) {
        const v = metricValue(state, ref, t, end);
        if (v !== undefined) s.set(t, v);
      }
      return s;
    },
    expression: (id) => {
      const node = parsed.get(id);
      if (node === undefined) throw new NotEvaluated(`no expression ${id}`);
      const known = memo.get(id) ?? evaluateMath(node, scope);
      memo.set(id, known);
      return known;
    },
    period: (id) => (refs.get(id)?.periodMs ?? 0) / 1000 || undefined,
  };
  return scope;
}

/** Parsed expressions per alarm configuration (PutMetricAlarm replaces the alarm object). */
const parsedCache = new WeakMap<MetricAlarm, Map<string, MathNode> | "invalid">();

/** The alarm's parsed expressions; undefined for a fixture alarm whose expression does not parse. */
function parsedOf(alarm: MetricAlarm): Map<string, MathNode> | undefined {
  let parsed = parsedCache.get(alarm);
  if (parsed === undefined) {
    try {
      parsed = parsedExpressions(alarm.Metrics ?? []);
    } catch {
      parsed = "invalid";
    }
    parsedCache.set(alarm, parsed);
  }
  return parsed === "invalid" ? undefined : parsed;
}

function mathSource(state: RegionState, alarm: MetricAlarm): AlarmSource | undefined {
  const metrics = alarm.Metrics ?? [];
  const watched = metrics.filter((q) => q.ReturnData !== false);
  const target = watched[0];
  if (alarm.ThresholdMetricId !== undefined || watched.length !== 1 || target === undefined) return undefined;
  if (metrics.some((q) => q.Expression !== undefined && isInsightsQuery(q.Expression))) return undefined;
  const refs = new Map<string, MetricRef>();
  for (const q of metrics) {
    const ref = q.MetricStat === undefined ? undefined : metricRefOf(q);
    if (q.MetricStat !== undefined && (ref === undefined || !hasSource(state, ref))) return undefined;
    if (ref !== undefined) refs.set(q.Id ?? "", ref);
  }
  const periods = new Set([...refs.values()].map((r) => r.periodMs));
  const periodMs = [...periods][0];
  if (periods.size !== 1 || periodMs === undefined) return undefined;
  const parsed = parsedOf(alarm);
  if (parsed === undefined) return undefined;
  const functions = [...parsed.values()].flatMap((n) => expressionUses(n).functions);
  const rule = ruleOf(alarm, periodMs);
  if (rule === undefined || functions.some((f) => !EVALUATED_FUNCTIONS.has(f))) return undefined;
  const id = target.Id ?? "";
  return {
    ...rule,
    values: (end) => {
      const scope = mathScope(state, refs, parsed, starts(end, rule), end);
      try {
        const v = scope.metric(id) ?? scope.expression(id);
        return v instanceof Map ? v : undefined;
      } catch (error) {
        if (error instanceof NotEvaluated) return undefined;
        throw error;
      }
    },
  };
}

function sourceOf(state: RegionState, alarm: MetricAlarm): AlarmSource | undefined {
  return alarm.Metrics !== undefined ? mathSource(state, alarm) : singleMetricSource(state, alarm);
}

/** A single-metric alarm already evaluated through its last period end (settling runs every step). */
function noPeriodEndSince(store: MetricStore, name: string, alarm: MetricAlarm, now: number): boolean {
  const progress = store.evaluated.get(name);
  const periodMs = (alarm.Period ?? 0) * 1000;
  if (progress === undefined || periodMs <= 0) return false;
  if (progress.configuredAt !== (alarm.AlarmConfigurationUpdatedTimestamp?.getTime() ?? now)) return false;
  return Math.floor(now / periodMs) * periodMs <= progress.through;
}

/**
 * Publishes the instances' AWS/EC2 datapoints due by `now`, then evaluates every alarm this module
 * handles once per period end not evaluated yet (called whenever the account settles).
 */
export function settleInstanceMetrics(c: OpContext, now: number): void {
  const state = c.state;
  publishInstanceMetrics(state, now);
  publishStatusMetrics(state, now);
  const store = state.metricStore;
  // No instance publishes and no custom metric exists: nothing this module evaluates has a source.
  if (state.instanceMetrics.size === 0 && state.statusMetrics.size === 0 && store.namespaces.size === 0)
    return;
  for (const [name, model] of state.metricAlarms) {
    if (noPeriodEndSince(store, name, model.alarm, now)) continue;
    const source = sourceOf(state, model.alarm);
    if (source === undefined) continue;
    const configuredAt = model.alarm.AlarmConfigurationUpdatedTimestamp?.getTime() ?? now;
    let progress = store.evaluated.get(name);
    if (progress === undefined || progress.configuredAt !== configuredAt) {
      progress = { configuredAt, through: Math.floor(configuredAt / source.periodMs) * source.periodMs };
      store.evaluated.set(name, progress);
    }
    const last = Math.floor(now / source.periodMs) * source.periodMs;
    let end = Math.max(progress.through + source.periodMs, last - MAX_EVALUATIONS * source.periodMs);
    for (; end <= last; end += source.periodMs) {
      progress.through = end;
      const values = source.values(end);
      const next = values === undefined ? undefined : evaluateAt(source, (s) => values.get(s), end);
      if (next === undefined || next.value === model.alarm.StateValue) continue;
      const at = end;
      setAlarmState({ ...c, nowMs: () => at }, name, next.value, next.reason, next.reasonData);
    }
  }
}
