/**
 * eni-reattach: the launch path, measured against the simulated account (in-process, loopback wire).
 *
 * The firewall group of test/fixtures/accounts/eni-reattach.json (three multi-VPC ENIs) is replaced: the real
 * handler takes the EventBridge launch lifecycle event and runs until CONTINUE. Reported per case: the
 * API calls (by operation), the simulated time from the event to the CompleteLifecycleAction call (the
 * account's clock follows real time in the harness, so the asynchronous detach and attach are in it)
 * and the wall time. Cases: the old instance terminating (detach, wait, attach) or already gone (attach
 * only), with 1 to 3 ENIs.
 *
 * `benchEniReattach()` is for `npm run bench` (bench/run.ts); `npx tsx bench/eni-reattach.ts` runs it alone.
 * Knobs: BENCH_ENI_ATTACH_MS (default 300), BENCH_ENI_DETACH_MS (default 400): the simulated delays.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FUNCTIONS } from "../functions/index";
import { Harness } from "../sim/harness";

interface Case {
  oldInstance: "terminating" | "gone";
  interfaces: 1 | 2 | 3;
}

const CASES: Case[] = [
  { oldInstance: "gone", interfaces: 1 },
  { oldInstance: "gone", interfaces: 3 },
  { oldInstance: "terminating", interfaces: 1 },
  { oldInstance: "terminating", interfaces: 3 },
];

const ROOT = join(import.meta.dirname, "..");
type Raw = Record<string, unknown> & {
  behaviour: Record<string, unknown>;
  instances: { id: string }[];
  networkInterfaces: { id: string; tags: Record<string, string>; attachment?: unknown }[];
  autoScalingGroups: { instances: { instanceId: string }[] }[];
};

const fixtureFor = (c: Case, attachMs: number, detachMs: number): Raw => {
  const raw = JSON.parse(readFileSync(join(ROOT, "test/fixtures/accounts/eni-reattach.json"), "utf8")) as Raw;
  Object.assign(raw.behaviour, { eniAttachMs: attachMs, eniDetachMs: detachMs });
  raw.networkInterfaces = raw.networkInterfaces.slice(0, c.interfaces);
  if (c.oldInstance === "gone") {
    const old = raw.instances[0]?.id;
    raw.instances = raw.instances.filter((i) => i.id !== old);
    for (const eni of raw.networkInterfaces) delete eni.attachment;
    for (const group of raw.autoScalingGroups)
      group.instances = group.instances.filter((m) => m.instanceId !== old);
  }
  return raw;
};

const launchEvent = (): Record<string, unknown> => {
  const event = JSON.parse(
    readFileSync(join(ROOT, "events/eni-reattach/launch-eventbridge.json"), "utf8"),
  ) as Record<string, unknown>;
  event.time = `${new Date().toISOString().slice(0, 19)}Z`;
  return event;
};

export async function benchEniReattach(): Promise<Record<string, unknown>> {
  const attachMs = Number(process.env.BENCH_ENI_ATTACH_MS ?? 300);
  const detachMs = Number(process.env.BENCH_ENI_DETACH_MS ?? 400);
  const harness = await Harness.start({ functions: FUNCTIONS });
  const results: Record<string, unknown>[] = [];
  try {
    // One untimed invocation first: the handler's module load and cold start are not the launch path.
    harness.load(fixtureFor({ oldInstance: "gone", interfaces: 1 }, attachMs, detachMs));
    await harness.invoke("eni-reattach", launchEvent());
    for (const c of CASES) {
      const account = harness.load(fixtureFor(c, attachMs, detachMs));
      const eventAt = account.clock.nowMs();
      const report = await harness.invoke("eni-reattach", launchEvent());
      if (report.error !== undefined) throw report.error;
      const result = report.result as { decision: string };
      const complete = report.calls.find((call) => call.operation === "CompleteLifecycleAction");
      const byOperation: Record<string, number> = {};
      for (const call of report.calls) byOperation[call.operation] = (byOperation[call.operation] ?? 0) + 1;
      results.push({
        oldInstance: c.oldInstance,
        interfaces: c.interfaces,
        decision: result.decision,
        apiCalls: report.calls.length,
        writeCalls: report.calls.filter((call) => !/^(Describe|Search|Get)/.test(call.operation)).length,
        byOperation,
        /** Simulated ms from the event (harness load) to the CONTINUE call. */
        eventToContinueSimMs: complete !== undefined ? Date.parse(complete.at) - eventAt : undefined,
        wallMs: Math.round(report.durationMs),
      });
    }
  } finally {
    await harness.close();
  }
  return { attachMs, detachMs, cases: results };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  const out = await benchEniReattach();
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}
