import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness, HarnessTransport } from "../../../sim/harness";
import { readTrace } from "../../../tools/chaos/artifacts";
import { runCapability } from "../../../tools/chaos/campaign";
import { type RunResult, runTrace } from "../../../tools/chaos/driver";
import { generateTrace } from "../../../tools/chaos/generate";
import { eniReattachModel } from "../../../tools/chaos/incidents/eni-reattach";
import { shrinkTrace } from "../../../tools/chaos/shrink";
import type { CapabilityModel, Trace } from "../../../tools/chaos/types";
import { startHarness } from "../../support/harness";

/**
 * The chaos driver on the simulated account: a run is a function of its trace, a planted violation is
 * found, shrunk to the incident it needs and written out as a replayable trace with its events.
 */

let harness: Harness;
let out: string;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
  out = mkdtempSync(join(tmpdir(), "chaos-"));
});
afterAll(async () => {
  await harness.close();
  rmSync(out, { recursive: true, force: true });
});

/** eni-reattach with a planted invariant: "the ENIs are never attached to a new instance". */
const planted: CapabilityModel = {
  ...eniReattachModel,
  checker: (world, variant) => {
    const real = eniReattachModel.checker(world, variant);
    return {
      ...real,
      invocation: (report) => [
        ...real.invocation(report),
        ...report.calls
          .filter((c) => c.operation === "AttachNetworkInterface" && c.outcome === "ok")
          .map((c) => ({ invariant: "planted", message: `${String(c.input.NetworkInterfaceId)} attached` })),
      ],
    };
  },
};

/** A trace whose only replacement is its third incident, among faults and harmless scale-outs. */
const plantedTrace = (): Trace => {
  const base = generateTrace(eniReattachModel, 11, 1);
  return {
    ...base,
    variant: "terminate-then-launch",
    items: [
      { at: 3_600_000, kind: "incident:scale-in", params: {} },
      { at: 3_700_000, kind: "drop", params: {} },
      { at: 7_200_000, kind: "incident:unhealthy", params: { pick: 0 } },
      {
        at: 7_260_000,
        kind: "api-fault",
        params: {
          service: "ec2",
          operation: "DescribeInstances",
          code: "RequestLimitExceeded",
          httpStatus: 503,
          times: 1,
        },
      },
      { at: 10_800_000, kind: "incident:scale-in", params: {} },
    ],
  };
};

describe("chaos driver", () => {
  it("same trace, same run: the log, the deliveries and the counts are equal", {
    timeout: 120_000,
  }, async () => {
    const trace = generateTrace(eniReattachModel, 3, 1);
    const first = await runTrace(harness, eniReattachModel, trace);
    const second = await runTrace(harness, eniReattachModel, trace);
    expect(second.log).toEqual(first.log);
    expect(second.stats).toEqual(first.stats);
    // To the millisecond: a run does not depend on the machine's load (the SDK's real zero-delay retry
    // timer is held on simulated time; docs/chaos.md, "Determinism").
    const deliveries = (run: typeof first) => run.delivered.map((d) => [d.at, d.function, d.outcome]);
    expect(deliveries(second)).toEqual(deliveries(first));
    expect(first.stats.simulatedMs).toBe(86_400_000);
    // The scheduled reconciles run (collapsed to one an hour while nothing happens).
    expect(first.delivered.filter((d) => d.via.startsWith("schedule")).length).toBeGreaterThanOrEqual(24);
  });

  it("finds a planted violation and shrinks the trace to the replacement it needs", {
    timeout: 300_000,
  }, async () => {
    const result = await runTrace(harness, planted, plantedTrace());
    expect(result.violations[0]?.invariant).toBe("planted");
    const shrunk = await shrinkTrace(
      plantedTrace(),
      async (t) => (await runTrace(harness, planted, t)).violations,
    );
    expect(shrunk.trace.items).toEqual([{ at: 7_200_000, kind: "incident:unhealthy", params: { pick: 0 } }]);
    expect(shrunk.trace.days).toBe(1);
    expect(shrunk.violations[0]?.invariant).toBe("planted");
  });

  it("a campaign writes the shrunk violation as a replayable trace with its account and events", {
    timeout: 300_000,
  }, async () => {
    const found = await runCapability(harness, planted, { days: 1, seed: 0, runDays: 1, out });
    const violation = found.violations[0];
    expect(violation).toMatchObject({ seed: 0, invariant: "planted" });
    expect(violation?.shrunkTo).toBeLessThanOrEqual(violation?.items ?? 0);
    const dir = violation?.artifacts ?? "";
    const trace = readTrace(join(dir, "trace.json"));
    // One incident: a trace item or a race (an incident inside an invocation, tools/chaos/interleave.ts).
    expect(trace.items.filter((i) => i.kind.startsWith("incident:") || i.kind === "race").length).toBe(1);
    expect(JSON.parse(readFileSync(join(dir, "fixture.json"), "utf8"))).toEqual(
      planted.fixture(trace.variant),
    );
    const events = JSON.parse(readFileSync(join(dir, "events.json"), "utf8")) as Array<{ function: string }>;
    expect(events.map((e) => e.function)).toContain("eni-reattach");
    expect(readFileSync(join(dir, "report.txt"), "utf8")).toMatch(/VIOLATION planted/);
    // Replaying the written trace breaks the invariant again.
    expect((await runTrace(harness, planted, trace)).violations[0]?.invariant).toBe("planted");
  });
});

describe("chaos driver: transports", () => {
  const trace = generateTrace(eniReattachModel, 15, 1);
  const runAlone = async (transport: HarnessTransport) => {
    const own = await startHarness({ clock: "manual", transport });
    try {
      return await runTrace(own, eniReattachModel, trace);
    } finally {
      await own.close();
    }
  };
  const events = (r: RunResult) => r.delivered.map((d) => [d.at, d.function, d.attempt, d.via, d.outcome]);

  it("a seed runs the same twice in memory and over loopback HTTP after other runs: log, events, counts", {
    timeout: 300_000,
  }, async () => {
    const first = await runAlone("memory");
    const second = await runAlone("memory");
    // The file's loopback harness has run other traces: a run is a cold start, it inherits nothing.
    const wire = await runTrace(harness, eniReattachModel, trace);
    expect(first.log.some((line) => line.includes("api-fault"))).toBe(true);
    expect(first.delivered.length).toBeGreaterThan(20);
    for (const other of [second, wire]) {
      expect(other.log).toEqual(first.log);
      expect(events(other)).toEqual(events(first));
      expect(other.stats).toEqual(first.stats);
    }
  });
});

describe("chaos campaign: wall-clock budget", () => {
  it("starts no run once its minutes are used up, and says so", async () => {
    const totals = await runCapability(harness, eniReattachModel, {
      days: 5,
      seed: 1,
      runDays: 1,
      minutes: 0,
    });
    expect(totals).toMatchObject({ runs: 0, days: 0, stoppedByTime: true, violations: [] });
  });
});

describe("chaos driver: delivery", () => {
  const replacement = (items: Trace["items"]): Trace => ({
    capability: "eni-reattach",
    seed: 0,
    days: 0.25,
    variant: "terminate-then-launch",
    items: [{ at: 3_600_000, kind: "incident:unhealthy", params: { pick: 0 } }, ...items],
  });

  it("a lost lifecycle event is counted, and the reconcile still hands the ENIs over", {
    timeout: 120_000,
  }, async () => {
    const result = await runTrace(
      harness,
      eniReattachModel,
      replacement([{ at: 3_600_000, kind: "drop", params: {} }]),
    );
    expect(result.stats.lostByFault).toBe(1);
    expect(result.log.some((l) => /delivery fault drop .* Lifecycle Action/.test(l))).toBe(true);
    expect(result.violations).toEqual([]);
    expect(result.delivered.some((d) => d.via.startsWith("schedule") && d.outcome !== "nothing-to-do")).toBe(
      true,
    );
  });

  it("a duplicated event is delivered twice; a delayed one later", { timeout: 120_000 }, async () => {
    const duplicated = await runTrace(
      harness,
      eniReattachModel,
      replacement([{ at: 3_600_000, kind: "duplicate", params: {} }]),
    );
    const idOf = (event: unknown) => (event as { id?: string }).id;
    const first = duplicated.delivered.find((d) => !d.via.startsWith("schedule"));
    expect(duplicated.delivered.filter((d) => idOf(d.event) === idOf(first?.event))).toHaveLength(2);
    const delayed = await runTrace(
      harness,
      eniReattachModel,
      replacement([{ at: 3_600_000, kind: "delay", params: { delayMs: 600_000 } }]),
    );
    // `at` is when an invocation ended: the delayed one ends at least 600 s after the incident emitted it.
    const late = delayed.delivered.filter((d) => !d.via.startsWith("schedule"));
    expect(late.some((d) => d.at >= 3_600_000 + 600_000)).toBe(true);
    expect(
      late.every((d) => d.at >= 3_600_000 + 600_000 || !/TERMINATING/.test(JSON.stringify(d.event))),
    ).toBe(true);
    expect(delayed.violations).toEqual([]);
  });

  it("an invocation that keeps failing is retried twice, 1 and 2 minutes later, then kept", {
    timeout: 120_000,
  }, async () => {
    const trace = replacement([
      {
        at: 3_590_000,
        kind: "api-fault",
        params: {
          service: "autoscaling",
          operation: "DescribeAutoScalingInstances",
          code: "InternalFailure",
          httpStatus: 500,
          times: 1000,
        },
      },
    ]);
    const result = await runTrace(harness, eniReattachModel, { ...trace, days: 4_200_000 / 86_400_000 });
    const idOf = (event: unknown) => (event as { id?: string }).id;
    const failed = result.delivered.find((d) => !d.via.startsWith("schedule") && /^error/.test(d.outcome));
    const attempts = result.delivered.filter((d) => idOf(d.event) === idOf(failed?.event));
    expect(attempts.map((d) => d.attempt)).toEqual([0, 1, 2]);
    const [a0, a1, a2] = attempts.map((d) => d.at);
    expect((a1 ?? 0) - (a0 ?? 0)).toBeGreaterThanOrEqual(60_000);
    expect((a2 ?? 0) - (a1 ?? 0)).toBeGreaterThanOrEqual(120_000);
    expect(result.stats.kept).toBeGreaterThan(0);
    expect(result.log.some((l) => l.includes("kept by the on-failure queue"))).toBe(true);
  });
});
