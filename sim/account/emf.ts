/**
 * CloudWatch embedded metric format (EMF): metrics extracted from structured log lines
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 *
 * How the sim receives them [decision]: a Lambda function's stdout reaches CloudWatch Logs without any API
 * call from the function (the Lambda service ships it), so the account takes log events directly —
 * `account.ingestLogEvents(lines)` or `POST /__sim/logs/events` — as if CloudWatch Logs had received them
 * (the metric time is each line's own `_aws.Timestamp`); no CloudWatch Logs API is modelled.
 *
 * - A line is EMF when it is a JSON object whose `_aws` has a numeric `Timestamp` (ms) and a
 *   `CloudWatchMetrics` array of directives `{ Namespace, Dimensions: [[key…]…], Metrics: [{ Name, Unit?,
 *   StorageResolution? }] }`; each metric's value is the root member of its name (a number, or an array of
 *   up to 100 numbers), each dimension's value the root member of its key (a string). Anything else is kept
 *   as a plain log line: no metric, no error (the spec's validation rules; limits: 30 keys per dimension
 *   set, 100 metrics per directive).
 * - `StorageResolution: 1` stores a high-resolution datapoint at the second, otherwise at the minute, the
 *   same store PutMetricData writes to (so GetMetricData and alarms see both alike).
 * - A timestamp more than two weeks old or two hours ahead is not extracted (as PutMetricData refuses it).
 * - Extraction is asynchronous: datapoints appear `behaviour.emfExtractionDelayMs` after ingestion
 *   (undocumented delay; default 0) [decision].
 */
import type { Sample } from "./metric-store";
import type { RegionState } from "./state";

export interface EmfResult {
  /** Log events that carried valid EMF. */
  emfEvents: number;
  /** Datapoints stored (one per value per metric per dimension set). */
  datapoints: number;
  /** Why the other events carried no metric (index in the batch → reason). */
  ignored: { index: number; reason: string }[];
}

interface Datapoint {
  namespace: string;
  name: string;
  dims: { Name: string; Value: string }[];
  sample: Sample;
}

const TWO_WEEKS_MS = 14 * 24 * 3600_000;
const TWO_HOURS_MS = 2 * 3600_000;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function values(raw: unknown): number[] | undefined {
  if (typeof raw === "number" && Number.isFinite(raw)) return [raw];
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 100) return undefined;
  return raw.every((v) => typeof v === "number" && Number.isFinite(v)) ? (raw as number[]) : undefined;
}

function dimensionSets(
  root: Record<string, unknown>,
  raw: unknown,
): { Name: string; Value: string }[][] | string {
  if (!Array.isArray(raw)) return "Dimensions is not an array";
  const sets = raw.length === 0 ? [[]] : raw;
  const out: { Name: string; Value: string }[][] = [];
  for (const set of sets) {
    if (!Array.isArray(set) || set.length > 30) return "a dimension set is not an array of at most 30 keys";
    const dims: { Name: string; Value: string }[] = [];
    for (const key of set) {
      const value = typeof key === "string" ? root[key] : undefined;
      if (typeof value !== "string" || value === "") return `dimension ${String(key)} has no string value`;
      dims.push({ Name: key as string, Value: value });
    }
    out.push(dims);
  }
  return out;
}

function directivePoints(
  root: Record<string, unknown>,
  directive: unknown,
  at: number,
): Datapoint[] | string {
  if (!isRecord(directive)) return "a CloudWatchMetrics directive is not an object";
  const { Namespace: namespace, Metrics: metrics } = directive;
  if (typeof namespace !== "string" || namespace === "" || namespace.startsWith("AWS/"))
    return "Namespace is missing or reserved";
  if (!Array.isArray(metrics) || metrics.length > 100) return "Metrics is not an array of at most 100";
  const sets = dimensionSets(root, directive.Dimensions);
  if (typeof sets === "string") return sets;
  const out: Datapoint[] = [];
  for (const m of metrics) {
    if (!isRecord(m) || typeof m.Name !== "string") return "a metric definition has no Name";
    const resolution = m.StorageResolution ?? 60;
    if (resolution !== 1 && resolution !== 60)
      return `StorageResolution ${String(resolution)} is not 1 or 60`;
    const vs = values(root[m.Name]);
    if (vs === undefined) return `metric ${m.Name} has no numeric value`;
    const step = resolution === 1 ? 1000 : 60_000;
    const time = at - (((at % step) + step) % step);
    for (const dims of sets)
      for (const v of vs)
        out.push({ namespace, name: m.Name, dims, sample: { at: time, sum: v, count: 1, min: v, max: v } });
  }
  return out;
}

/** The datapoints of one log line, or why it carries none. */
function emfDatapoints(message: string, now: number): Datapoint[] | string {
  let root: unknown;
  try {
    root = JSON.parse(message);
  } catch {
    return "not JSON";
  }
  if (!isRecord(root) || !isRecord(root._aws)) return "no _aws member";
  const { Timestamp: at, CloudWatchMetrics: directives } = root._aws;
  if (typeof at !== "number" || !Number.isFinite(at)) return "_aws.Timestamp is not a number";
  if (at < now - TWO_WEEKS_MS || at > now + TWO_HOURS_MS) return "_aws.Timestamp is out of range";
  if (!Array.isArray(directives)) return "_aws.CloudWatchMetrics is not an array";
  const out: Datapoint[] = [];
  for (const d of directives) {
    const points = directivePoints(root, d, at);
    if (typeof points === "string") return points;
    out.push(...points);
  }
  return out;
}

/** Takes log events as CloudWatch Logs would and extracts their metrics (after the extraction delay). */
export function ingestLogEvents(state: RegionState, lines: readonly string[], now: number): EmfResult {
  const result: EmfResult = { emfEvents: 0, datapoints: 0, ignored: [] };
  const points: Datapoint[] = [];
  lines.forEach((line, index) => {
    const extracted = emfDatapoints(line, now);
    if (typeof extracted === "string") result.ignored.push({ index, reason: extracted });
    else {
      result.emfEvents += 1;
      points.push(...extracted);
    }
  });
  result.datapoints = points.length;
  const store = () => {
    for (const p of points) state.metricStore.add(p.namespace, p.name, p.dims, p.sample);
  };
  const delay = state.behaviour.emfExtractionDelayMs;
  if (delay === 0) store();
  else state.scheduled.push({ at: now + delay, run: store });
  return result;
}
