import {
  type AddressFamily,
  FAMILY_HEALTH_METRIC,
  familyDimensions,
  HEALTH_METRIC,
  healthDimensions,
  LATENCY_METRIC,
  type PathName,
  type ProbeKind,
} from "../evidence";

/**
 * Probe samples as CloudWatch embedded metric format (EMF) lines: one JSON document per sample and path,
 * high resolution (`StorageResolution: 1`), at the sample's own time. A Lambda's stdout reaches CloudWatch
 * Logs through the Lambda service, which extracts the metrics: no `monitoring` endpoint or NAT is needed
 * from the probe's VPC, and no PutMetricData request is paid for.
 */

export interface PathSampleMetric {
  path: PathName;
  ok: boolean;
  latencyMs: number;
}

export const emfLine = (
  namespace: string,
  group: string,
  probe: ProbeKind,
  at: number,
  sample: PathSampleMetric,
): string => {
  const metrics = [
    { Name: HEALTH_METRIC, Unit: "None", StorageResolution: 1 },
    ...(sample.ok ? [{ Name: LATENCY_METRIC, Unit: "Milliseconds", StorageResolution: 1 }] : []),
  ];
  const dims = Object.fromEntries(healthDimensions(group, sample.path, probe).map((d) => [d.Name, d.Value]));
  return JSON.stringify({
    _aws: {
      Timestamp: at,
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [Object.keys(dims)], Metrics: metrics }],
    },
    ...dims,
    [HEALTH_METRIC]: sample.ok ? 1 : 0,
    ...(sample.ok ? { [LATENCY_METRIC]: Math.round(sample.latencyMs * 1000) / 1000 } : {}),
  });
};

/** Direct Connect's health on one address family of its targets (`PathFamilyHealthy`). */
export const emfFamilyLine = (
  namespace: string,
  group: string,
  probe: ProbeKind,
  at: number,
  family: AddressFamily,
  ok: boolean,
): string => {
  const dims = Object.fromEntries(
    familyDimensions(group, "direct-connect", probe, family).map((d) => [d.Name, d.Value]),
  );
  return JSON.stringify({
    _aws: {
      Timestamp: at,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [Object.keys(dims)],
          Metrics: [{ Name: FAMILY_HEALTH_METRIC, Unit: "None", StorageResolution: 1 }],
        },
      ],
    },
    ...dims,
    [FAMILY_HEALTH_METRIC]: ok ? 1 : 0,
  });
};

/** Lines to stdout as they are (no prefix: the log line must be the JSON document). */
export const writeLines = (lines: readonly string[]): void => {
  if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
};
