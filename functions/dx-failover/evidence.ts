/**
 * What the probes (the Lambda probe and the agent) and the failover function agree on: the metric names of
 * the probe history and the trigger event.
 */

/** 1 when the path answered a probe, 0 when not (per `Group` and `Path`). */
export const HEALTH_METRIC = "PathHealthy";
export const LATENCY_METRIC = "PathLatency";
export const BGP_METRIC = "BgpUp";

/** The probe's trigger event (our own EventBridge event; the failover function's rule matches it). */
export const TRIGGER_DETAIL_TYPE = "DX Path Degraded";

/** The `detail` of the probe's trigger event. */
export interface ProbeTriggerDetail {
  group: string;
  reason: "dx-down";
  /** Time of the sample that fired (ms epoch). */
  at: number;
  dxFailingSince: number;
  dx: { ok: boolean; consecutiveFailures: number; consecutiveSuccesses: number };
  vpn: { ok: boolean; consecutiveFailures: number; consecutiveSuccesses: number };
}
