import { type CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeVirtualInterfacesCommand, type DirectConnectClient } from "@aws-sdk/client-direct-connect";
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  type DescribeNetworkInterfacesCommandOutput,
  DescribeRouteTablesCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { awsCall, awsErrorCode, toAwsCallError } from "../../../shared/aws/errors";
import { loadMetricAlarms, routeTargets } from "../../../shared/observe/loaders";
import type { AlarmView, RouteView } from "../../../shared/observe/model";
import type { DxFailoverGroupConfig } from "../config";
import { HEALTH_METRIC } from "../evidence";
import type {
  AlarmSignal,
  ApplianceSignal,
  PathProbeSignals,
  Signals,
  VirtualInterfaceSignal,
} from "./plan/decide";

/**
 * Fresh reads of every signal the decision needs for one group (never the triggering event alone):
 * the group's route tables with their tags, its four alarms, the probe's high-resolution metrics, the
 * BGP status of its virtual interfaces and the appliance ENI + instance.
 */

export const ALARM_SUFFIXES = {
  dxDown: "dx-down",
  dxRestored: "dx-restored",
  vpnDown: "vpn-down",
  probeMissing: "probe-missing",
} as const;
export type AlarmKey = keyof typeof ALARM_SUFFIXES;

export const alarmNameOf = (prefix: string, group: string, key: AlarmKey) =>
  `${prefix}${group}-${ALARM_SUFFIXES[key]}`;

/** The group and alarm key of an alarm name, if it is one of ours. */
export const parseAlarmName = (
  prefix: string,
  groups: readonly string[],
  name: string,
): { group: string; key: AlarmKey } | undefined => {
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  for (const group of groups) {
    for (const [key, suffix] of Object.entries(ALARM_SUFFIXES) as [AlarmKey, string][]) {
      if (rest === `${group}-${suffix}`) return { group, key };
    }
  }
  return undefined;
};

export interface ObservedTable {
  routeTableId: string;
  tags: Record<string, string>;
  routes: RouteView[];
}

/**
 * A route created with an instance target is shown with both the instance and its ENI; for the plan a
 * route "to the appliance ENI" is one whose ENI is the appliance's, whatever else is listed.
 */
const normaliseTargets = (targets: RouteView["targets"]): RouteView["targets"] => {
  const eni = targets.find((t) => t.kind === "network-interface");
  return eni !== undefined ? [eni] : targets;
};

/** The group's route tables (by group tag, optionally narrowed to ids), with tags and routes. */
export const loadGroupTables = async (
  ec2: EC2Client,
  groupTagKey: string,
  group: Pick<DxFailoverGroupConfig, "name" | "routeTableIds">,
): Promise<ObservedTable[]> => {
  const out: ObservedTable[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall("ec2", "DescribeRouteTables", () =>
      ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [
            { Name: `tag:${groupTagKey}`, Values: [group.name] },
            ...(group.routeTableIds.length > 0
              ? [{ Name: "route-table-id", Values: [...group.routeTableIds] }]
              : []),
          ],
          MaxResults: 100,
          NextToken: nextToken,
        }),
      ),
    );
    for (const table of page.RouteTables ?? []) {
      const id = table.RouteTableId ?? "";
      out.push({
        routeTableId: id,
        tags: Object.fromEntries((table.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
        routes: (table.Routes ?? []).map((route) => ({
          routeTableId: id,
          destination: route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock ?? "",
          targets: normaliseTargets(routeTargets(route)),
          state: route.State === "blackhole" ? "blackhole" : "active",
          origin: route.Origin ?? "CreateRoute",
        })),
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return out.sort((a, b) => (a.routeTableId < b.routeTableId ? -1 : 1));
};

export const loadGroupAlarms = async (
  cloudWatch: CloudWatchClient,
  prefix: string,
  group: string,
): Promise<Signals["alarms"]> => {
  const keys = Object.keys(ALARM_SUFFIXES) as AlarmKey[];
  const views: AlarmView[] = await loadMetricAlarms(cloudWatch, {
    names: keys.map((k) => alarmNameOf(prefix, group, k)),
  });
  const out: Signals["alarms"] = {};
  for (const key of keys) {
    const view = views.find((v) => v.name === alarmNameOf(prefix, group, key));
    if (view !== undefined) {
      const signal: AlarmSignal = { state: view.state, since: view.stateUpdated.getTime() };
      out[key] = signal;
    }
  }
  return out;
};

/** Probe evidence of one path from a health series (1 = success, 0 = failure), newest first. */
export const probeSignalsOf = (
  points: ReadonlyArray<{ at: number; value: number }>,
  maxGapMs: number,
): PathProbeSignals => {
  const sorted = [...points].sort((a, b) => b.at - a.at);
  const newest = sorted[0];
  if (newest === undefined) return { consecutiveFailures: 0, consecutiveSuccesses: 0 };
  const ok = (v: number) => v >= 1;
  let failures = 0;
  let successes = 0;
  let healthySince: number | undefined;
  let previousAt = newest.at;
  if (ok(newest.value)) {
    for (const p of sorted) {
      if (!ok(p.value) || previousAt - p.at > maxGapMs) break;
      successes += 1;
      healthySince = p.at;
      previousAt = p.at;
    }
  } else {
    for (const p of sorted) {
      if (ok(p.value)) break;
      failures += 1;
    }
  }
  return {
    consecutiveFailures: failures,
    consecutiveSuccesses: successes,
    lastSampleAt: newest.at,
    ...(healthySince !== undefined ? { healthySince } : {}),
  };
};

export interface MetricProbeSignals {
  directConnect: PathProbeSignals;
  vpn: PathProbeSignals;
  /** Set when the metrics could not be read (the decision then relies on the alarms). */
  problem?: string;
}

/**
 * The probe's health series over the restore window (+ a minute), 1-second periods, `Minimum` (any failed
 * probe within a second counts). Throttling is thrown (retry); another error leaves the probes stale and
 * is reported, so the alarms decide (never a switch on the probes' absence alone).
 */
export const loadProbeSignals = async (
  cloudWatch: CloudWatchClient,
  namespace: string,
  group: DxFailoverGroupConfig,
  now: number,
): Promise<MetricProbeSignals> => {
  const start = now - group.restoreWindowSeconds * 1000 - 60_000;
  const query = (id: string, path: "direct-connect" | "vpn") => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: namespace,
        MetricName: HEALTH_METRIC,
        Dimensions: [
          { Name: "Group", Value: group.name },
          { Name: "Path", Value: path },
        ],
      },
      Period: 1,
      Stat: "Minimum",
    },
    ReturnData: true,
  });
  const series: Record<string, Array<{ at: number; value: number }>> = { dx: [], vpn: [] };
  try {
    let nextToken: string | undefined;
    do {
      const page = await cloudWatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: [query("dx", "direct-connect"), query("vpn", "vpn")],
          StartTime: new Date(start),
          EndTime: new Date(now + 1000),
          ScanBy: "TimestampDescending",
          NextToken: nextToken,
        }),
      );
      for (const result of page.MetricDataResults ?? []) {
        const target = series[result.Id ?? ""];
        if (target === undefined) continue;
        (result.Timestamps ?? []).forEach((t, i) => {
          const value = result.Values?.[i];
          if (value !== undefined) target.push({ at: t.getTime(), value });
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
  } catch (error) {
    const failure = toAwsCallError("monitoring", "GetMetricData", error);
    if (failure.retryable) throw failure;
    return {
      directConnect: { consecutiveFailures: 0, consecutiveSuccesses: 0 },
      vpn: { consecutiveFailures: 0, consecutiveSuccesses: 0 },
      problem: `GetMetricData failed (${awsErrorCode(error)}): probes treated as stale`,
    };
  }
  const gap = group.probeStaleSeconds * 1000;
  return {
    directConnect: probeSignalsOf(series.dx ?? [], gap),
    vpn: probeSignalsOf(series.vpn ?? [], gap),
  };
};

export const loadVirtualInterfaces = async (
  dx: DirectConnectClient,
  ids: readonly string[],
): Promise<VirtualInterfaceSignal[]> => {
  if (ids.length === 0) return [];
  const out: VirtualInterfaceSignal[] = [];
  // DescribeVirtualInterfaces takes one id (or none: all of the account's); one call for all when several.
  const page = await awsCall("directconnect", "DescribeVirtualInterfaces", () =>
    dx.send(new DescribeVirtualInterfacesCommand(ids.length === 1 ? { virtualInterfaceId: ids[0] } : {})),
  );
  const wanted = new Set(ids);
  for (const vif of page.virtualInterfaces ?? []) {
    if (vif.virtualInterfaceId === undefined || !wanted.has(vif.virtualInterfaceId)) continue;
    const peers = vif.bgpPeers ?? [];
    const bgpStatus = peers.some((p) => p.bgpStatus === "up")
      ? "up"
      : peers.length > 0 && peers.every((p) => p.bgpStatus === "down")
        ? "down"
        : "unknown";
    out.push({ id: vif.virtualInterfaceId, state: vif.virtualInterfaceState ?? "unknown", bgpStatus });
  }
  return out;
};

/** The appliance ENI: attached to a running instance, source/dest check off. Undefined when missing. */
export const loadAppliance = async (
  ec2: EC2Client,
  eniId: string,
): Promise<(ApplianceSignal & { instanceId?: string }) | undefined> => {
  let eni: DescribeNetworkInterfacesCommandOutput;
  try {
    eni = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] }));
  } catch (error) {
    if (awsErrorCode(error) === "InvalidNetworkInterfaceID.NotFound") return undefined;
    throw toAwsCallError("ec2", "DescribeNetworkInterfaces", error);
  }
  const view = eni.NetworkInterfaces?.[0];
  if (view === undefined) return undefined;
  const attached = view.Attachment?.Status === "attached" && view.Attachment.InstanceId !== undefined;
  const instanceId = view.Attachment?.InstanceId;
  let instanceRunning = false;
  if (attached && instanceId !== undefined) {
    const page = await awsCall("ec2", "DescribeInstances", () =>
      ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })),
    );
    const instance = page.Reservations?.flatMap((r) => r.Instances ?? [])[0];
    instanceRunning = instance?.State?.Name === "running";
  }
  return {
    attached,
    instanceRunning,
    sourceDestCheck: view.SourceDestCheck !== false,
    ...(instanceId !== undefined ? { instanceId } : {}),
  };
};
