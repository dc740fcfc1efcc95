import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import { awsErrorCode } from "../../../../shared/aws/errors";
import {
  ADDRESS_FAMILIES,
  type AddressFamily,
  FAMILY_HEALTH_METRIC,
  familyDimensions,
  HEALTH_METRIC,
  healthDimensions,
  type PathName,
} from "../../evidence";
import type { PathProbeSignals } from "../plan/types";

/**
 * The probe history of a group: its authoritative probe's `PathHealthy` series (1 = the path answered),
 * read with `GetMetricData` so that every period is valid for any window. One-second data is kept 3 hours
 * (older periods must be multiples of 60 or nothing comes back), so a window reaching further back is
 * read in two parts: `Period: 1` for the last three hours, `Period: 60` with `Minimum` before (one failed
 * probe in a minute shows as 0).
 */

export interface HealthPoint {
  /** Start of the period (ms epoch). */
  at: number;
  value: number;
  /** The period's length (1 s, or 60 s for the older part). */
  spanMs: number;
}

/** One-second datapoints older than this are not returned at `Period: 1` (kept off by a minute). */
export const HIGH_RESOLUTION_MS = 3 * 3600_000 - 60_000;

export interface MetricRead {
  startTime: number;
  endTime: number;
  period: 1 | 60;
}

/** The reads that cover [start, now]: one at 1 s, and one at 60 s for whatever is older than 3 hours. */
export const metricReads = (start: number, now: number): MetricRead[] => {
  const recentStart = Math.max(start, now - HIGH_RESOLUTION_MS);
  const reads: MetricRead[] = [{ startTime: recentStart, endTime: now + 1000, period: 1 }];
  if (start < recentStart) reads.unshift({ startTime: start, endTime: recentStart, period: 60 });
  return reads;
};

/** Probe evidence of one path from its health series (1 = success, 0 = failure). */
export const probeSignalsOf = (
  points: ReadonlyArray<HealthPoint>,
  maxGapMs: number,
  recentOf = 5,
): PathProbeSignals => {
  const sorted = [...points].sort((a, b) => b.at - a.at);
  const newest = sorted[0];
  if (newest === undefined) return { consecutiveFailures: 0, consecutiveSuccesses: 0 };
  const ok = (p: HealthPoint) => p.value >= 1;
  const run = sorted.findIndex((p) => ok(p) !== ok(newest));
  const streak = run === -1 ? sorted : sorted.slice(0, run);
  let healthySince: number | undefined;
  let successes = 0;
  if (ok(newest)) {
    let previous = newest;
    for (const p of streak) {
      // A gap longer than the staleness (the probe was not running) ends the run.
      if (previous.at - (p.at + p.spanMs) > maxGapMs) break;
      healthySince = p.at;
      successes += 1;
      previous = p;
    }
  }
  const recent = sorted.filter((p) => p.spanMs <= 1000).slice(0, recentOf);
  return {
    consecutiveFailures: ok(newest) ? 0 : streak.length,
    consecutiveSuccesses: successes,
    lastSampleAt: newest.at,
    ...(healthySince !== undefined ? { healthySince } : {}),
    recentFailures: recent.filter((p) => !ok(p)).length,
  };
};

export interface MetricProbeSignals {
  directConnect: PathProbeSignals;
  vpn: PathProbeSignals;
  /** Direct Connect per address family (`PathFamilyHealthy`): only the families whose series has data. */
  directConnectFamilies?: Partial<Record<AddressFamily, PathProbeSignals>>;
  /** The newest sample of either path (the trigger's evidence counts only when newer). */
  newestAt?: number;
  /** Set when the metrics could not be read (the decision then relies on the alarms). */
  problem?: string;
}

const query = (
  namespace: string,
  group: string,
  probe: string,
  path: PathName,
  period: number,
): MetricDataQuery => ({
  Id: path === "direct-connect" ? "dx" : "vpn",
  MetricStat: {
    Metric: {
      Namespace: namespace,
      MetricName: HEALTH_METRIC,
      Dimensions: healthDimensions(group, path, probe),
    },
    Period: period,
    Stat: "Minimum",
  },
  ReturnData: true,
});

/** Direct Connect's per-family series, in the same GetMetricData call (Ids dx4, dx6). */
const familyQuery = (
  namespace: string,
  group: string,
  probe: string,
  family: AddressFamily,
  period: number,
): MetricDataQuery => ({
  Id: family === "ipv4" ? "dx4" : "dx6",
  MetricStat: {
    Metric: {
      Namespace: namespace,
      MetricName: FAMILY_HEALTH_METRIC,
      Dimensions: familyDimensions(group, "direct-connect", probe, family),
    },
    Period: period,
    Stat: "Minimum",
  },
  ReturnData: true,
});

const familySignalsOf = (
  series: Record<string, HealthPoint[]>,
  staleMs: number,
  recentOf: number,
): Partial<Record<AddressFamily, PathProbeSignals>> =>
  Object.fromEntries(
    ADDRESS_FAMILIES.flatMap((f) => {
      const points = series[f === "ipv4" ? "dx4" : "dx6"] ?? [];
      return points.length > 0 ? [[f, probeSignalsOf(points, staleMs, recentOf)]] : [];
    }),
  );

const readSeries = async (
  cloudWatch: CloudWatchClient,
  queries: MetricDataQuery[],
  read: MetricRead,
  into: Record<string, HealthPoint[]>,
) => {
  let nextToken: string | undefined;
  do {
    const page = await cloudWatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: new Date(read.startTime),
        EndTime: new Date(read.endTime),
        ScanBy: "TimestampDescending",
        NextToken: nextToken,
      }),
    );
    for (const result of page.MetricDataResults ?? []) {
      const target = into[result.Id ?? ""];
      (result.Timestamps ?? []).forEach((t, i) => {
        const value = result.Values?.[i];
        if (target !== undefined && value !== undefined)
          target.push({ at: t.getTime(), value, spanMs: read.period * 1000 });
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
};

/**
 * The group's probe signals over [now − lookbackMs, now]. A read that fails (throttling included) leaves
 * the probes stale and is reported, so the other signals and the alarms decide (never a switch on the
 * probes' absence).
 */
export const loadProbeSignals = async (
  cloudWatch: CloudWatchClient,
  target: { namespace: string; group: string; probe: string; staleMs: number; recentOf: number },
  now: number,
  lookbackMs: number,
): Promise<MetricProbeSignals> => {
  const series: Record<string, HealthPoint[]> = { dx: [], vpn: [], dx4: [], dx6: [] };
  try {
    for (const read of metricReads(now - lookbackMs, now)) {
      const queries = [
        ...(["direct-connect", "vpn"] as const).map((p) =>
          query(target.namespace, target.group, target.probe, p, read.period),
        ),
        ...ADDRESS_FAMILIES.map((f) =>
          familyQuery(target.namespace, target.group, target.probe, f, read.period),
        ),
      ];
      await readSeries(cloudWatch, queries, read, series);
    }
  } catch (error) {
    // Even throttling (a per-account quota shared with dashboards and pollers) only leaves the probes
    // stale: the decision goes on with the other signals (BGP down and a healthy VPN still fail over; a
    // failback never happens on missing data), and the next reconcile reads again.
    const none = { consecutiveFailures: 0, consecutiveSuccesses: 0 };
    return {
      directConnect: none,
      vpn: none,
      problem: `GetMetricData failed (${awsErrorCode(error)}): probes treated as stale`,
    };
  }
  const newest = [...(series.dx ?? []), ...(series.vpn ?? [])].reduce<number | undefined>(
    (m, p) => (m === undefined || p.at > m ? p.at : m),
    undefined,
  );
  return {
    directConnect: probeSignalsOf(series.dx ?? [], target.staleMs, target.recentOf),
    vpn: probeSignalsOf(series.vpn ?? [], target.staleMs, target.recentOf),
    directConnectFamilies: familySignalsOf(series, target.staleMs, target.recentOf),
    ...(newest !== undefined ? { newestAt: newest } : {}),
  };
};
