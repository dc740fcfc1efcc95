/**
 * The dx-failover probes of every configured group, as the chaos campaign simulates the agent
 * (tools/chaos/incidents/dx-failover.ts), generalised to the account's own groups: each group's
 * authoritative probe (`Probe=agent` for a Local Zone group, `Probe=lambda` for a Region group, as
 * `probedByOf` says) samples both paths every 5 s of simulated time and writes `PathHealthy` with
 * PutMetricData (the Lambda probe's EMF lines reach CloudWatch as the same series), and puts
 * "DX Path Degraded" on the trigger bus after `failureThreshold` consecutive failed DX samples while the VPN
 * answers, re-armed after `rearmAfter` successes. DX "works" as the simulated account's interfaces say
 * (data plane and BGP, `directConnectWorks`); the VPN answers while the group's appliance does (its ENI
 * attached to a running instance: `vpnAnswers`).
 */
import {
  type DxFailoverConfig,
  type DxFailoverGroupConfig,
  probedByOf,
} from "../../functions/dx-failover/config";
import type { SimulatedAccount } from "../../sim/account/index";
import { directConnectWorks } from "../chaos/invariants/dx-failover";

export const SAMPLE_MS = 5000;
/**
 * How far back the probes' samples reach at the start: the longest restore window and 5 minutes more,
 * so that a `dx-not-restored` alarm's first evaluation sees a whole window (missing data is breaching).
 */
export const historyMs = (config: DxFailoverConfig): number =>
  Math.max(0, ...config.groups.map((g) => g.restoreWindowSeconds)) * 1000 + 300_000;

interface ProbeState {
  lastSample: number;
  failures: number;
  successes: number;
  armed: boolean;
}

const datum = (group: string, probe: string, at: number, path: string, ok: boolean) => ({
  MetricName: "PathHealthy",
  Dimensions: [
    { Name: "Group", Value: group },
    { Name: "Path", Value: path },
    { Name: "Probe", Value: probe },
  ],
  Value: ok ? 1 : 0,
  Timestamp: new Date(at),
  StorageResolution: 1,
});

const trigger = (account: SimulatedAccount, group: DxFailoverGroupConfig, at: number, failures: number) => ({
  version: "0",
  id: `what-if-trigger-${group.name}-${at}`,
  "detail-type": "DX Path Degraded",
  source: "ops-toolkit",
  account: account.accountId,
  time: new Date(at).toISOString(),
  region: account.region,
  resources: [],
  detail: {
    group: group.name,
    reason: "dx-down",
    probe: probedByOf(group),
    at,
    dxFailingSince: at - (failures - 1) * SAMPLE_MS,
    dx: { ok: false, consecutiveFailures: failures, consecutiveSuccesses: 0 },
    vpn: { ok: true, consecutiveFailures: 0, consecutiveSuccesses: 3 },
  },
});

/** The group's appliance ENIs: the configured one, or those carrying `applianceTag` (`key=value`). */
const applianceEnis = (account: SimulatedAccount, group: DxFailoverGroupConfig): string[] => {
  if (group.applianceEniId !== undefined) return [group.applianceEniId];
  const [key = "", value = ""] = (group.applianceTag ?? "").split(/=(.*)/s);
  return [...account.state().networkInterfaces.values()]
    .filter((e) => e.tags.get(key) === value)
    .map((e) => e.id);
};

/** Whether the VPN answers: an appliance ENI of the group attached to a running instance (read without settling). */
export const vpnAnswers = (account: SimulatedAccount, group: DxFailoverGroupConfig): boolean =>
  applianceEnis(account, group).some((id) => {
    const instance = account.state().networkInterfaces.get(id)?.attachment?.instanceId;
    return instance !== undefined && account.state().instances.get(instance)?.state === "running";
  });

/**
 * Whether the group's interfaces carried traffic at the start, read from the account's state without
 * settling it (a data plane up and a BGP session up on one of them).
 */
const upAtStart = (account: SimulatedAccount, group: DxFailoverGroupConfig): boolean =>
  group.virtualInterfaceIds.some((id) => {
    const vif = account.state().virtualInterfaces.get(id);
    return vif?.bgpPeers.some((p) => p.bgpStatus === "up" && vif.dataPlane[p.addressFamily]) === true;
  });

/**
 * The probes of all groups of `config`, their samples since `historyMs` already in CloudWatch: written
 * straight into the account's metric store, before anything settles the account, so that the alarms'
 * first evaluation sees a probe that has been running (an account fixture carries no metric history).
 * `tick(now)` then writes the samples since the last tick and returns the triggers.
 */
export const dxProbes = (account: SimulatedAccount, config: DxFailoverConfig, start: number) => {
  const store = account.state().metricStore;
  const history = historyMs(config);
  for (const g of config.groups) {
    const dx = upAtStart(account, g) ? 1 : 0;
    const vpn = vpnAnswers(account, g) ? 1 : 0;
    for (let at = start - history + SAMPLE_MS; at <= start; at += SAMPLE_MS)
      for (const [path, value] of [
        ["direct-connect", dx],
        ["vpn", vpn],
      ] as const)
        store.add(
          config.metricsNamespace,
          "PathHealthy",
          datum(g.name, probedByOf(g), at, path, value === 1).Dimensions,
          {
            at,
            sum: value,
            count: 1,
            min: value,
            max: value,
          },
        );
  }
  const states = new Map<string, ProbeState>(
    config.groups.map((g) => [g.name, { lastSample: start, failures: 0, successes: 0, armed: true }]),
  );
  const tickGroup = async (group: DxFailoverGroupConfig, now: number): Promise<unknown[]> => {
    const s = states.get(group.name);
    if (s === undefined) return [];
    const dxOk = directConnectWorks(account, group);
    const vpnOk = vpnAnswers(account, group);
    const probe = probedByOf(group);
    const data = [];
    for (let at = s.lastSample + SAMPLE_MS; at <= now; at += SAMPLE_MS)
      data.push(
        datum(group.name, probe, at, "direct-connect", dxOk),
        datum(group.name, probe, at, "vpn", vpnOk),
      );
    s.lastSample = Math.max(s.lastSample, now - (now % SAMPLE_MS));
    for (let k = 0; k < data.length; k += 1000)
      await account.dispatch(
        { service: "monitoring", operation: "PutMetricData", region: account.region, requestId: "probe" },
        { Namespace: config.metricsNamespace, MetricData: data.slice(k, k + 1000) },
      );
    s.failures = dxOk ? 0 : s.failures + 1;
    s.successes = dxOk ? s.successes + 1 : 0;
    if (s.successes >= group.probe.rearmAfter) s.armed = true;
    if (dxOk || !vpnOk || s.failures < group.probe.failureThreshold || !s.armed) return [];
    s.armed = false;
    return [trigger(account, group, now, s.failures)];
  };
  return {
    tick: async (now: number): Promise<unknown[]> => {
      const out: unknown[] = [];
      for (const group of config.groups) out.push(...(await tickGroup(group, now)));
      return out;
    },
  };
};
