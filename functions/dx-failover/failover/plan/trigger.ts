import type { ProbeKind, ProbeTriggerDetail } from "../../evidence";
import type { PathProbeSignals } from "./types";

/**
 * The probe's trigger is a wake-up call: whatever it says, the failover function re-reads every signal.
 * Its counters are evidence only when they come from the group's own probe, are fresh, are not from the
 * future beyond a small clock skew, and are newer than the newest metric sample (they never override newer
 * metrics). Anything else is ignored, with a reason (the `ProbeTriggerIgnored` metric). Who may put the
 * event at all is the trigger bus's policy (the probe's and the agents' roles only).
 */

export type TriggerIgnored = "unknown-group" | "wrong-probe" | "stale" | "future";

export interface TriggerPolicy {
  maxAgeMs: number;
  maxSkewMs: number;
}

export const judgeTrigger = (
  detail: ProbeTriggerDetail,
  group: { probedBy: ProbeKind } | undefined,
  policy: TriggerPolicy,
  now: number,
): { use: true } | { use: false; reason: TriggerIgnored } => {
  if (group === undefined) return { use: false, reason: "unknown-group" };
  if (detail.probe !== group.probedBy) return { use: false, reason: "wrong-probe" };
  if (detail.at - now > policy.maxSkewMs) return { use: false, reason: "future" };
  if (now - detail.at > policy.maxAgeMs) return { use: false, reason: "stale" };
  return { use: true };
};

/** The fresher of the metric evidence and an accepted trigger's counters (CloudWatch lags a few seconds). */
export const fresher = (
  metric: PathProbeSignals,
  event: { consecutiveFailures: number; consecutiveSuccesses: number } | undefined,
  at: number | undefined,
): PathProbeSignals => {
  if (event === undefined || at === undefined) return metric;
  if (metric.lastSampleAt !== undefined && metric.lastSampleAt >= at) return metric;
  return {
    consecutiveFailures: event.consecutiveFailures,
    consecutiveSuccesses: event.consecutiveSuccesses,
    lastSampleAt: at,
    // Counters say how many failed in a row; when the metrics' newest sample failed too, the same run goes on.
    recentFailures: Math.max(
      event.consecutiveFailures,
      event.consecutiveFailures > 0 && metric.consecutiveFailures > 0 ? (metric.recentFailures ?? 0) : 0,
    ),
    ...(event.consecutiveFailures === 0 && metric.healthySince !== undefined
      ? { healthySince: metric.healthySince }
      : {}),
  };
};
