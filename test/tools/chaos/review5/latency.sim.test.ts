import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../../sim/harness";
import { runTrace } from "../../../../tools/chaos/driver";
import { vfxtIpMoveModel } from "../../../../tools/chaos/incidents/vfxt-ip-move";
import type { Trace } from "../../../../tools/chaos/types";
import { startHarness } from "../../../support/harness";

/**
 * Review (session 5): a slow call (`api-latency`) moves the account's clock forward in one jump inside the
 * call (sim/account/account.ts `clock.advance(fault.latencyMs)`), not as a wait on the simulated clock. The
 * world stands still meanwhile: an incident due during the slow call is applied after the invocation, at
 * a later time than the trace says, and the invocation's deadline and the other invocations (interleave5)
 * do not see the wait as one.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

/**
 * The reconcile at t+300 s meets a 20 s DescribeInstances; a node stops 2 s into that call (the client's
 * 3 s request timeout abandons the call at t+303 s: review 8, finding 6).
 */
const trace: Trace = {
  capability: "vfxt-ip-move",
  seed: 7,
  days: 900_000 / 86_400_000,
  variant: "grace-900",
  items: [
    {
      at: 290_000,
      kind: "api-latency",
      params: { service: "ec2", operation: "DescribeInstances", latencyMs: 20_000, times: 1 },
    },
    { at: 302_000, kind: "incident:stop", params: { node: 0 } },
  ],
};

describe("review5: call latency", () => {
  it("review: an incident due while a call is slow happens at its time (a call's latency is a wait on the simulated clock)", {
    timeout: 120_000,
  }, async () => {
    const run = await runTrace(harness, vfxtIpMoveModel, trace, { stopOnViolation: false });
    const slow = harness.account.calls.find((c) => c.latencyMs !== undefined);
    expect(slow?.operation).toBe("DescribeInstances");
    expect(run.log.find((l) => l.includes("incident stop"))).toMatch(/^t\+302s /);
  });
});
