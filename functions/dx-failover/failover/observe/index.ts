import type { StageContext } from "../../../config";
import { canonicalCidrs, type DxFailoverGroupConfig, policyOf, probedByOf, vpnDownOf } from "../../config";
import { ADDRESS_FAMILIES } from "../../evidence";
import type { PrefixListLimit } from "../plan/effective";
import { requiredRestoreWindowMs } from "../plan/hysteresis";
import type { AddressFamily, FailoverState, Signals } from "../plan/types";
import { decodeTableTags, groupState } from "../state";
import { loadProbeSignals, type MetricProbeSignals } from "./metrics";
import { loadAppliance, loadGroupAlarms, loadVirtualInterfaces, type ObservedAppliance } from "./signals";
import { loadGroupTables, loadPrefixLists, loadProbeTables, type ObservedTable } from "./tables";

export * from "./metrics";
export * from "./signals";
export * from "./tables";

/**
 * Fresh reads of everything the decision of one group needs (never the triggering event alone): its route
 * tables with their tags (the state) and the prefix lists their routes use, its four alarms, its probe's
 * high-resolution history over the restore window in force, the BGP sessions of its virtual interfaces and
 * the appliance ENI.
 */

export interface ObservedGroup {
  tables: ObservedTable[];
  /** Route table → the CIDRs its ownership tag lists for this group. */
  owned: Record<string, string[]>;
  prefixLists: Map<string, string[]>;
  /** MaxEntries and family of those lists (what the route quota counts). */
  prefixListLimits: Map<string, PrefixListLimit>;
  state: FailoverState;
  /** The appliance ENI our routes were last written to (from the state tag). */
  recordedEni?: string;
  alarms: Signals["alarms"];
  metrics: MetricProbeSignals;
  virtualInterfaces: Signals["virtualInterfaces"];
  appliance: ObservedAppliance;
  /** Tables carrying the group tag that are the Lambda probe's own: left out of the group. */
  probeTablesEnrolled: string[];
  problems: string[];
}

/** How far back the probe history is read: the restore window in force, the stuck time, and a minute. */
export const lookbackMs = (group: DxFailoverGroupConfig, state: FailoverState): number => {
  const policy = policyOf(group);
  return (
    requiredRestoreWindowMs(policy.restoreWindowMs, policy.backoff, state.flaps) +
    policy.stuckOnVpnAfterMs +
    60_000
  );
};

export const observeGroup = async (
  group: DxFailoverGroupConfig,
  context: StageContext,
  region: string,
): Promise<ObservedGroup | undefined> => {
  const config = context.config.dxFailover;
  const ec2 = context.clients.ec2(region);
  const tagged = await loadGroupTables(ec2, config.groupTagKey, group);
  const probeTables = await loadProbeTables(ec2, config.probeVpc.subnetIds);
  const tables = tagged.filter((t) => !probeTables.includes(t.routeTableId));
  const probeTablesEnrolled = tagged
    .filter((t) => probeTables.includes(t.routeTableId))
    .map((t) => t.routeTableId);
  if (tables.length === 0) return undefined;
  const read = groupState(tables, group.name, config.groupTagKey);
  const now = context.clock.now();
  const cloudWatch = context.clients.cloudWatch(region);
  const target = {
    namespace: config.metricsNamespace,
    group: group.name,
    probe: probedByOf(group),
    staleMs: group.probeStaleSeconds * 1000,
    recentOf: vpnDownOf(group).of,
  };
  const [prefixLists, alarms, metrics, vifs, appliance] = await Promise.all([
    loadPrefixLists(ec2, tables),
    loadGroupAlarms(cloudWatch, config.alarmNamePrefix, group.name),
    loadProbeSignals(cloudWatch, target, now, lookbackMs(group, read.state)),
    loadVirtualInterfaces(context.clients.directConnect(region), group.virtualInterfaceIds),
    loadAppliance(ec2, group, [...new Set(tables.flatMap((t) => (t.vpcId ? [t.vpcId] : [])))]),
  ]);
  return {
    tables,
    owned: Object.fromEntries(
      tables.map((t) => [t.routeTableId, decodeTableTags(t.tags, group.name, config.groupTagKey).created]),
    ),
    prefixLists: prefixLists.entries,
    prefixListLimits: prefixLists.limits,
    state: read.state,
    ...(read.eni !== undefined ? { recordedEni: read.eni } : {}),
    alarms,
    metrics,
    virtualInterfaces: vifs.interfaces,
    appliance,
    probeTablesEnrolled,
    problems: [
      ...probeTablesEnrolled.map((t) => `${t}: a probe subnet's route table carries the group tag; left out`),
      ...read.problems,
      ...prefixLists.problems,
      ...(metrics.problem ? [metrics.problem] : []),
      ...vifs.problems,
      ...appliance.problems,
    ],
  };
};

/** The address families of the group's CIDRs. */
export const familiesOf = (group: DxFailoverGroupConfig): Signals["families"] =>
  [...new Set(canonicalCidrs(group).map((c): AddressFamily => (c.includes(":") ? "ipv6" : "ipv4")))].sort();

/** The address families among the group's Direct Connect probe targets (`[v6]:port` is IPv6). */
export const probeFamiliesOf = (group: DxFailoverGroupConfig): AddressFamily[] => {
  const found = new Set(
    group.probe.directConnect.map((t): AddressFamily => (t.trim().startsWith("[") ? "ipv6" : "ipv4")),
  );
  return ADDRESS_FAMILIES.filter((f) => found.has(f));
};
