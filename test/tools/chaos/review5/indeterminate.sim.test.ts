import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultSpec } from "../../../../sim/account/faults";
import type { Harness } from "../../../../sim/harness";
import { CHAOS_START } from "../../../../tools/chaos/driver";
import { generateTrace } from "../../../../tools/chaos/generate";
import { vfxtIpMoveModel } from "../../../../tools/chaos/incidents/vfxt-ip-move";
import { startHarness } from "../../../support/harness";

/**
 * Review (session 5), Jepsen's indeterminate operations: a mutating call can fail (5xx, a timeout, the
 * function frozen at its deadline) **after** AWS applied it. "When you perform a mutating operation, you
 * might see an exception because of timeouts or server issues occurring after the resources are
 * mutated" (Amazon ECS API Reference, "Ensuring idempotency"; the EC2 developer guide's "Ensuring
 * idempotency in Amazon EC2 API requests" says the same of EC2). The retry after a partial success is
 * what the capabilities' idempotency has to survive (REVIEW.md: "retries after partial success").
 * The simulated account answers a fault before it applies the operation, and the interleave5 call gate
 * ends an invocation whose call latency crosses the deadline before the call reaches the account: a
 * campaign only ever produces "failed and not applied".
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const OTHER_ENI = "eni-0af7c0de000000a02";

describe("review5: indeterminate outcomes", () => {
  it("review: a 5xx can come after the change was applied (an api-fault that lands)", async () => {
    const account = harness.load(vfxtIpMoveModel.fixture("grace-900"), { now: CHAOS_START });
    // The fault as the generator would draw it, marked as landing before its error.
    const fault = {
      service: "ec2",
      operation: "AssignPrivateIpAddresses",
      times: 1,
      error: { code: "InternalError", httpStatus: 500 },
      applied: true,
    } as FaultSpec;
    account.faults.add(fault);
    await expect(
      account.dispatch(
        {
          service: "ec2",
          operation: "AssignPrivateIpAddresses",
          region: account.region,
          requestId: "review5",
        },
        { NetworkInterfaceId: OTHER_ENI, PrivateIpAddresses: ["10.20.1.101"], AllowReassignment: true },
      ),
    ).rejects.toThrow(/InternalError|internal/i);
    // The move shows after the remap delay (EC2 reassigns asynchronously: sim/account/ec2-addresses.ts).
    account.advance(account.state().behaviour.privateIpRemapMs);
    const moved = account.state().networkInterfaces.get(OTHER_ENI)?.secondaryPrivateIpAddresses ?? [];
    expect(moved).toContain("10.20.1.101");
  });

  it("review: the generator draws api faults that land before their error", () => {
    const drawn = Array.from({ length: 200 }, (_, s) => generateTrace(vfxtIpMoveModel, s + 1, 1))
      .flatMap((t) => t.items)
      .filter((i) => i.kind === "api-fault");
    expect(drawn.length).toBeGreaterThan(100);
    expect(drawn.some((i) => i.params.applied === true)).toBe(true);
  });
});
