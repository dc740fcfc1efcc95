/**
 * eni-reattach (issue 9 "Measured"), against the simulated account on its manual clock (no real waiting).
 *
 * 1. `launch`: the launch event of test/fixtures/accounts/eni-reattach.json replayed through the real
 *    handler (the old firewall leaving with the ENIs, or already gone), 1 or 3 ENIs. Reported: the API
 *    calls by operation, the simulated time from the event to CONTINUE, and the polling overhead: that
 *    time over the simulated detach + attach time the hand-over cannot avoid (goal ≤ 10 %).
 * 2. `replacement`: Auto Scaling's replacement engine drives the whole replacement of a serving firewall
 *    (every lifecycle event delivered as the rule would, the 5-minute reconcile): terminate then launch
 *    (health replacement), launch before terminating with the old instance Unhealthy (maintenance
 *    policy), and with it Healthy (instance refresh: CONTINUE without the ENIs, moved at the old one's
 *    terminate hook). Reported: launch event → its CONTINUE, trigger → every ENI attached to the new
 *    instance (simulated), invocations, decisions, API calls by operation, ABANDONs.
 *
 * `benchEniReattach()` is for `npm run bench` (bench/run.ts); `npx tsx bench/eni-reattach.ts` runs it alone.
 * Knobs: BENCH_ENI_ATTACH_MS (default 3000), BENCH_ENI_DETACH_MS (default 5000): the simulated delays
 * (the simulated account's defaults).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FUNCTIONS } from "../functions/index";
import type { SimulatedAccount } from "../sim";
import { Harness, type InvocationReport } from "../sim/harness";
import { packagedTimeoutMs } from "../tools/lib/packaged-timeout";

const ROOT = join(import.meta.dirname, "..");
const GROUP = "fw-asg";
const OLD = "i-0f1e2d3c4b5a60001";
const START = new Date("2026-11-21T12:00:00Z");
const RECONCILE_MS = 300_000;

type Raw = Record<string, unknown> & {
  behaviour: Record<string, unknown>;
  instances: Array<{ id: string; state?: string; stateSince?: string }>;
  networkInterfaces: Array<{ id: string; subnetId: string; attachment?: unknown }>;
  autoScalingGroups: Array<Record<string, unknown> & { instances: Array<Record<string, unknown>> }>;
  lifecycleActions: unknown[];
  lifecycleHooks: Array<{ defaultResult?: string; heartbeatTimeout?: number }>;
};

interface Delays {
  attachMs: number;
  detachMs: number;
}

const fixture = (interfaces: number, delays: Delays): Raw => {
  const raw = JSON.parse(readFileSync(join(ROOT, "test/fixtures/accounts/eni-reattach.json"), "utf8")) as Raw;
  Object.assign(raw.behaviour, { eniAttachMs: delays.attachMs, eniDetachMs: delays.detachMs });
  raw.networkInterfaces = raw.networkInterfaces.slice(0, interfaces);
  // Our hooks as the README asks (the file keeps Auto Scaling's defaults for the simulator's tests).
  for (const hook of raw.lifecycleHooks)
    Object.assign(hook, { defaultResult: "CONTINUE", heartbeatTimeout: 900 });
  return raw;
};

const envFor = (raw: Raw, interfaces: number): Record<string, string> => ({
  OPS_CONFIG: JSON.stringify({
    eniReattach: {
      groups: [
        {
          name: GROUP,
          hookNames: ["fw-launch", "fw-terminate"],
          expectedInterfaces: interfaces,
          allowedSubnetIds: raw.networkInterfaces.map((e) => e.subnetId),
        },
      ],
    },
  }),
});

const byOperation = (reports: readonly InvocationReport[]) => {
  const out: Record<string, number> = {};
  for (const call of reports.flatMap((r) => r.calls)) out[call.operation] = (out[call.operation] ?? 0) + 1;
  return out;
};

const decisionOf = (report: InvocationReport): string =>
  String((report.result as { decision?: string } | undefined)?.decision ?? `error: ${String(report.error)}`);

const continued = (report: InvocationReport, hook: string) =>
  report.calls.find(
    (c) =>
      c.operation === "CompleteLifecycleAction" &&
      c.outcome === "ok" &&
      c.input.LifecycleHookName === hook &&
      c.input.LifecycleActionResult === "CONTINUE",
  );

const launchEvent = (at: Date): Record<string, unknown> => {
  const event = JSON.parse(
    readFileSync(join(ROOT, "events/eni-reattach/launch-eventbridge.json"), "utf8"),
  ) as Record<string, unknown>;
  event.time = `${at.toISOString().slice(0, 19)}Z`;
  return event;
};

/** OLD still running, waiting on its terminate hook with the ENIs (terminate then launch, both hooks pending). */
const leaving = (raw: Raw) => {
  for (const i of raw.instances.filter((x) => x.id === OLD)) {
    i.state = "running";
    delete i.stateSince;
  }
  for (const m of raw.autoScalingGroups[0]?.instances ?? []) {
    if (m.instanceId === OLD) m.lifecycleState = "Terminating:Wait";
  }
  raw.lifecycleActions.push({
    autoScalingGroupName: GROUP,
    hookName: "fw-terminate",
    instanceId: OLD,
    token: "0c4f6e2a-1b3d-4c5e-8f70-9a1b2c3d4e5f",
    startedAt: "2026-11-21T11:59:30Z",
  });
};

/** The replayed launch: the old instance leaving with the ENIs (detach + attach) or gone (attach only). */
const benchLaunch = async (harness: Harness, delays: Delays) => {
  const out: Record<string, unknown>[] = [];
  for (const oldInstance of ["leaving", "gone"] as const) {
    for (const interfaces of [1, 3]) {
      const raw = fixture(interfaces, delays);
      if (oldInstance === "leaving") leaving(raw);
      if (oldInstance === "gone") {
        raw.instances = raw.instances.filter((i) => i.id !== OLD);
        for (const eni of raw.networkInterfaces) delete eni.attachment;
        for (const g of raw.autoScalingGroups) g.instances = g.instances.filter((m) => m.instanceId !== OLD);
      }
      const account = harness.load(raw, { now: START });
      const eventAt = account.clock.nowMs();
      const report = await harness.invoke("eni-reattach", launchEvent(START), {
        env: envFor(raw, interfaces),
      });
      const complete = continued(report, "fw-launch");
      const eventToContinue = complete === undefined ? undefined : Date.parse(complete.at) - eventAt;
      const unavoidable = (oldInstance === "leaving" ? delays.detachMs : 0) + delays.attachMs;
      out.push({
        oldInstance,
        interfaces,
        decision: decisionOf(report),
        apiCalls: report.calls.length,
        writeCalls: report.calls.filter((c) => !/^(Describe|Search|Get)/.test(c.operation)).length,
        byOperation: byOperation([report]),
        eventToContinueSimMs: eventToContinue,
        unavoidableSimMs: unavoidable,
        pollingOverheadPercent:
          eventToContinue === undefined
            ? undefined
            : Math.round((eventToContinue / unavoidable - 1) * 1000) / 10,
        wallMs: Math.round(report.durationMs),
      });
    }
  }
  return out;
};

/** The firewall serving alone: OLD running, InService, Healthy, with the three ENIs. */
const serving = (delays: Delays, edit?: (group: Record<string, unknown>) => void): Raw => {
  const raw = fixture(3, delays);
  raw.instances = raw.instances.filter((i) => i.id === OLD).map((i) => ({ ...i, state: "running" }));
  for (const i of raw.instances) delete i.stateSince;
  raw.lifecycleActions = [];
  const group = raw.autoScalingGroups[0];
  if (group !== undefined) {
    group.instances = [{ instanceId: OLD, lifecycleState: "InService", healthStatus: "Healthy" }];
    edit?.(group);
  }
  return raw;
};

const sim = (account: SimulatedAccount, operation: string, input: Record<string, unknown>) =>
  account.dispatch(
    { service: "autoscaling", operation, region: account.region, requestId: operation },
    input,
  );

interface Scenario {
  name: string;
  policy?: (group: Record<string, unknown>) => void;
  trigger: (account: SimulatedAccount) => Promise<unknown>;
}

const SCENARIOS: Scenario[] = [
  {
    name: "terminate then launch (health replacement)",
    trigger: (a) => sim(a, "SetInstanceHealth", { InstanceId: OLD, HealthStatus: "Unhealthy" }),
  },
  {
    name: "launch before terminating, old Unhealthy (maintenance policy)",
    policy: (g) =>
      Object.assign(g, {
        instanceMaintenancePolicy: { minHealthyPercentage: 100, maxHealthyPercentage: 200 },
        defaultInstanceWarmup: 60,
      }),
    trigger: (a) => sim(a, "SetInstanceHealth", { InstanceId: OLD, HealthStatus: "Unhealthy" }),
  },
  {
    name: "launch before terminating, old Healthy (instance refresh)",
    trigger: (a) =>
      sim(a, "StartInstanceRefresh", {
        AutoScalingGroupName: GROUP,
        Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 110, InstanceWarmup: 60 },
      }),
  },
];

/** Delivers the group's lifecycle events as the rule would, and the reconcile, second by second. */
const drive = async (harness: Harness, env: Record<string, string>, forMs: number) => {
  const account = harness.account;
  const reports: InvocationReport[] = [];
  const events: Array<{ at: number; kind: string }> = [];
  let seen = 0;
  let nextReconcile = account.clock.nowMs() + RECONCILE_MS;
  const end = account.clock.nowMs() + forMs;
  while (account.clock.nowMs() < end) {
    const fresh = account.serviceEvents.slice(seen);
    seen += fresh.length;
    for (const e of fresh) {
      if (!/Lifecycle Action$/.test(e["detail-type"]) || e.detail.AutoScalingGroupName !== GROUP) continue;
      events.push({ at: account.clock.nowMs(), kind: e["detail-type"] });
      reports.push(await harness.invoke("eni-reattach", e, { env }));
    }
    if (account.clock.nowMs() >= nextReconcile) {
      nextReconcile += RECONCILE_MS;
      const tick = JSON.parse(
        readFileSync(join(ROOT, "events/eni-reattach/schedule-reconcile.json"), "utf8"),
      ) as Record<string, unknown>;
      tick.time = new Date(account.clock.nowMs()).toISOString().replace(/\.\d{3}Z$/, "Z");
      reports.push(await harness.invoke("eni-reattach", tick, { env }));
    }
    harness.advance(1000);
  }
  return { reports, events };
};

/** When every ENI of the set first read attached to `instanceId` (simulated ms): the end of that invocation. */
const allAttachedAt = (
  reports: readonly InvocationReport[],
  enis: readonly string[],
  instanceId: string | undefined,
) => {
  const done = reports.find((r) =>
    enis.every((id) => {
      const a = r.after.networkInterfaces[id]?.Attachment;
      return a?.InstanceId === instanceId && a?.Status === "attached";
    }),
  );
  return done === undefined ? undefined : Date.parse(done.after.at);
};

const benchReplacement = async (harness: Harness, delays: Delays) => {
  const out: Record<string, unknown>[] = [];
  for (const scenario of SCENARIOS) {
    const raw = serving(delays, scenario.policy);
    const account = harness.load(raw, { now: START });
    const triggeredAt = account.clock.nowMs();
    await scenario.trigger(account);
    const { reports, events } = await drive(harness, envFor(raw, 3), 15 * 60_000);
    const launchAt = events.find((e) => e.kind === "EC2 Instance-launch Lifecycle Action")?.at;
    const launchContinue = reports.map((r) => continued(r, "fw-launch")).find((c) => c !== undefined);
    const replacement = launchContinue?.input.InstanceId as string | undefined;
    const attachedAt = allAttachedAt(
      reports,
      raw.networkInterfaces.map((e) => e.id),
      replacement,
    );
    const lifecycle = reports
      .flatMap((r) => r.calls)
      .filter((c) => c.operation === "CompleteLifecycleAction");
    out.push({
      scenario: scenario.name,
      decisions: reports.map(decisionOf),
      invocations: reports.length,
      apiCalls: reports.reduce((n, r) => n + r.calls.length, 0),
      byOperation: byOperation(reports),
      abandons: lifecycle.filter((c) => c.input.LifecycleActionResult === "ABANDON").length,
      launchEventToContinueSimMs:
        launchAt === undefined || launchContinue === undefined
          ? undefined
          : Date.parse(launchContinue.at) - launchAt,
      triggerToEnisOnReplacementSimMs: attachedAt === undefined ? undefined : attachedAt - triggeredAt,
    });
  }
  return out;
};

export async function benchEniReattach(): Promise<Record<string, unknown>> {
  const delays = {
    attachMs: Number(process.env.BENCH_ENI_ATTACH_MS ?? 3000),
    detachMs: Number(process.env.BENCH_ENI_DETACH_MS ?? 5000),
  };
  // Each invocation with the packaged timeout: a release needs the detach and attach waits it is sized for.
  const harness = await Harness.start({ functions: FUNCTIONS, clock: "manual", packagedTimeoutMs });
  try {
    return {
      ...delays,
      launch: await benchLaunch(harness, delays),
      replacement: await benchReplacement(harness, delays),
    };
  } finally {
    await harness.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  const out = await benchEniReattach();
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}
