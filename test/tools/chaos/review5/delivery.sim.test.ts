import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../../sim/harness";
import { runTrace } from "../../../../tools/chaos/driver";
import { vfxtIpMoveModel } from "../../../../tools/chaos/incidents/vfxt-ip-move";
import type { Trace } from "../../../../tools/chaos/types";
import { startHarness } from "../../../support/harness";

/**
 * Review (session 5): the delivery model. Lambda's asynchronous queue "is eventually consistent": a
 * function can receive the same event more than once even without an error, and the copy is not ordered
 * with later events (Lambda, "How Lambda handles errors and retries with asynchronous invocation"). The
 * dangerous duplicate is the stale one: a node's `stopping` delivered again after its `running`. The
 * driver's `duplicate` queues both copies at the same due time, so they are always back to back.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const NODE = "i-0af7c0de000000a01";
const trace: Trace = {
  capability: "vfxt-ip-move",
  seed: 11,
  days: 1_800_000 / 86_400_000,
  variant: "grace-900",
  items: [
    { at: 300_000, kind: "incident:stop", params: { node: 0 } },
    { at: 300_000, kind: "duplicate", params: { copyDelayMs: 600_000 } },
    { at: 420_000, kind: "incident:start", params: { node: 0 } },
  ],
};

const stateOf = (event: unknown): string | undefined => {
  const detail = (event as { detail?: { "instance-id"?: string; state?: unknown } }).detail;
  return detail?.["instance-id"] === NODE && typeof detail.state === "string" ? detail.state : undefined;
};

describe("review5: delivery faults", () => {
  // interleave5: the driver queues a duplicate's copy `copyDelayMs` later; the generator draws it
  // (delivery.test.ts). Before, the late copy met vfxt-ip-move busy waiting its 900 s grace, was throttled,
  // and vanished with the run's end: drive6's drain delivers it, and ops6's status alarms (evaluated from
  // their datapoints, each state change an event) reorder the throttled queue, so the stale `stopping`
  // arrives after `running`.
  it("review: a duplicated event can arrive after newer events (a stale `stopping` after `running`), not only back to back", {
    timeout: 120_000,
  }, async () => {
    const run = await runTrace(harness, vfxtIpMoveModel, trace, { stopOnViolation: false });
    const states = run.delivered.map((d) => stateOf(d.event));
    expect(states.filter((s) => s === "stopping")).toHaveLength(2);
    expect(states.lastIndexOf("stopping")).toBeGreaterThan(states.indexOf("running"));
  });
});
