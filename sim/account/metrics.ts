/**
 * CloudWatch custom metrics and metric-alarm evaluation on the simulated clock (dx-failover, issue 3).
 *
 * - `PutMetricData` stores datapoints (Value, Values + Counts, or StatisticValues; Dimensions;
 *   Timestamp default now; StorageResolution 1 or 60 — standard-resolution datapoints are stored at
 *   the start of their minute). A namespace starting with `AWS/` → `InvalidParameterValue`.
 * - `GetMetricData` answers `MetricStat` queries on stored metrics (Average, Sum, Minimum, Maximum,
 *   SampleCount), custom ones and the AWS/EC2 metrics instance-metrics.ts publishes, with the retention,
 *   period, start-rounding and MaxDatapoints rules of metric-data-rules.ts; a period without samples has
 *   no datapoint (missing, not zero); anything else keeps the existing behaviour (`AWS/Outposts`
 *   capacity, otherwise no datapoints).
 * - Alarms: single-metric alarms (Namespace + MetricName + Period + Statistic, a plain threshold
 *   operator) on a custom namespace that has received at least one datapoint are evaluated lazily,
 *   whenever the account settles its clock, once per period end since the last evaluation: the N
 *   (EvaluationPeriods) most recent complete periods, M = DatapointsToAlarm (default N), missing
 *   periods handled per TreatMissingData. A state change goes through `setAlarmState` (StateValue,
 *   StateReason, StateReasonData, StateUpdatedTimestamp = the period end, and the "CloudWatch Alarm
 *   State Change" service event). Simplifications are listed in docs/simulated-account.md.
 */
import type { GetMetricDataOutput, MetricAlarm, MetricDataResult } from "@aws-sdk/client-cloudwatch";
import { setAlarmState } from "./cloudwatch";
import type { OpContext, ServiceModel } from "./context";
import { awsError, queryParamErrors } from "./errors";
import {
  checkPeriod,
  DEFAULT_MAX_DATAPOINTS,
  pageOfDatapoints,
  periodFitsAge,
  roundedStart,
} from "./metric-data-rules";
import { MetricStore, type Sample, type Series, STATS, type Stat } from "./metric-store";
import { metricDataModel } from "./outposts";
import type { Params } from "./query";

// ---------------------------------------------------------------------------------------------
// PutMetricData

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function finite(value: unknown, path: string): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n))
    throw awsError("InvalidParameterValue", `The value ${String(value)} for parameter ${path} is invalid.`);
  return n;
}

function readDimensions(raw: unknown, path: string): { Name: string; Value: string }[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw queryParamErrors.invalid(path, raw, "Expected a list of structures.");
  if (raw.length > 30)
    throw queryParamErrors.invalid(path, raw.length, "Member must have length less than or equal to 30");
  return raw.map((d, i) => {
    if (!isRecord(d) || typeof d.Name !== "string" || d.Name === "")
      throw queryParamErrors.missing(`${path}.member.${i + 1}.Name`);
    if (typeof d.Value !== "string" || d.Value === "")
      throw queryParamErrors.missing(`${path}.member.${i + 1}.Value`);
    return { Name: d.Name, Value: d.Value };
  });
}

function toMs(value: unknown, path: string): number {
  const d =
    value instanceof Date
      ? value
      : typeof value === "string" || typeof value === "number"
        ? new Date(value)
        : undefined;
  if (d === undefined || Number.isNaN(d.getTime()))
    throw awsError("InvalidParameterValue", `The parameter ${path} must be a timestamp.`);
  return d.getTime();
}

/** A datum gives one of these (mutually exclusive). */
const VALUE_MEMBERS = ["Value", "Values", "StatisticValues"] as const;
const TWO_WEEKS_MS = 14 * 24 * 3600_000;
const TWO_HOURS_MS = 2 * 3600_000;

function putMetricData(c: OpContext, p: Params): Record<string, never> {
  const namespace = p.reqStr("Namespace");
  if (namespace.startsWith("AWS/")) {
    throw awsError(
      "InvalidParameterValue",
      `The value ${namespace} for parameter Namespace is invalid: namespaces starting with "AWS/" are reserved for AWS services.`,
    );
  }
  const data = p.objList("MetricData");
  if (data === undefined || data.length === 0) throw queryParamErrors.missing("MetricData");
  if (data.length > 1000)
    throw queryParamErrors.invalid(
      "MetricData",
      data.length,
      "Member must have length less than or equal to 1000",
    );
  const now = c.nowMs();
  const pending: { name: string; dims: { Name: string; Value: string }[]; samples: Sample[] }[] = [];
  data.forEach((d, i) => {
    const path = `MetricData.member.${i + 1}`;
    if (typeof d.MetricName !== "string" || d.MetricName === "")
      throw queryParamErrors.missing(`${path}.MetricName`);
    const dims = readDimensions(d.Dimensions, `${path}.Dimensions`);
    const resolution = d.StorageResolution === undefined ? 60 : d.StorageResolution;
    if (resolution !== 1 && resolution !== 60) {
      throw awsError(
        "InvalidParameterValue",
        `The value ${String(resolution)} for parameter ${path}.StorageResolution is invalid: valid values are 1 and 60.`,
      );
    }
    let at = d.Timestamp === undefined ? now : toMs(d.Timestamp, `${path}.Timestamp`);
    if (at < now - TWO_WEEKS_MS || at > now + TWO_HOURS_MS) {
      throw awsError(
        "InvalidParameterValue",
        `The parameter ${path}.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future.`,
      );
    }
    if (resolution === 60) at -= ((at % 60_000) + 60_000) % 60_000;
    else at -= ((at % 1000) + 1000) % 1000;
    const given = VALUE_MEMBERS.filter((k) => d[k] !== undefined);
    if (given.length > 1) {
      throw awsError(
        "InvalidParameterCombination",
        `The parameters ${path}.${given[0]} and ${path}.${given[1]} are mutually exclusive and you have specified both.`,
      );
    }
    const samples: Sample[] = [];
    if (d.Value !== undefined) {
      const v = finite(d.Value, `${path}.Value`);
      samples.push({ at, sum: v, count: 1, min: v, max: v });
    } else if (d.Values !== undefined) {
      if (!Array.isArray(d.Values))
        throw queryParamErrors.invalid(`${path}.Values`, d.Values, "Expected a list.");
      const counts = d.Counts;
      if (counts !== undefined && (!Array.isArray(counts) || counts.length !== d.Values.length)) {
        throw awsError(
          "InvalidParameterValue",
          `The parameters ${path}.Values and ${path}.Counts must be arrays of the same length.`,
        );
      }
      d.Values.forEach((raw, j) => {
        const v = finite(raw, `${path}.Values.member.${j + 1}`);
        const n = Array.isArray(counts) ? finite(counts[j], `${path}.Counts.member.${j + 1}`) : 1;
        samples.push({ at, sum: v * n, count: n, min: v, max: v });
      });
    } else if (isRecord(d.StatisticValues)) {
      const s = d.StatisticValues;
      const sv = (k: string) => finite(s[k], `${path}.StatisticValues.${k}`);
      samples.push({ at, sum: sv("Sum"), count: sv("SampleCount"), min: sv("Minimum"), max: sv("Maximum") });
    } else {
      throw awsError("InvalidParameterCombination", `${path} needs one of Value, Values or StatisticValues.`);
    }
    pending.push({ name: d.MetricName, dims, samples });
  });
  for (const item of pending)
    for (const s of item.samples) c.state.metricStore.add(namespace, item.name, item.dims, s);
  return {};
}

// ---------------------------------------------------------------------------------------------
// GetMetricData

interface StatQuery {
  namespace: string;
  name: string;
  dims: { Name: string; Value: string }[];
  period: number;
  stat: Stat;
}

/** The custom-metric `MetricStat` of a query, if it has one the store can answer (period checked). */
function statQuery(
  store: MetricStore,
  q: Record<string, unknown> | undefined,
  index: number,
): StatQuery | undefined {
  const stat = isRecord(q?.MetricStat) ? q.MetricStat : undefined;
  const metric = isRecord(stat?.Metric) ? stat.Metric : undefined;
  if (stat === undefined || metric === undefined) return undefined;
  const { Namespace: namespace, MetricName: name } = metric;
  const { Period: period, Stat: s } = stat;
  if (typeof period === "number")
    checkPeriod(period, `MetricDataQueries.member.${index + 1}.MetricStat.Period`);
  if (typeof namespace !== "string" || typeof name !== "string") return undefined;
  if (typeof period !== "number" || typeof s !== "string" || !STATS.includes(s as Stat)) return undefined;
  const dims = Array.isArray(metric.Dimensions)
    ? metric.Dimensions.filter(isRecord).map((d) => ({
        Name: String(d.Name ?? ""),
        Value: String(d.Value ?? ""),
      }))
    : [];
  // AWS/ series exist in the store only where the simulator publishes them (AWS/EC2 of instances with
  // metric levels); other AWS/ metrics (AWS/Outposts capacity) are answered by the base model.
  if (namespace.startsWith("AWS/") && store.get(namespace, name, dims) === undefined) return undefined;
  return { namespace, name, dims, period, stat: s as Stat };
}

/** Datapoints of one query: periods from the rounded start, only where samples exist (missing ≠ zero). */
function datapoints(
  c: OpContext,
  q: StatQuery,
  start: number,
  end: number,
): { Timestamps: Date[]; Values: number[] } {
  const series = c.state.metricStore.get(q.namespace, q.name, q.dims);
  const now = c.nowMs();
  if (series === undefined || !periodFitsAge(q.period, start, now)) return { Timestamps: [], Values: [] };
  const periodMs = q.period * 1000;
  const { starts, values } = MetricStore.statistics(
    series,
    q.stat,
    roundedStart(start, q.period, now),
    periodMs,
    end,
  );
  return { Timestamps: starts.map((t) => new Date(t)), Values: values };
}

function pageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset, k: "GetMetricData" })).toString("base64url");
}

function pageOffset(token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const body = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown; k?: unknown };
    if (body.k === "GetMetricData" && Number.isInteger(body.o) && (body.o as number) >= 0)
      return body.o as number;
  } catch {
    // an unreadable token is answered below
  }
  throw queryParamErrors.badToken();
}

function getMetricData(c: OpContext, p: Params): GetMetricDataOutput {
  const queries = p.objList("MetricDataQueries") ?? [];
  const stats = queries.map((q, i) => statQuery(c.state.metricStore, q, i));
  const base = metricDataModel.GetMetricData?.(c, p) as GetMetricDataOutput;
  const end = p.date("EndTime")?.getTime() ?? c.nowMs();
  const start = p.date("StartTime")?.getTime() ?? end - 3 * 3600_000;
  const ascending = p.str("ScanBy") === "TimestampAscending";
  const max = p.int("MaxDatapoints") ?? DEFAULT_MAX_DATAPOINTS;
  const offset = pageOffset(p.str("NextToken"));
  const results = (base.MetricDataResults ?? []).map((result, i): MetricDataResult => {
    const q = stats[i];
    if (q === undefined) return result;
    const { Timestamps, Values } = datapoints(c, q, start, end);
    if (!ascending) {
      Timestamps.reverse();
      Values.reverse();
    }
    return { ...result, Timestamps, Values, StatusCode: "Complete" };
  });
  const page = pageOfDatapoints(results, offset, max);
  return {
    ...base,
    MetricDataResults: page.results,
    ...(page.next === undefined ? {} : { NextToken: pageToken(page.next) }),
  };
}

export const metricsModel: ServiceModel = {
  PutMetricData: putMetricData,
  GetMetricData: getMetricData,
};

// ---------------------------------------------------------------------------------------------
// Alarm evaluation

type Compare = (v: number, t: number) => boolean;
export const COMPARE: Readonly<Record<string, { test: Compare; text: string }>> = {
  GreaterThanOrEqualToThreshold: { test: (v, t) => v >= t, text: "greater than or equal to" },
  GreaterThanThreshold: { test: (v, t) => v > t, text: "greater than" },
  LessThanThreshold: { test: (v, t) => v < t, text: "less than" },
  LessThanOrEqualToThreshold: { test: (v, t) => v <= t, text: "less than or equal to" },
};

/** At most this many period ends are evaluated per alarm per settle (a long clock jump skips ahead). */
export const MAX_EVALUATIONS = 10_000;

interface Evaluable {
  alarm: MetricAlarm;
  namespace: string;
  metricName: string;
  stat: Stat;
  periodMs: number;
  n: number;
  m: number;
  threshold: number;
  compare: { test: Compare; text: string };
  treat: "missing" | "ignore" | "breaching" | "notBreaching";
}

/**
 * Each alarm definition's evaluable form, made once (settling evaluates every alarm on every call and
 * clock move; PutMetricAlarm replaces the definition, and only its state fields change in place).
 */
const evaluables = new WeakMap<MetricAlarm, Evaluable | null>();
function evaluableOf(alarm: MetricAlarm): Evaluable | undefined {
  let e = evaluables.get(alarm);
  if (e === undefined) {
    e = evaluable(alarm) ?? null;
    evaluables.set(alarm, e);
  }
  return e ?? undefined;
}

function evaluable(alarm: MetricAlarm): Evaluable | undefined {
  const { Namespace, MetricName, Period, Statistic, EvaluationPeriods, Threshold, ComparisonOperator } =
    alarm;
  if (Namespace === undefined || Namespace.startsWith("AWS/") || MetricName === undefined) return undefined;
  if (alarm.Metrics !== undefined || Period === undefined || Statistic === undefined) return undefined;
  if (EvaluationPeriods === undefined || Threshold === undefined || ComparisonOperator === undefined)
    return undefined;
  const compare = COMPARE[ComparisonOperator];
  if (compare === undefined || !STATS.includes(Statistic as Stat)) return undefined;
  const treat = alarm.TreatMissingData;
  return {
    alarm,
    namespace: Namespace,
    metricName: MetricName,
    stat: Statistic as Stat,
    periodMs: Period * 1000,
    n: EvaluationPeriods,
    m: alarm.DatapointsToAlarm ?? EvaluationPeriods,
    threshold: Threshold,
    compare,
    treat: treat === "ignore" || treat === "breaching" || treat === "notBreaching" ? treat : "missing",
  };
}

type AlarmValue = "OK" | "ALARM" | "INSUFFICIENT_DATA";

function shortDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(2, 4)} ${iso.slice(11, 19)}`;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

/** What deciding an alarm's state needs (also used for AWS/EC2 and metric-math alarms, alarm-evaluation.ts). */
export type EvaluationRule = Pick<Evaluable, "periodMs" | "n" | "m" | "threshold" | "compare" | "treat"> & {
  stat?: Stat;
};

interface Point {
  start: number;
  value: number | undefined;
}

/** The state an evaluation decides, and the count its reason gives (`crossed`), before any text is built. */
interface Decision {
  value: AlarmValue;
  /** Datapoints counted in a "Threshold Crossed" reason; undefined: no datapoint at all (`e.treat` says how). */
  crossed?: number;
}

function decide(e: EvaluationRule, points: readonly Point[]): Decision | undefined {
  const real = points.filter((pt): pt is { start: number; value: number } => pt.value !== undefined);
  const breaching = real.filter((pt) => e.compare.test(pt.value, e.threshold)).length;
  const missing = e.n - real.length;
  if (real.length === 0) {
    if (e.treat === "ignore") return undefined;
    return { value: e.treat === "missing" ? "INSUFFICIENT_DATA" : e.treat === "breaching" ? "ALARM" : "OK" };
  }
  if (missing === 0 || e.treat === "missing" || e.treat === "ignore") {
    if (breaching >= e.m) return { value: "ALARM", crossed: breaching };
    // A breaching datapoint at least M periods old, with only breaching or missing ones after it,
    // puts the alarm in ALARM (AWS knowledge center "cloudwatch-alarm-single-data-point").
    for (let i = e.m - 1; i < points.length; i += 1) {
      const pt = points[i];
      if (pt?.value === undefined) continue;
      if (!e.compare.test(pt.value, e.threshold)) break;
      const recent = points.slice(0, i);
      if (recent.every((r) => r.value === undefined || e.compare.test(r.value, e.threshold)))
        return { value: "ALARM", crossed: breaching };
      break;
    }
    return { value: "OK", crossed: real.length - breaching };
  }
  const total = breaching + (e.treat === "breaching" ? missing : 0);
  return total >= e.m ? { value: "ALARM", crossed: total } : { value: "OK", crossed: e.n - total };
}

const isoTime = (ms: number): string => new Date(ms).toISOString().replace("Z", "+0000");

function reasonDataOf(e: EvaluationRule, points: readonly Point[], end: number): string {
  return JSON.stringify({
    version: "1.0",
    queryDate: isoTime(end),
    startDate: isoTime(end - e.n * e.periodMs),
    statistic: e.stat,
    period: e.periodMs / 1000,
    recentDatapoints: points.flatMap((pt) => (pt.value === undefined ? [] : [pt.value])),
    threshold: e.threshold,
    evaluatedDatapoints: points.map((pt) =>
      pt.value === undefined
        ? { timestamp: isoTime(pt.start) }
        : { timestamp: isoTime(pt.start), value: pt.value },
    ),
  });
}

function reasonOf(e: EvaluationRule, points: readonly Point[], d: Decision): string {
  const periods = `${e.n} period${e.n === 1 ? "" : "s"}`;
  const unknown = `${e.n} datapoint${e.n === 1 ? " was" : "s were"}`;
  if (d.crossed === undefined) {
    if (e.treat === "missing") return `Insufficient Data: ${unknown} unknown.`;
    const treated = e.treat === "breaching" ? "Breaching" : "NonBreaching";
    return `Threshold Crossed: no datapoints were received for ${periods} and ${e.n} missing datapoint${e.n === 1 ? " was" : "s were"} treated as [${treated}].`;
  }
  const shown = points
    .flatMap((pt) => (pt.value === undefined ? [] : [`${fmt(pt.value)} (${shortDate(pt.start)})`]))
    .join(", ");
  const alarm = d.value === "ALARM";
  return `Threshold Crossed: ${d.crossed} out of the last ${e.n} datapoints [${shown}] ${
    alarm ? "were" : "were not"
  } ${e.compare.text} the threshold (${fmt(e.threshold)}) (minimum ${e.m} datapoint${
    e.m === 1 ? "" : "s"
  } for ${alarm ? "OK -> ALARM" : "ALARM -> OK"} transition).`;
}

/**
 * One evaluation at period end `end`, from the datapoint of each period start (`valueAt`): the new
 * state with its reason, or undefined to keep the state. The reason's text is built only when read
 * (an evaluation that keeps the alarm's state, nearly all of them, needs only `value`).
 */
export function evaluateAt(
  e: EvaluationRule,
  valueAt: (start: number) => number | undefined,
  end: number,
): { value: AlarmValue; reason: string; reasonData: string } | undefined {
  // Most recent first.
  const points: Point[] = [];
  for (let i = 1; i <= e.n; i += 1) {
    const start = end - i * e.periodMs;
    points.push({ start, value: valueAt(start) });
  }
  const d = decide(e, points);
  if (d === undefined) return undefined;
  let reason: string | undefined;
  let reasonData: string | undefined;
  return {
    value: d.value,
    get reason() {
      reason ??= reasonOf(e, points, d);
      return reason;
    },
    get reasonData() {
      reasonData ??= reasonDataOf(e, points, end);
      return reasonData;
    },
  };
}

/**
 * The series an alarm reads, remembered by the store per alarm definition (PutMetricAlarm replaces the
 * definition; a series, once stored, stays): settling looks it up on every period end otherwise.
 */
function seriesOf(store: MetricStore, e: Evaluable, alarm: MetricAlarm): Series | undefined {
  const known = store.seriesOfAlarm.get(alarm);
  if (known !== undefined) return known;
  const dims = (alarm.Dimensions ?? []).map((d) => ({ Name: d.Name ?? "", Value: d.Value ?? "" }));
  const series = store.get(e.namespace, e.metricName, dims);
  if (series !== undefined) store.seriesOfAlarm.set(alarm, series);
  return series;
}

/**
 * Evaluates every evaluable alarm of the region for each period end up to `now` not yet evaluated
 * (called by the account whenever it settles the clock).
 */
export function evaluateAlarms(c: OpContext, now: number): void {
  const store = c.state.metricStore;
  if (store.namespaces.size === 0) return;
  for (const [name, model] of c.state.metricAlarms) {
    const e = evaluableOf(model.alarm);
    if (e === undefined) continue;
    const firstData = store.namespaces.get(e.namespace);
    if (firstData === undefined) continue;
    const configuredAt = model.alarm.AlarmConfigurationUpdatedTimestamp?.getTime() ?? firstData;
    let progress = store.evaluated.get(name);
    if (progress === undefined || progress.configuredAt !== configuredAt) {
      const from = Math.max(configuredAt, firstData);
      progress = { configuredAt, through: Math.floor(from / e.periodMs) * e.periodMs };
      store.evaluated.set(name, progress);
    }
    const last = Math.floor(now / e.periodMs) * e.periodMs;
    if (last <= progress.through) continue;
    const series = seriesOf(store, e, model.alarm);
    const valueAt = (start: number) =>
      series === undefined ? undefined : MetricStore.statistic(series, e.stat, start, e.periodMs);
    let end = Math.max(progress.through + e.periodMs, last - MAX_EVALUATIONS * e.periodMs);
    for (; end <= last; end += e.periodMs) {
      const next = evaluateAt(e, valueAt, end);
      progress.through = end;
      if (next === undefined || next.value === model.alarm.StateValue) continue;
      const at = end;
      setAlarmState({ ...c, nowMs: () => at }, name, next.value, next.reason, next.reasonData);
    }
  }
}
