import { PROBE_METRICS } from "../../shared/observe/metrics-catalogue";

/**
 * What the probes (the Lambda probe and the agent) and the failover function agree on: the metric names of
 * the probe history and the trigger event.
 */

export type PathName = "direct-connect" | "vpn";
export type ProbeKind = "lambda" | "agent";
export type AddressFamily = "ipv4" | "ipv6";
export const ADDRESS_FAMILIES: readonly AddressFamily[] = ["ipv4", "ipv6"];

/** 1 when the path answered a probe, 0 when not (per `Group`, `Path` and `Probe`). */
export const HEALTH_METRIC = PROBE_METRICS.PathHealthy.name;
/**
 * 1 when Direct Connect answered on one address family, 0 when not (per `Group`, `Path`, `Probe`, `Family`):
 * IPv4 and IPv6 cross DX over separate BGP sessions and fail apart, so each CIDR is judged on its own
 * family. Published for each family among the Direct Connect targets, beside the path-wide `PathHealthy`.
 */
export const FAMILY_HEALTH_METRIC = PROBE_METRICS.PathFamilyHealthy.name;
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

export const familyDimensions = (group: string, path: PathName, probe: string, family: AddressFamily) => [
  ...healthDimensions(group, path, probe),
  { Name: "Family", Value: family },
];

/**
 * The per-family series a sample publishes: one per family when Direct Connect's targets span both (with
 * one family, the path-wide `PathHealthy` already is that family's evidence, at no extra metric cost).
 */
export const familySeriesOf = (dx: PathCounters): [AddressFamily, FamilyCounters][] => {
  const entries = ADDRESS_FAMILIES.flatMap((f): [AddressFamily, FamilyCounters][] => {
    const c = dx.families?.[f];
    return c === undefined ? [] : [[f, c]];
  });
  return entries.length > 1 ? entries : [];
};

/** The probe's trigger event (our own EventBridge event on the trigger bus; the failover function's rule). */
export const TRIGGER_DETAIL_TYPE = "DX Path Degraded";

export interface FamilyCounters {
  ok: boolean;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

export interface PathCounters extends FamilyCounters {
  /** Per address family of the path's targets (absent from a probe older than the per-family contract). */
  families?: Partial<Record<AddressFamily, FamilyCounters>>;
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

const countersOf = (c: PathCounters): PathCounters => ({
  ok: c.ok,
  consecutiveFailures: c.consecutiveFailures,
  consecutiveSuccesses: c.consecutiveSuccesses,
  ...(c.families !== undefined
    ? {
        families: Object.fromEntries(
          Object.entries(c.families).map(([f, v]) => [
            f,
            {
              ok: v.ok,
              consecutiveFailures: v.consecutiveFailures,
              consecutiveSuccesses: v.consecutiveSuccesses,
            },
          ]),
        ),
      }
    : {}),
});

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
  dx: countersOf(t.dx),
  vpn: countersOf(t.vpn),
});
