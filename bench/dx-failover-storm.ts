import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { type DxFailoverConfig, DxFailoverConfigSchema } from "../functions/dx-failover/config";
import { FUNCTIONS } from "../functions/index";
import { Harness, readJson } from "../sim/harness";
import { cellWorks, directConnectWorks, dxView } from "../tools/chaos/invariants/dx-failover";

/**
 * The flap storm of issue 10's "Measured" list, on the simulated account's clock (no real waiting): Direct
 * Connect's data plane goes down and up every 5–40 s (seeded, uniform) for N minutes while BGP stays up
 * (a grey failure: the propagated routes stay). The stack is simulated around the real failover function:
 * the agent's sample every second (`Probe=agent`, PutMetricData), its trigger at once after M = 2 failed DX
 * probes (re-armed after 3 successes), the reconcile every minute. Each second the account's own route
 * selection says whether every configured CIDR of every table has a working path.
 */

const GROUP = "lz-prod";
const ENI = "eni-0d0f00000000000a1";
const VIFS = ["dxvif-fgdx0001", "dxvif-fgdx0002"];
const NAMESPACE = "OpsToolkit/DxFailover";
/** Beyond this after DX fails, a blackhole is the toolkit's (2 probes at 1 s, the trigger, the failover). */
const DETECTION_MS = 3000;

const section = {
  triggerBusName: "ops-toolkit-dx-trigger",
  groups: [
    {
      name: GROUP,
      location: "local-zone",
      cidrs: ["10.100.0.0/16", "10.101.0.0/16"],
      applianceEniId: ENI,
      virtualInterfaceIds: VIFS,
      probe: { directConnect: ["127.0.0.1:9"], vpn: ["127.0.0.1:9"] },
    },
  ],
};

/** A small deterministic generator (the run is reproducible). */
const lcg = (seed: number) => {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
};

const sample = (at: number, dxOk: boolean) =>
  new PutMetricDataCommand({
    Namespace: NAMESPACE,
    MetricData: (["direct-connect", "vpn"] as const).map((path) => ({
      MetricName: "PathHealthy",
      Dimensions: [
        { Name: "Group", Value: GROUP },
        { Name: "Path", Value: path },
        { Name: "Probe", Value: "agent" },
      ],
      Value: path === "vpn" || dxOk ? 1 : 0,
      Timestamp: new Date(at),
      StorageResolution: 1,
    })),
  });

const trigger = (at: number) => ({
  version: "0",
  id: `storm-${at}`,
  "detail-type": "DX Path Degraded",
  source: "ops-toolkit",
  account: "123456789012",
  time: new Date(at).toISOString(),
  region: "us-east-1",
  resources: [],
  detail: {
    group: GROUP,
    reason: "dx-down",
    probe: "agent",
    at,
    dxFailingSince: at - 1000,
    dx: { ok: false, consecutiveFailures: 2, consecutiveSuccesses: 0 },
    vpn: { ok: true, consecutiveFailures: 0, consecutiveSuccesses: 30 },
  },
});

const reconcile = (at: number) => ({
  version: "0",
  id: `storm-reconcile-${at}`,
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: new Date(at).toISOString(),
  region: "us-east-1",
  resources: ["arn:aws:events:us-east-1:123456789012:rule/ops-toolkit-dev-dx-failover-reconcile"],
  detail: {},
});

interface Tally {
  switches: number;
  onVpnMs: number;
  onDxMs: number;
  blackholedMs: number;
  blackholedBeyondDetectionMs: number;
  dxOutages: number;
  triggers: number;
  invocations: number;
  errors: number;
}

/** The agent's trigger rule: M = 2 consecutive DX failures while the VPN answers, re-armed after 3 successes. */
const agentCounters = () => {
  let failures = 0;
  let successes = 0;
  let armed = true;
  return (dxOk: boolean): boolean => {
    failures = dxOk ? 0 : failures + 1;
    successes = dxOk ? successes + 1 : 0;
    if (successes >= 3) armed = true;
    if (!dxOk && failures >= 2 && armed) {
      armed = false;
      return true;
    }
    return false;
  };
};

/** One second of the world: the view, and what the tally gets from it. */
const account1s = (
  harness: Harness,
  config: DxFailoverConfig,
  tally: Tally,
  brokenSince: { at?: number },
) => {
  const account = harness.account;
  const group = config.groups[0];
  if (group === undefined) return;
  const view = dxView(account, config, (g) => ({
    directConnectUp: directConnectWorks(account, g),
    vpnUp: true,
    applianceEnis: [ENI],
  }));
  const g = view.groups[GROUP];
  if (g === undefined) return undefined;
  if (g.active === "vpn") tally.onVpnMs += 1000;
  else tally.onDxMs += 1000;
  if (g.cells.every((c) => cellWorks(c, g))) delete brokenSince.at;
  else {
    brokenSince.at ??= view.at;
    tally.blackholedMs += 1000;
    if (view.at - brokenSince.at >= DETECTION_MS) tally.blackholedBeyondDetectionMs += 1000;
  }
  return g.active;
};

export const flapStorm = async (minutes: number, seed = 10) => {
  const harness = await Harness.start({ functions: FUNCTIONS, clock: "manual" });
  try {
    const account = harness.load(readJson("test/fixtures/accounts/dx-failover.json"));
    const config = DxFailoverConfigSchema.parse(section);
    const env = { OPS_CONFIG: JSON.stringify({ mode: "apply", dxFailover: section }) };
    const cloudWatch = new CloudWatchClient({ region: "us-east-1" });
    const random = lcg(seed);
    const tally: Tally = {
      switches: 0,
      onVpnMs: 0,
      onDxMs: 0,
      blackholedMs: 0,
      blackholedBeyondDetectionMs: 0,
      dxOutages: 0,
      triggers: 0,
      invocations: 0,
      errors: 0,
    };
    const invoke = async (event: unknown) => {
      tally.invocations += 1;
      const r = await harness.invoke("dx-failover", event, { env });
      if (r.error !== undefined) tally.errors += 1;
    };
    const start = account.clock.nowMs();
    const end = start + minutes * 60_000;
    let dxUp = true;
    let nextFlip = start + 60_000; // a healthy minute first
    let nextReconcile = start + 60_000;
    let active = "direct-connect";
    const brokenSince: { at?: number } = {};
    const triggerNow = agentCounters();
    for (let t = 0; t < 120; t++) await cloudWatch.send(sample(start - 120_000 + t * 1000, true));
    while (account.clock.nowMs() < end) {
      harness.advance(1000);
      const now = account.clock.nowMs();
      if (now >= nextFlip) {
        dxUp = !dxUp;
        if (!dxUp) tally.dxOutages += 1;
        for (const id of VIFS) account.network.setDataPlane(id, dxUp);
        nextFlip = now + Math.round(5000 + random() * 35_000);
      }
      await cloudWatch.send(sample(now, dxUp));
      if (triggerNow(dxUp)) {
        tally.triggers += 1;
        await invoke(trigger(now));
      }
      if (now >= nextReconcile) {
        nextReconcile += 60_000;
        await invoke(reconcile(now));
      }
      const nowActive = account1s(harness, config, tally, brokenSince) ?? active;
      if (nowActive !== active) tally.switches += 1;
      active = nowActive;
    }
    return {
      simulatedMinutes: minutes,
      seed,
      flapIntervalS: "uniform 5–40",
      dxOutages: tally.dxOutages,
      switches: tally.switches,
      timeOnDirectConnectS: tally.onDxMs / 1000,
      timeOnVpnS: tally.onVpnMs / 1000,
      blackholedS: tally.blackholedMs / 1000,
      blackholedBeyondDetectionS: tally.blackholedBeyondDetectionMs / 1000,
      detectionMs: DETECTION_MS,
      triggers: tally.triggers,
      failoverInvocations: tally.invocations,
      failedInvocations: tally.errors,
      note: "the path is judged once a simulated second by the account's route selection (sim/account/route-selection.ts)",
    };
  } finally {
    await harness.close();
  }
};
