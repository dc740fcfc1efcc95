/**
 * AWS/EC2 metrics of instances (issue 12): `CPUUtilization` (percent), `NetworkIn`, `NetworkOut`
 * (bytes during the period), dimension `InstanceId`, published into the region's metric store for the
 * instances whose fixture gives `metrics` levels (or that got levels through the control endpoint).
 *
 * - A datapoint covers one window of the instance's monitoring resolution ("Basic monitoring: Data is
 *   available automatically in 5-minute periods. Detailed monitoring: Data is available in 1-minute
 *   periods.", EC2 User Guide `using-cloudwatch-new.md`), windows aligned on multiples of it, stamped
 *   with the window start; so an alarm with a 60-second period on a basic-monitoring instance sees one
 *   datapoint in five periods and the others missing.
 * - Only time spent `running` counts: a window without running time has no datapoint (a stopped
 *   instance publishes nothing); CPU is the time-weighted average of the levels while running,
 *   NetworkIn/Out the bytes sent while running ("The number reported is the number of bytes received
 *   during the period").
 * - Published lazily when the account settles, once a window is complete (no ingestion delay); on load,
 *   24 hours of history (or since launch) are published for a fixture's running time.
 */
import type { InstanceMetricLevels, InstanceMetricsModel } from "./instance-details";
import type { InstanceModel, InstanceStateListener, RegionState } from "./state";

export const EC2_NAMESPACE = "AWS/EC2";
export const INSTANCE_METRIC_NAMES = ["CPUUtilization", "NetworkIn", "NetworkOut"] as const;

const MINUTE_MS = 60_000;
const BASIC_MS = 5 * MINUTE_MS;
export const BACKFILL_MS = 24 * 3_600_000;

export function resolutionMs(inst: InstanceModel): number {
  return inst.monitoring === "enabled" ? MINUTE_MS : BASIC_MS;
}

/** A metric source for an instance, with its running time known from `runningSince` on. */
export function newMetricSource(
  levels: InstanceMetricLevels,
  from: number,
  running: { from: number; to?: number }[],
): InstanceMetricsModel {
  return {
    levels: [{ from: Number.NEGATIVE_INFINITY, levels }],
    running,
    publishedThrough: Math.floor(from / BASIC_MS) * BASIC_MS,
  };
}

/** Listener for `changeInstanceState`: opens and closes the running intervals of instances with a source. */
export function runningTracker(state: RegionState): InstanceStateListener {
  return (inst, from, to, at) => {
    const source = state.instanceMetrics.get(inst.id);
    if (source === undefined || from === to) return;
    const open = source.running.at(-1);
    if (from === "running" && open !== undefined && open.to === undefined) open.to = at;
    if (to === "running") source.running.push({ from: at });
  };
}

/** Running seconds in [from, to) and the integral of `pick(levels)` over them. */
function integrate(
  source: InstanceMetricsModel,
  from: number,
  to: number,
  pick: (l: InstanceMetricLevels) => number,
): { seconds: number; total: number } {
  let seconds = 0;
  let total = 0;
  for (const r of source.running) {
    const a = Math.max(from, r.from);
    const b = Math.min(to, r.to ?? Number.POSITIVE_INFINITY);
    source.levels.forEach((seg, i) => {
      const segEnd = source.levels[i + 1]?.from ?? Number.POSITIVE_INFINITY;
      const s = Math.max(a, seg.from);
      const e = Math.min(b, segEnd);
      if (e <= s) return;
      seconds += (e - s) / 1000;
      total += ((e - s) / 1000) * pick(seg.levels);
    });
  }
  return { seconds, total };
}

function publishWindow(
  state: RegionState,
  id: string,
  source: InstanceMetricsModel,
  at: number,
  res: number,
): void {
  const cpu = integrate(source, at, at + res, (l) => l.cpuUtilization);
  if (cpu.seconds === 0) return;
  const dims = [{ Name: "InstanceId", Value: id }];
  const values: Record<(typeof INSTANCE_METRIC_NAMES)[number], number> = {
    CPUUtilization: cpu.total / cpu.seconds,
    NetworkIn: integrate(source, at, at + res, (l) => l.networkInBytesPerSecond).total,
    NetworkOut: integrate(source, at, at + res, (l) => l.networkOutBytesPerSecond).total,
  };
  for (const name of INSTANCE_METRIC_NAMES) {
    const v = values[name];
    state.metricStore.add(EC2_NAMESPACE, name, dims, { at, sum: v, count: 1, min: v, max: v });
  }
}

/** Drops running intervals and level segments that no unpublished window can reach. */
function prune(source: InstanceMetricsModel): void {
  source.running = source.running.filter((r) => r.to === undefined || r.to > source.publishedThrough);
  while ((source.levels[1]?.from ?? Number.POSITIVE_INFINITY) <= source.publishedThrough)
    source.levels.shift();
}

/** Publishes every complete window up to `now` of every instance with a metric source. */
export function publishInstanceMetrics(state: RegionState, now: number): void {
  for (const [id, source] of state.instanceMetrics) {
    const inst = state.instances.get(id);
    if (inst === undefined) continue;
    const res = resolutionMs(inst);
    let at = Math.ceil(source.publishedThrough / res) * res;
    for (; at + res <= now; at += res) publishWindow(state, id, source, at, res);
    source.publishedThrough = Math.max(source.publishedThrough, at);
    prune(source);
  }
}

/** Changes (or gives) an instance's metric levels from `now` on (control endpoint). */
export function setInstanceMetricLevels(
  state: RegionState,
  inst: InstanceModel,
  input: Partial<InstanceMetricLevels>,
  now: number,
): InstanceMetricLevels {
  const source = state.instanceMetrics.get(inst.id);
  const current = source?.levels.at(-1)?.levels;
  const levels: InstanceMetricLevels = {
    cpuUtilization: input.cpuUtilization ?? current?.cpuUtilization ?? 0,
    networkInBytesPerSecond: input.networkInBytesPerSecond ?? current?.networkInBytesPerSecond ?? 0,
    networkOutBytesPerSecond: input.networkOutBytesPerSecond ?? current?.networkOutBytesPerSecond ?? 0,
  };
  if (source === undefined) {
    const running = inst.state === "running" ? [{ from: now }] : [];
    state.instanceMetrics.set(inst.id, { ...newMetricSource(levels, now, running), publishedThrough: now });
  } else {
    source.levels.push({ from: now, levels });
  }
  return levels;
}
