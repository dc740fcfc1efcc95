import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import {
  FAMILY_HEALTH_METRIC,
  familyDimensions,
  familySeriesOf,
  HEALTH_METRIC,
  healthDimensions,
  LATENCY_METRIC,
  type ProbeTriggerDetail,
} from "../evidence";
import type { ProbeSample, ProbeTrigger } from "./loop";
import { putTrigger } from "./trigger";

/**
 * What the agent (tools/dx-probe.ts on an instance in a Local Zone subnet) publishes for its group: the
 * samples as high-resolution metrics (PutMetricData, one call per `flushEvery` samples, each datum at its
 * own time; a failed sample flushes at once so the alarms see it sooner), and the trigger on the trigger
 * bus. The agent is the authoritative probe of a Local Zone group: its series carry `Probe=agent`.
 */

export interface AgentPublisherOptions {
  group: string;
  namespace: string;
  busName: string;
  source: string;
  cloudWatch: CloudWatchClient;
  eventBridge: EventBridgeClient;
  /**
   * Samples per PutMetricData when all is well (default 15: every 15 s at 1 s). Half the failover function's
   * default `probeStaleSeconds` (30 s): its newest `Probe=agent` datapoint is never stale in steady state.
   */
  flushEvery?: number;
  onError?: (error: unknown, where: "metrics") => void;
}

const MAX_DATA_PER_CALL = 1000;
export const AGENT_FLUSH_EVERY = 15;

/** Direct Connect's health per family of its targets (`PathFamilyHealthy`), at the sample's time. */
const familyData = (group: string, sample: ProbeSample): MetricDatum[] =>
  familySeriesOf(sample.dx).map(([family, c]) => ({
    Dimensions: familyDimensions(group, "direct-connect", "agent", family),
    Timestamp: new Date(sample.at),
    StorageResolution: 1,
    MetricName: FAMILY_HEALTH_METRIC,
    Value: c.ok ? 1 : 0,
  }));

export const sampleData = (group: string, sample: ProbeSample): MetricDatum[] => [
  ...[sample.dx, sample.vpn].flatMap((p) => {
    const base = {
      Dimensions: healthDimensions(group, p.path, "agent"),
      Timestamp: new Date(sample.at),
      StorageResolution: 1,
    };
    return [
      { ...base, MetricName: HEALTH_METRIC, Value: p.ok ? 1 : 0 },
      ...(p.ok
        ? [{ ...base, MetricName: LATENCY_METRIC, Value: p.latencyMs, Unit: "Milliseconds" as const }]
        : []),
    ];
  }),
  ...familyData(group, sample),
];

export const createAgentPublisher = (options: AgentPublisherOptions) => {
  const flushEvery = options.flushEvery ?? AGENT_FLUSH_EVERY;
  let buffer: MetricDatum[] = [];
  let samples = 0;
  const flush = async (): Promise<number> => {
    const data = buffer;
    buffer = [];
    samples = 0;
    let calls = 0;
    for (let i = 0; i < data.length; i += MAX_DATA_PER_CALL) {
      calls += 1;
      try {
        await options.cloudWatch.send(
          new PutMetricDataCommand({
            Namespace: options.namespace,
            MetricData: data.slice(i, i + MAX_DATA_PER_CALL),
          }),
        );
      } catch (error) {
        // Samples lost; the probe-missing alarm is the backstop.
        options.onError?.(error, "metrics");
      }
    }
    return calls;
  };
  const onSample = async (sample: ProbeSample): Promise<void> => {
    buffer.push(...sampleData(options.group, sample));
    samples += 1;
    if (sample.status !== "healthy" || samples >= flushEvery) await flush();
  };
  const onTrigger = (trigger: ProbeTrigger): Promise<ProbeTriggerDetail> =>
    putTrigger(
      options.eventBridge,
      { busName: options.busName, source: options.source, group: options.group, probe: "agent" },
      trigger,
    );
  return { onSample, onTrigger, flush };
};
