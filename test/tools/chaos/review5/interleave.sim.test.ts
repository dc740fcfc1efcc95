import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../../sim/harness";
import { CHAOS_START, runTrace } from "../../../../tools/chaos/driver";
import { vfxtIpMoveModel } from "../../../../tools/chaos/incidents/vfxt-ip-move";
import type { Trace, TraceItem } from "../../../../tools/chaos/types";
import { startHarness } from "../../../support/harness";

/**
 * Review (session 5) of interleave5's call latency: `callLatency(seed, invocation)` draws an invocation's
 * call latencies from the run's seed and the invocation's **ordinal in the run**. Any earlier change in
 * the number of invocations (a duplicate, a retry, a throttle, an item the shrinker drops) shifts the
 * ordinal of every later invocation and so redraws all their latencies: the same reconcile, hours later,
 * with the same world, interleaves differently. The shrinker (which drops items one at a time) then
 * judges a different run for every candidate, so a failure that depends on an interleaving vanishes or
 * keeps unrelated items, and a replayed minimized trace does not show the interleaving that failed.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

/** The same hour, except what happens to the first delivery (the reconcile at t+300 s). */
const traceWith = (first: TraceItem): Trace => ({
  capability: "vfxt-ip-move",
  seed: 5,
  days: 3_600_000 / 86_400_000,
  variant: "grace-900",
  items: [first],
});

/** Offsets (ms after the reconcile's scheduled time) of the calls the reconcile at `atS` made. */
const callOffsets = async (trace: Trace, atS: number): Promise<Array<[string, number]>> => {
  await runTrace(harness, vfxtIpMoveModel, trace, { stopOnViolation: false });
  const from = CHAOS_START.getTime() + atS * 1000;
  return harness.account.calls
    .filter((c) => {
      const t = Date.parse(c.at ?? "");
      return t >= from && t < from + 60_000;
    })
    .map((c) => [c.operation, Date.parse(c.at ?? "") - from]);
};

describe("review5: interleavings", () => {
  // interleave5 keyed latencies by the delivery's stable identity (deliveryIdentity); drive6 put the driver's
  // steps on the run's grid and gave scheduled events their scheduled time (their id no longer moves).
  it("review: an invocation's call latencies do not change when an earlier, unrelated delivery is duplicated (latency keyed by a stable identity, not the run's ordinal)", {
    timeout: 120_000,
  }, async () => {
    const delayed = await callOffsets(traceWith({ at: 0, kind: "delay", params: { delayMs: 1000 } }), 1200);
    const duplicated = await callOffsets(traceWith({ at: 0, kind: "duplicate", params: {} }), 1200);
    expect(delayed.length).toBeGreaterThan(2);
    expect(duplicated).toEqual(delayed);
  });
});
