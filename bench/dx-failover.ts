/**
 * dx-failover: the failover path, measured end to end on loopback against the simulated account.
 *
 * 1. T0 → static route active: a TCP server on 127.0.0.1 stands in for the on-premises target behind
 *    Direct Connect (another for the VPN path). The real probe function runs (ProbeLoop, TCP, the default
 *    1 s interval / 800 ms timeout / M = 2); the server is stopped at T0; the probe's "DX Path Degraded"
 *    event (PutEvents to the simulated account) is handed to the real failover function at once (EventBridge's
 *    own delivery latency, typically well under a second, is not simulated: see `assumptions`); the time is
 *    taken when the failover function returns, i.e. after it read every static route back `active`.
 * 2. A single lost probe (the server stops for 600 ms and comes back on the same port): no trigger, no switch.
 * 3. 200 route tables × 4 CIDRs under the EC2 token buckets the simulated account documents
 *    (sim/account/faults.ts EC2_DOCUMENTED_BUCKETS: mutating 200 + 5/s, describe 100 + 20/s): the failover
 *    function is invoked, and re-invoked as Lambda would retry it, until it succeeds; every table is then
 *    checked. Reports the simulated duration (the account's clock follows real time), invocations, API calls.
 * 4. The probe's monthly cost per group, printed with its assumptions.
 *
 * `benchDxFailover()` is wired into `npm run bench` by bench/run.ts; `npx tsx bench/dx-failover.ts` runs it
 * alone. Knobs: BENCH_DX_RUNS (default 5), BENCH_DX_TABLES (200), BENCH_DX_SKIP_THROTTLED=1.
 */
import { createServer, type Server } from "node:net";
import { FUNCTIONS } from "../functions/index";
import { EC2_DOCUMENTED_BUCKETS } from "../sim/account/faults";
import { Harness, readJson } from "../sim/harness";

const GROUP = "lz-prod";
const ENI = "eni-0d0f00000000000a1";
const CIDRS = ["10.100.0.0/16", "10.101.0.0/16"];

const listen = (port = 0): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
const portOf = (s: Server) => {
  const a = s.address();
  return typeof a === "object" && a !== null ? a.port : 0;
};
const close = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const scheduleEvent = () => ({
  version: "0",
  id: `bench-${Date.now()}`,
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: new Date().toISOString(),
  region: "us-east-1",
  resources: [],
  detail: {},
});

const env = (dxPort: number, vpnPort: number, extra: Record<string, unknown> = {}) => ({
  OPS_CONFIG: JSON.stringify({
    mode: "apply",
    ...extra,
    dxFailover: {
      groups: [
        {
          name: GROUP,
          cidrs: CIDRS,
          applianceEniId: ENI,
          virtualInterfaceIds: ["dxvif-fgdx0001", "dxvif-fgdx0002"],
          probe: { directConnect: [`127.0.0.1:${dxPort}`], vpn: [`127.0.0.1:${vpnPort}`] },
        },
      ],
    },
  }),
});

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};
const round = (x: number, d = 0) => Math.round(x * 10 ** d) / 10 ** d;

interface TriggerEntry {
  DetailType?: string;
  Detail?: string;
  Source?: string;
}

/** One end-to-end run: returns T0 → routes active (ms), or undefined when nothing happened. */
const endToEnd = async (harness: Harness, lost: boolean) => {
  const account = harness.load(readJson("test/fixtures/accounts/dx-failover.json"));
  let dx = await listen();
  const vpn = await listen();
  const dxPort = portOf(dx);
  const e = env(dxPort, portOf(vpn));
  const probe = harness.invoke("dx-probe", scheduleEvent(), { env: e, timeoutMs: 9500 });
  await sleep(2300);
  const t0 = performance.now();
  await close(dx);
  if (lost) {
    await sleep(600);
    dx = await listen(dxPort);
  }
  let failover: Awaited<ReturnType<Harness["invoke"]>> | undefined;
  let triggerAt: number | undefined;
  while (failover === undefined) {
    const entry = (account.publishedEvents as TriggerEntry[]).find(
      (x) => x.DetailType === "DX Path Degraded",
    );
    if (entry !== undefined) {
      triggerAt = performance.now();
      failover = await harness.invoke(
        "dx-failover",
        {
          version: "0",
          id: "bench-trigger",
          "detail-type": entry.DetailType,
          source: entry.Source,
          account: "123456789012",
          time: new Date().toISOString(),
          region: "us-east-1",
          resources: [],
          detail: JSON.parse(entry.Detail ?? "{}"),
        },
        { env: e },
      );
      break;
    }
    if (performance.now() - t0 > 6000) break;
    await sleep(10);
  }
  const activeAt = performance.now();
  const probeReport = await probe;
  await close(vpn);
  if (lost) await close(dx);
  const tables = failover?.after.routeTables as
    | Record<string, { Routes?: Record<string, { Origin?: string; State?: string; Target?: string }> }>
    | undefined;
  const routesActive = Object.values(tables ?? {})
    .flatMap((t) => Object.values(t.Routes ?? {}))
    .filter((r) => r.Origin === "CreateRoute" && r.Target === ENI && r.State === "active").length;
  const switched = (failover?.calls ?? []).some((c) => c.operation === "CreateRoute");
  return {
    triggered: triggerAt !== undefined,
    switched,
    routesActive,
    t0ToTriggerMs: triggerAt !== undefined ? triggerAt - t0 : undefined,
    t0ToActiveMs: failover !== undefined ? activeAt - t0 : undefined,
    failoverCalls: failover?.calls.length ?? 0,
    probeRounds: (probeReport.result as { groups?: Array<{ rounds: number }> } | undefined)?.groups?.[0]
      ?.rounds,
  };
};

const throttledFailover = async (harness: Harness, tableCount: number) => {
  const fixture = readJson("test/fixtures/accounts/dx-failover.json") as {
    routeTables: Array<Record<string, unknown>>;
    virtualPrivateGateways: Array<{ propagatedCidrs: string[] }>;
  };
  const cidrs = ["10.100.0.0/16", "10.101.0.0/16", "10.102.0.0/16", "10.103.0.0/16"];
  const g = fixture.virtualPrivateGateways[0];
  if (g) g.propagatedCidrs = cidrs;
  const ids = Array.from({ length: tableCount }, (_, i) => `rtb-0d0f0000000${(0x100000 + i).toString(16)}`);
  fixture.routeTables = [
    ...fixture.routeTables.filter((t) => t.id === "rtb-0d0f0000000000c09"),
    ...ids.map((id) => ({
      id,
      vpcId: "vpc-0d0f0000000000a00",
      propagatingVgws: ["vgw-0d0f0000000000a00"],
      tags: { "ops:failover-group": GROUP },
    })),
  ];
  const account = harness.load(fixture);
  for (const bucket of EC2_DOCUMENTED_BUCKETS) account.faults.tokenBucket(bucket);
  const e = {
    OPS_CONFIG: JSON.stringify({
      mode: "apply",
      dxFailover: {
        groups: [
          {
            name: GROUP,
            cidrs,
            applianceEniId: ENI,
            virtualInterfaceIds: ["dxvif-fgdx0001", "dxvif-fgdx0002"],
            probe: { directConnect: ["127.0.0.1:9"], vpn: ["127.0.0.1:9"] },
          },
        ],
      },
    }),
  };
  const now = Date.now();
  const trigger = {
    version: "0",
    id: "bench-throttled",
    "detail-type": "DX Path Degraded",
    source: "ops-toolkit",
    account: "123456789012",
    time: new Date(now).toISOString(),
    region: "us-east-1",
    resources: [],
    detail: {
      group: GROUP,
      reason: "dx-down",
      at: now,
      dxFailingSince: now - 1000,
      dx: { ok: false, consecutiveFailures: 2, consecutiveSuccesses: 0 },
      vpn: { ok: true, consecutiveFailures: 0, consecutiveSuccesses: 30 },
    },
  };
  const simStart = account.clock.nowMs();
  const wallStart = performance.now();
  const firstCall = account.calls.length;
  let invocations = 0;
  let last: Awaited<ReturnType<Harness["invoke"]>> | undefined;
  do {
    invocations += 1;
    // Retries refresh the probe evidence's time as a new probe event (or the reconcile) would.
    const t = Date.now();
    trigger.detail.at = t;
    last = await harness.invoke("dx-failover", trigger, { env: e, timeoutMs: 60_000 });
  } while (last.error !== undefined && invocations < 20);
  const calls = account.calls.slice(firstCall);
  const byOperation: Record<string, number> = {};
  for (const c of calls) byOperation[c.operation] = (byOperation[c.operation] ?? 0) + 1;
  const throttled = calls.filter((c) => (c.faults ?? []).length > 0).length;
  const tables = last.after.routeTables as Record<
    string,
    {
      Routes?: Record<string, { Origin?: string; Target?: string; State?: string }>;
      Tags?: Record<string, string>;
    }
  >;
  const consistent = ids.every((id) => {
    const t = tables[id];
    const ok = cidrs.every((c) => {
      const r = t?.Routes?.[c];
      return r?.Origin === "CreateRoute" && r.Target === ENI && r.State === "active";
    });
    return (
      ok &&
      t?.Tags?.["ops:dx-failover:active"] === "vpn" &&
      t.Tags["ops:dx-failover:routes"] === cidrs.join(" ")
    );
  });
  return {
    tables: tableCount,
    cidrs: cidrs.length,
    routes: tableCount * cidrs.length,
    buckets: EC2_DOCUMENTED_BUCKETS,
    completed: last.error === undefined,
    allTablesConsistent: consistent,
    invocations,
    simulatedDurationS: round((account.clock.nowMs() - simStart) / 1000, 1),
    wallS: round((performance.now() - wallStart) / 1000, 1),
    apiCalls: calls.length,
    throttledCalls: throttled,
    unrecoveredThrottles: consistent ? 0 : throttled,
    byOperation,
  };
};

/** Monthly cost of the probe for one group (us-east-1 list prices, Lambda arm64). */
export const probeMonthlyCost = (groups = 1) => {
  const a = {
    invocationsPerMonth: 43_830, // 1 per minute × 730.5 h
    secondsPerInvocation: 60,
    memoryGb: 0.25,
    lambdaGbSecondUsd: 0.0000133334, // arm64
    lambdaRequestUsd: 0.2 / 1e6,
    samplesPerMinute: 60, // 1 s interval
    putMetricDataPerMinute: 6 + 1, // flush every 10 samples (+ one BGP datapoint), failures flush at once
    putMetricDataUsdPer1000: 0.01,
    customMetrics: 5, // PathHealthy × 2 paths, PathLatency × 2 paths, BgpUp
    customMetricUsd: 0.3,
    highResolutionAlarms: 2, // dx-down, vpn-down (10 s periods)
    highResolutionAlarmUsd: 0.3,
    standardAlarms: 2, // dx-restored, probe-missing (60 s)
    standardAlarmUsd: 0.1,
    getMetricDataMetricsPerMinute: 2, // the failover reconcile reads 2 series each minute
    getMetricDataUsdPer1000Metrics: 0.01,
  };
  const lambda =
    (a.invocationsPerMonth * a.secondsPerInvocation * a.memoryGb * a.lambdaGbSecondUsd +
      a.invocationsPerMonth * a.lambdaRequestUsd) /
    groups; // one probe invocation probes every group in parallel
  const putMetricData =
    ((a.invocationsPerMonth * a.putMetricDataPerMinute) / 1000) * a.putMetricDataUsdPer1000;
  const metrics = a.customMetrics * a.customMetricUsd;
  const alarms = a.highResolutionAlarms * a.highResolutionAlarmUsd + a.standardAlarms * a.standardAlarmUsd;
  const getMetricData =
    ((a.invocationsPerMonth * a.getMetricDataMetricsPerMinute) / 1000) * a.getMetricDataUsdPer1000Metrics;
  const total = lambda + putMetricData + metrics + alarms + getMetricData;
  const usd = (x: number) => round(x, 2);
  return {
    perGroupUsd: usd(total),
    breakdownUsd: {
      lambda: usd(lambda),
      putMetricData: usd(putMetricData),
      customMetrics: usd(metrics),
      alarms: usd(alarms),
      getMetricData: usd(getMetricData),
    },
    assumptions: {
      ...a,
      groupsSharingTheProbe: groups,
      notCounted:
        "free tiers; VPC Lambda ENIs (no charge); logs (a few KB per minute); EventBridge custom events ($1/million, one per outage); the failover function's own reconcile (~1 s × 256 MB per minute ≈ $0.15)",
    },
  };
};

export const benchDxFailover = async (): Promise<Record<string, unknown>> => {
  const runs = Number(process.env.BENCH_DX_RUNS ?? 5);
  const tableCount = Number(process.env.BENCH_DX_TABLES ?? 200);
  const harness = await Harness.start({ functions: FUNCTIONS });
  try {
    const e2e = [];
    for (let i = 0; i < runs; i++) e2e.push(await endToEnd(harness, false));
    const lost = [];
    for (let i = 0; i < Math.max(1, Math.ceil(runs / 2)); i++) lost.push(await endToEnd(harness, true));
    const active = e2e.map((r) => r.t0ToActiveMs).filter((x): x is number => x !== undefined);
    const trig = e2e.map((r) => r.t0ToTriggerMs).filter((x): x is number => x !== undefined);
    const result: Record<string, unknown> = {
      endToEnd: {
        runs,
        switched: e2e.filter((r) => r.switched).length,
        t0ToTriggerMs: { p50: round(percentile(trig, 50)), p95: round(percentile(trig, 95)) },
        t0ToStaticRouteActiveMs: {
          p50: round(percentile(active, 50)),
          p95: round(percentile(active, 95)),
          max: round(Math.max(...active)),
        },
        targetP95Ms: 6000,
        meetsTarget: percentile(active, 95) <= 6000 && active.length === runs,
        routesActivePerRun: e2e.map((r) => r.routesActive),
        failoverApiCalls: e2e[0]?.failoverCalls,
        note: "EventBridge delivery latency (rule → Lambda, typically < 0.5 s) and a cold start are not included",
      },
      singleLostProbe: {
        runs: lost.length,
        triggers: lost.filter((r) => r.triggered).length,
        switches: lost.filter((r) => r.switched).length,
      },
      probeMonthlyCost: probeMonthlyCost(1),
    };
    if (process.env.BENCH_DX_SKIP_THROTTLED !== "1")
      result.throttledFailover = await throttledFailover(harness, tableCount);
    return result;
  } finally {
    await harness.close();
  }
};

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
  const result = await benchDxFailover();
  console.log(JSON.stringify(result, null, 2));
  const cost = result.probeMonthlyCost as ReturnType<typeof probeMonthlyCost>;
  console.log(
    `\nProbe monthly cost per group ≈ $${cost.perGroupUsd} (${Object.entries(cost.breakdownUsd)
      .map(([k, v]) => `${k} $${v}`)
      .join(", ")}); assumptions above.`,
  );
}
