/**
 * The status check metrics of instances (review 5 finding 12), from the EC2 User Guide "Status check
 * metrics" (viewing_metrics_with_cloudwatch.md#status-check-metrics): `StatusCheckFailed` ("passed both
 * the instance status check and the system status check in the last minute", 0 or 1),
 * `StatusCheckFailed_Instance` and `StatusCheckFailed_System` (each check on its own), namespace AWS/EC2,
 * dimension `InstanceId`, "available at a 1-minute frequency at no charge" — whatever the instance's
 * monitoring (basic monitoring's 5 minutes is for the other metrics).
 *
 * - Every instance publishes them for each minute (aligned on the minute, stamped with its start) in
 *   which it was `running`; a minute without running time has no datapoint, so an alarm on a stopped or
 *   terminated instance sees missing data.
 * - The minute's value is 1 when the check was `impaired` at some moment of the running part of the
 *   minute (a check runs every minute), else 0; `initializing` counts as passing and `insufficient-data`
 *   publishes nothing for that check [decision: AWS does not document either].
 * - `StatusCheckFailed_AttachedEBS` is not published: the simulator never fails an attached EBS check
 *   (ec2-instance-status.ts), and no alarm or capability reads it [decision].
 * - Published lazily when the account settles, once the minute is complete (no ingestion delay), as
 *   instance-metrics.ts does; a fixture's running instance gets an hour of history (`STATUS_HISTORY_MS`,
 *   enough for any alarm of up to an hour of evaluation periods; older minutes answer nothing) [decision:
 *   a day per instance made every fixture load 15 times slower].
 *
 * The timeline of each instance is kept from its state changes (`statusTracker`) and the test hook that
 * sets a check (`noteStatus`); the status checks themselves stay in status-checks.ts.
 */
import type { Series } from "./metric-store";
import type { InstanceModel, InstanceStateListener, InstanceStateName, RegionState } from "./state";
import type {
  Failed,
  InstanceStatusModel,
  StatusCheckName,
  StatusSegment,
  StatusTimeline,
} from "./status-checks";

export const STATUS_METRIC_NAMES = [
  "StatusCheckFailed",
  "StatusCheckFailed_Instance",
  "StatusCheckFailed_System",
] as const;

export const STATUS_PERIOD_MS = 60_000;
export const STATUS_HISTORY_MS = 3_600_000;
const NAMESPACE = "AWS/EC2";

const floorMinute = (at: number): number => Math.floor(at / STATUS_PERIOD_MS) * STATUS_PERIOD_MS;

const failedOf = (value: StatusCheckName): Failed =>
  value === "impaired" ? 1 : value === "ok" || value === "initializing" ? 0 : undefined;

function segmentOf(
  state: InstanceStateName,
  status: InstanceStatusModel | undefined,
  from: number,
): StatusSegment {
  if (state !== "running") return { from, instance: undefined, system: undefined };
  return {
    from,
    instance: failedOf(status?.instance ?? "ok"),
    system: failedOf(status?.system ?? "ok"),
  };
}

function append(timeline: StatusTimeline, segment: StatusSegment): void {
  const last = timeline.segments.at(-1);
  if (last !== undefined && last.instance === segment.instance && last.system === segment.system) return;
  if (last !== undefined && last.from === segment.from) timeline.segments.pop();
  timeline.segments.push(segment);
}

/** Records the instance's checks as they are now (after a check was set, `setInstanceStatus`). */
export function noteStatus(state: RegionState, inst: InstanceModel, at: number): void {
  const timeline = state.statusMetrics.get(inst.id);
  if (timeline === undefined) {
    const publishedThrough = floorMinute(at);
    state.statusMetrics.set(inst.id, {
      segments: [segmentOf(inst.state, inst.status, at)],
      publishedThrough,
    });
    return;
  }
  append(timeline, segmentOf(inst.state, inst.status, at));
}

/**
 * Listener for `changeInstanceState` (called before the checks are reset): entering `running` starts
 * with both checks `initializing` (passing), any other state publishes nothing.
 */
export function statusTracker(state: RegionState): InstanceStateListener {
  return (inst, from, to, at) => {
    if (from === to) return;
    const timeline = state.statusMetrics.get(inst.id);
    const segment = segmentOf(to, { instance: "initializing", system: "initializing" }, at);
    if (timeline === undefined) {
      const publishedThrough = floorMinute(at);
      state.statusMetrics.set(inst.id, { segments: [segment], publishedThrough });
    } else append(timeline, segment);
  };
}

/** The timelines of a fixture's instances: their loaded checks since `from` (history for the alarms). */
export function loadStatusTimelines(state: RegionState, history: (inst: InstanceModel) => number): void {
  for (const inst of state.instances.values()) {
    const from = history(inst);
    const publishedThrough = floorMinute(from);
    state.statusMetrics.set(inst.id, {
      segments: [segmentOf(inst.state, inst.status, from)],
      publishedThrough,
    });
  }
}

/** The worst value of each check over [start, end) (undefined: no datapoint for it). */
function windowOf(
  timeline: StatusTimeline,
  start: number,
  end: number,
): { instance: Failed; system: Failed } {
  let instance: Failed;
  let system: Failed;
  const worst = (a: Failed, b: Failed): Failed => (a === undefined ? b : b === undefined ? a : a > b ? a : b);
  timeline.segments.forEach((s, i) => {
    const segEnd = timeline.segments[i + 1]?.from ?? Number.POSITIVE_INFINITY;
    if (segEnd <= start || s.from >= end) return;
    instance = worst(instance, s.instance);
    system = worst(system, s.system);
  });
  return { instance, system };
}

/** The instance's series of each status metric, remembered once they exist (its minutes only append). */
const seriesCache = new WeakMap<StatusTimeline, Map<string, Series>>();

function addPoint(
  state: RegionState,
  id: string,
  timeline: StatusTimeline,
  name: string,
  at: number,
  v: 0 | 1,
) {
  const sample = { at, sum: v, count: 1, min: v, max: v };
  const known = seriesCache.get(timeline) ?? new Map<string, Series>();
  seriesCache.set(timeline, known);
  const series = known.get(name);
  const last = series?.samples.at(-1);
  if (series !== undefined && (last === undefined || last.at < at)) {
    series.samples.push(sample);
    return;
  }
  const dims = [{ Name: "InstanceId", Value: id }];
  state.metricStore.add(NAMESPACE, name, dims, sample);
  const stored = state.metricStore.get(NAMESPACE, name, dims);
  if (stored !== undefined) known.set(name, stored);
}

function publishMinute(state: RegionState, id: string, timeline: StatusTimeline, at: number): void {
  const { instance, system } = windowOf(timeline, at, at + STATUS_PERIOD_MS);
  if (instance === undefined && system === undefined) return;
  const values: Record<(typeof STATUS_METRIC_NAMES)[number], Failed> = {
    StatusCheckFailed: instance === 1 || system === 1 ? 1 : 0,
    StatusCheckFailed_Instance: instance,
    StatusCheckFailed_System: system,
  };
  for (const name of STATUS_METRIC_NAMES) {
    const v = values[name];
    if (v !== undefined) addPoint(state, id, timeline, name, at, v);
  }
}

/** Publishes every complete minute up to `now` of every instance's status checks. */
export function publishStatusMetrics(state: RegionState, now: number): void {
  for (const [id, timeline] of state.statusMetrics) {
    if (timeline.publishedThrough + STATUS_PERIOD_MS > now) continue;
    const only = timeline.segments.length === 1 ? timeline.segments[0] : undefined;
    if (only !== undefined && only.instance === undefined && only.system === undefined) {
      // Not running since before the unpublished minutes: nothing to publish (a terminated one, ever).
      if (state.instances.get(id)?.state === "terminated") state.statusMetrics.delete(id);
      else timeline.publishedThrough = Math.max(timeline.publishedThrough, floorMinute(now));
      continue;
    }
    let at = timeline.publishedThrough;
    for (; at + STATUS_PERIOD_MS <= now; at += STATUS_PERIOD_MS) publishMinute(state, id, timeline, at);
    timeline.publishedThrough = at;
    // Segments no unpublished minute can reach: all but the last one starting at or before it.
    while ((timeline.segments[1]?.from ?? Number.POSITIVE_INFINITY) <= at) timeline.segments.shift();
  }
}
