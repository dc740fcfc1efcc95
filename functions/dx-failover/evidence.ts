import { PROBE_METRICS } from "../../shared/observe/metrics-catalogue";

/**
 * What the probes (the Lambda probe and the agent) and the failover function agree on: the metric names of
 * the probe history and the trigger event.
 */

export type PathName = "direct-connect" | "vpn";
export type ProbeKind = "lambda" | "agent";

/** 1 when the path answered a probe, 0 when not (per `Group`, `Path` and `Probe`). */
export const HEALTH_METRIC = PROBE_METRICS.PathHealthy.name;
/** The answering probe's round-trip time (ms), only when it answered. */
export const LATENCY_METRIC = PROBE_METRICS.PathLatency.name;

/**
 * The dimensions of a path's series. `Probe` keeps the agent's and the Lambda probe's samples apart: the
 * failover function reads only the group's authoritative probe, so that two probes never mix.
 */
export const healthDimensions = (group: string, path: PathName, probe: string) => [
  { Name: "Group", Value: group },
  { Name: "Path", Value: path },
  { Name: "Probe", Value: probe },
];

/** The probe's trigger event (our own EventBridge event on the trigger bus; the failover function's rule). */
export const TRIGGER_DETAIL_TYPE = "DX Path Degraded";

export interface PathCounters {
  ok: boolean;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

/** The `detail` of the probe's trigger event: a wake-up call whose counters are checked before use. */
export interface ProbeTriggerDetail {
  group: string;
  reason: "dx-down";
  /** Which probe sent it (the failover function uses the counters only from the group's own probe). */
  probe: ProbeKind;
  /** Time of the sample that fired (ms epoch). */
  at: number;
  dxFailingSince: number;
  dx: PathCounters;
  vpn: PathCounters;
}

export const triggerDetailOf = (
  group: string,
  probe: ProbeKind,
  t: { at: number; dxFailingSince: number; dx: PathCounters; vpn: PathCounters },
): ProbeTriggerDetail => ({
  group,
  reason: "dx-down",
  probe,
  at: t.at,
  dxFailingSince: t.dxFailingSince,
  dx: {
    ok: t.dx.ok,
    consecutiveFailures: t.dx.consecutiveFailures,
    consecutiveSuccesses: t.dx.consecutiveSuccesses,
  },
  vpn: {
    ok: t.vpn.ok,
    consecutiveFailures: t.vpn.consecutiveFailures,
    consecutiveSuccesses: t.vpn.consecutiveSuccesses,
  },
});
