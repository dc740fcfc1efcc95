import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness, HarnessTransport } from "../../../sim/harness";
import { type RunResult, runTrace } from "../../../tools/chaos/driver";
import { generateTrace } from "../../../tools/chaos/generate";
import { idleHibernateModel } from "../../../tools/chaos/incidents/idle-hibernate";
import { vfxtIpMoveModel } from "../../../tools/chaos/incidents/vfxt-ip-move";
import type { Trace } from "../../../tools/chaos/types";
import { startHarness } from "../../support/harness";

/**
 * The driver's interleavings (issue 14): deliveries to a function already at its reserved concurrency are
 * throttled and retried as Lambda's asynchronous queue does; deliveries of different functions due together
 * run concurrently; a run stays a function of its seed.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual", transport: "memory" });
});
afterAll(async () => {
  await harness.close();
});

const HOUR = 3_600_000;

describe("reserved concurrency 1: a delivery while the function runs is throttled", () => {
  // Node a01 stops; vfxt-ip-move waits its 900 s grace in the invocation; meanwhile b02 fails its status check.
  const trace: Trace = {
    capability: "vfxt-ip-move",
    seed: 5,
    days: 3 / 24,
    variant: "grace-900",
    items: [
      { at: HOUR, kind: "incident:stop", params: { node: 0 } },
      { at: HOUR + 120_000, kind: "incident:status-check-failed", params: { node: 3, check: "instance" } },
    ],
  };

  it("Lambda retries it 1 s, 2 s, 4 s … later (at most 5 minutes apart) until the function is free; it is then delivered", {
    timeout: 120_000,
  }, async () => {
    const result = await runTrace(harness, vfxtIpMoveModel, trace);
    expect(result.violations).toEqual([]);
    const throttled = result.log.filter((l) => l.includes("throttled (reserved concurrency 1)"));
    const alarm = throttled.filter((l) => l.includes("CloudWatch Alarm State Change"));
    expect(alarm.map((l) => /retried at \+(\d+)s/.exec(l)?.[1]).slice(0, 5)).toEqual([
      "1",
      "2",
      "4",
      "8",
      "16",
    ]);
    expect(result.stats.throttled).toBe(throttled.length);
    // Throttles are not function errors: no retry attempt is used, nothing is kept.
    expect(result.stats).toMatchObject({ retried: 0, kept: 0 });
    const alarmDelivered = result.delivered.filter((d) =>
      JSON.stringify(d.event).includes("ops-vfxt-status-i-0af7c0de000000b02"),
    );
    // Delivered once, as its first attempt, once the invocation waiting a01's grace had ended.
    expect(alarmDelivered).toHaveLength(1);
    expect(alarmDelivered[0]?.attempt).toBe(0);
    expect(alarmDelivered[0]?.at).toBeGreaterThan(HOUR + 900_000);
    expect(alarmDelivered[0]?.outcome).not.toMatch(/error|timed out/);
  });
});

describe("concurrent functions", () => {
  const trace = generateTrace(idleHibernateModel, 1, 1);
  const runAlone = async (transport: HarnessTransport): Promise<RunResult> => {
    const own = await startHarness({ clock: "manual", transport });
    try {
      return await runTrace(own, idleHibernateModel, trace);
    } finally {
      await own.close();
    }
  };
  const events = (r: RunResult) => r.delivered.map((d) => [d.at, d.function, d.attempt, d.via, d.outcome]);

  it("idle-hibernate and idle-alarms due together run concurrently; the same seed gives the same run on both transports", {
    timeout: 300_000,
  }, async () => {
    const first = await runAlone("memory");
    const second = await runAlone("memory");
    const wire = await runAlone("loopback");
    expect(first.stats.concurrent).toBeGreaterThan(0);
    expect(new Set(first.delivered.map((d) => d.function))).toEqual(
      new Set(["idle-hibernate", "idle-alarms"]),
    );
    for (const other of [second, wire]) {
      expect(other.log).toEqual(first.log);
      expect(events(other)).toEqual(events(first));
      expect(other.stats).toEqual(first.stats);
    }
  });
});
