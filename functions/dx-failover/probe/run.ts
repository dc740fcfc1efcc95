import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { OpsResult } from "../../../shared/runtime/handler";
import type { StageContext } from "../../config";
import { type DxFailoverGroupConfig, PROBE_CAPABILITY, probeOptionsOf } from "../config";
import {
  BGP_METRIC,
  HEALTH_METRIC,
  LATENCY_METRIC,
  type ProbeTriggerDetail,
  TRIGGER_DETAIL_TYPE,
} from "../evidence";
import { loadVirtualInterfaces } from "../failover/observe";
import { ProbeLoop, type ProbeLoopSummary, type ProbeSample, type ProbeTrigger } from "./loop";

/**
 * dx-probe (Lambda): scheduled every minute, in the probe subnet (its route table keeps the propagated
 * Direct Connect route, so DX is probed even while production traffic is on the VPN). For each group it
 * runs the ProbeLoop until min(deadline − margin, start + 59 s), publishes high-resolution metrics
 * (PutMetricData, StorageResolution 1: PathHealthy 0/1 and PathLatency per group and path; BgpUp once per
 * invocation) and, when DX fails M consecutive probes while the VPN answers, puts the "DX Path Degraded"
 * event at once: the failover function's EventBridge rule matches it.
 */

/** Samples buffered before a PutMetricData; a failed probe flushes at once (the alarms see it sooner). */
export const FLUSH_EVERY = 10;

export interface GroupProbeSummary {
  name: string;
  rounds: number;
  triggers: number;
  triggerErrors: number;
  lastStatus?: ProbeSample["status"];
  bgp?: "up" | "down" | "unknown";
  metricCalls: number;
}

export interface ProbeResult extends OpsResult {
  groups: GroupProbeSummary[];
}

const dims = (group: string, path?: string) => [
  { Name: "Group", Value: group },
  ...(path !== undefined ? [{ Name: "Path", Value: path }] : []),
];

const probeGroup = async (
  group: DxFailoverGroupConfig,
  region: string,
  context: StageContext,
  startedAt: number,
): Promise<GroupProbeSummary> => {
  const config = context.config.dxFailover;
  const cloudWatch: CloudWatchClient = context.clients.cloudWatch(region);
  const summary: GroupProbeSummary = {
    name: group.name,
    rounds: 0,
    triggers: 0,
    triggerErrors: 0,
    metricCalls: 0,
  };
  let buffer: MetricDatum[] = [];
  const flush = async () => {
    if (buffer.length === 0) return;
    const data = buffer;
    buffer = [];
    for (let i = 0; i < data.length; i += 1000) {
      summary.metricCalls += 1;
      try {
        await cloudWatch.send(
          new PutMetricDataCommand({
            Namespace: config.metricsNamespace,
            MetricData: data.slice(i, i + 1000),
          }),
        );
      } catch (error) {
        context.logger.warn("PutMetricData failed: samples lost (the probe-missing alarm is the backstop)", {
          group: group.name,
          error,
        });
      }
    }
  };
  // BGP once per invocation (DescribeVirtualInterfaces is a control-plane call).
  if (group.virtualInterfaceIds.length > 0) {
    try {
      const vifs = await loadVirtualInterfaces(
        context.clients.directConnect(region),
        group.virtualInterfaceIds,
      );
      summary.bgp = vifs.some((v) => v.bgpStatus === "up") ? "up" : vifs.length > 0 ? "down" : "unknown";
      if (summary.bgp !== "unknown")
        buffer.push({
          MetricName: BGP_METRIC,
          Dimensions: dims(group.name),
          Value: summary.bgp === "up" ? 1 : 0,
          Timestamp: new Date(context.clock.now()),
          StorageResolution: 1,
        });
    } catch (error) {
      summary.bgp = "unknown";
      context.logger.warn("DescribeVirtualInterfaces failed", { group: group.name, error });
    }
  }
  const stopAt = Math.min(context.deadline.at - config.probeMarginMs, startedAt + 59_000);
  const onSample = async (sample: ProbeSample) => {
    const at = new Date(sample.at);
    for (const p of [sample.dx, sample.vpn]) {
      buffer.push({
        MetricName: HEALTH_METRIC,
        Dimensions: dims(group.name, p.path),
        Value: p.ok ? 1 : 0,
        Timestamp: at,
        StorageResolution: 1,
      });
      if (p.ok)
        buffer.push({
          MetricName: LATENCY_METRIC,
          Dimensions: dims(group.name, p.path),
          Value: p.latencyMs,
          Unit: "Milliseconds",
          Timestamp: at,
          StorageResolution: 1,
        });
    }
    summary.lastStatus = sample.status;
    if (sample.status !== "healthy" || sample.seq % FLUSH_EVERY === 0) await flush();
  };
  const onTrigger = async (trigger: ProbeTrigger) => {
    const detail: ProbeTriggerDetail = {
      group: group.name,
      reason: "dx-down",
      at: trigger.at,
      dxFailingSince: trigger.dxFailingSince,
      dx: {
        ok: trigger.dx.ok,
        consecutiveFailures: trigger.dx.consecutiveFailures,
        consecutiveSuccesses: trigger.dx.consecutiveSuccesses,
      },
      vpn: {
        ok: trigger.vpn.ok,
        consecutiveFailures: trigger.vpn.consecutiveFailures,
        consecutiveSuccesses: trigger.vpn.consecutiveSuccesses,
      },
    };
    context.logger.warn("DX path degraded: triggering the failover function", { ...detail });
    // A rejection makes the loop re-arm: the next failed probe of the same outage retries.
    const out = await context.clients.eventBridge(region).send(
      new PutEventsCommand({
        Entries: [
          {
            Source: context.config.actionEvents.source,
            DetailType: TRIGGER_DETAIL_TYPE,
            Detail: JSON.stringify(detail),
            EventBusName: context.config.actionEvents.eventBusName,
          },
        ],
      }),
    );
    if ((out.FailedEntryCount ?? 0) > 0)
      throw new Error(`PutEvents: ${out.Entries?.[0]?.ErrorCode ?? "failed"}`);
  };
  const loop = new ProbeLoop({
    ...probeOptionsOf(group),
    clock: context.clock,
    stopAt,
    onSample,
    onTrigger,
    onError: (error, where) =>
      context.logger.warn(`Probe ${where} callback failed`, { group: group.name, error }),
  });
  const run: ProbeLoopSummary = await loop.run();
  await flush();
  summary.rounds = run.rounds;
  summary.triggers = run.triggers;
  summary.triggerErrors = run.triggerErrors;
  return summary;
};

export const runProbe = async (region: string, context: StageContext): Promise<ProbeResult> => {
  const groups = context.config.dxFailover.groups;
  const startedAt = context.clock.now();
  if (groups.length === 0) {
    context.logger.warn("No dx-failover group is configured (dxFailover.groups is empty)");
    return { capability: PROBE_CAPABILITY, decision: "no-groups-configured", mode: context.mode, groups: [] };
  }
  const summaries = await Promise.all(groups.map((g) => probeGroup(g, region, context, startedAt)));
  const triggers = summaries.reduce((n, s) => n + s.triggers, 0);
  return {
    capability: PROBE_CAPABILITY,
    decision: triggers > 0 ? "triggered" : "probed",
    mode: context.mode,
    groups: summaries,
  };
};
