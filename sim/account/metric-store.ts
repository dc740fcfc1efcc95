/**
 * Per-region custom metric storage (PutMetricData datapoints by series) and alarm evaluation progress,
 * held by the region state; metrics.ts implements the operations and the evaluation on top of it.
 */
export interface Sample {
  at: number;
  sum: number;
  count: number;
  min: number;
  max: number;
}

export interface Series {
  namespace: string;
  metricName: string;
  dimensions: { Name: string; Value: string }[];
  samples: Sample[];
}

export type Stat = "Average" | "Sum" | "Minimum" | "Maximum" | "SampleCount";
export const STATS: readonly Stat[] = ["Average", "Sum", "Minimum", "Maximum", "SampleCount"];

const byName = (a: { Name: string }, b: { Name: string }) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0);

const part = (text: string): string =>
  text.includes("\u0001") || text.includes("\u0002") ? `\u0002${JSON.stringify(text)}` : text;

/**
 * One key per series: the dimensions in name order (a put and an alarm may list them in any order).
 * Parts are joined with control characters; a part containing one is written as JSON instead.
 */
function seriesKey(namespace: string, metricName: string, dims: { Name: string; Value: string }[]): string {
  const sorted = dims.length < 2 ? dims : [...dims].sort(byName);
  let key = `${part(namespace)}\u0001${part(metricName)}`;
  for (const d of sorted) key += `\u0001${part(d.Name)}\u0001${part(d.Value)}`;
  return key;
}

/** Index of the first sample at or after `at` (samples sorted by time). */
function lowerBound(samples: readonly Sample[], at: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((samples[mid] as Sample).at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Per-region custom metric storage and alarm evaluation progress. */
export class MetricStore {
  readonly series = new Map<string, Series>();
  /** Namespace → time of its first datapoint (alarms on a namespace nobody publishes stay untouched). */
  readonly namespaces = new Map<string, number>();
  /** Alarm name → the configuration it was evaluated with and the last period end evaluated. */
  readonly evaluated = new Map<string, { configuredAt: number; through: number }>();
  /** Alarm definition → the series it reads, once it exists (metrics.ts). */
  readonly seriesOfAlarm = new WeakMap<object, Series>();

  add(namespace: string, metricName: string, dims: { Name: string; Value: string }[], s: Sample): void {
    const key = seriesKey(namespace, metricName, dims);
    let series = this.series.get(key);
    if (series === undefined) {
      series = { namespace, metricName, dimensions: dims, samples: [] };
      this.series.set(key, series);
    }
    // Kept sorted by time (usually an append), so a period is found by binary search.
    const samples = series.samples;
    if (samples.length === 0 || (samples[samples.length - 1] as Sample).at <= s.at) samples.push(s);
    else samples.splice(lowerBound(samples, s.at + 1), 0, s);
    const first = this.namespaces.get(namespace);
    if (first === undefined || s.at < first) this.namespaces.set(namespace, s.at);
  }

  get(namespace: string, metricName: string, dims: { Name: string; Value: string }[]): Series | undefined {
    return this.series.get(seriesKey(namespace, metricName, dims));
  }

  /** The statistic over [start, start + periodMs), or undefined when no sample falls in it. */
  static statistic(series: Series, stat: Stat, start: number, periodMs: number): number | undefined {
    return periodStatistic(series.samples, lowerBound(series.samples, start), start + periodMs, stat).value;
  }

  /**
   * The statistic of each period [t, t + periodMs) for t = from, from + periodMs, … while t < end, with
   * the periods' starts, only where samples fall (the same values as `statistic` period by period, in one
   * pass over the samples: GetMetricData asks for hundreds of consecutive periods).
   */
  static statistics(
    series: Series,
    stat: Stat,
    from: number,
    periodMs: number,
    end: number,
  ): { starts: number[]; values: number[] } {
    const starts: number[] = [];
    const values: number[] = [];
    const samples = series.samples;
    let i = lowerBound(samples, from);
    for (let t = from; t < end; t += periodMs) {
      // No sample left: every later period is empty.
      if (i >= samples.length) break;
      const period = periodStatistic(samples, i, t + periodMs, stat);
      i = period.next;
      if (period.value === undefined) continue;
      starts.push(t);
      values.push(period.value);
    }
    return { starts, values };
  }
}

/** The statistic of the samples from index `first` until one at or after `until`, and that index. */
function periodStatistic(
  samples: readonly Sample[],
  first: number,
  until: number,
  stat: Stat,
): { value: number | undefined; next: number } {
  let sum = 0;
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let i = first;
  for (; i < samples.length; i += 1) {
    const s = samples[i] as Sample;
    if (s.at >= until) break;
    sum += s.sum;
    count += s.count;
    min = Math.min(min, s.min);
    max = Math.max(max, s.max);
  }
  return { value: count === 0 ? undefined : statisticOf(stat, sum, count, min, max), next: i };
}

function statisticOf(stat: Stat, sum: number, count: number, min: number, max: number): number {
  switch (stat) {
    case "Average":
      return sum / count;
    case "Sum":
      return sum;
    case "Minimum":
      return min;
    case "Maximum":
      return max;
    case "SampleCount":
      return count;
  }
}
