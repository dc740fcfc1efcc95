import { afterEach, describe, expect, it } from "vitest";
import type { Harness } from "../../../../sim/harness";
import { runTrace } from "../../../../tools/chaos/driver";
import { vfxtIpMoveModel } from "../../../../tools/chaos/incidents/vfxt-ip-move";
import { call, startMutantHarness, traceOf } from "../review/mutants";

/**
 * Review (session 5): vfxt `no-move-from-healthy` judges an invocation's writes against the state taken
 * when the invocation **started** (`beforeInvocation`). The world moves during an invocation (incidents
 * during its sleeps on main; between its calls with interleave5's call latency), and the grace is exactly
 * such a stretch. Mutant: plans the move when the node's `stopping` event arrives, sleeps the grace, then
 * moves the node's addresses without looking again. The node was started again during the grace and is
 * healthy and serving when its addresses are taken: the race the grace exists for, and a move off a
 * healthy node with rebalance off. The checker sees the node as failed (its `before`) and stays silent.
 */

const NODE = "i-0af7c0de000000a01";
const NODE_ENI = "eni-0af7c0de000000a01";
const OTHER_ENI = "eni-0af7c0de000000a02";
/** Most of the 900 s grace (the Lambda timeout is 900 s too). */
const WAIT_MS = 600_000;

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const stoppingOf = (event: unknown): boolean => {
  const detail = (event as { detail?: { "instance-id"?: string; state?: string } }).detail;
  return detail?.["instance-id"] === NODE && detail.state === "stopping";
};

describe("review5: vfxt invariants", () => {
  it("review: addresses taken from a node that came back during the grace (plan made before the grace, applied after) break no-move-from-healthy", {
    timeout: 300_000,
  }, async () => {
    let moved = false;
    harness = await startMutantHarness(
      "vfxt-ip-move",
      ({ real, clock, account }) =>
        async (event, context) => {
          if (moved || !stoppingOf(event)) return real(event, context);
          moved = true;
          const planned = [
            ...(account().state().networkInterfaces.get(NODE_ENI)?.secondaryPrivateIpAddresses ?? []),
          ];
          await clock.sleep(WAIT_MS);
          await call(account(), "ec2", "AssignPrivateIpAddresses", {
            NetworkInterfaceId: OTHER_ENI,
            PrivateIpAddresses: planned,
            AllowReassignment: true,
          });
          return { decision: "moved", addresses: planned };
        },
    );
    const run = await runTrace(
      harness,
      vfxtIpMoveModel,
      traceOf("vfxt-ip-move", "grace-900", 1, [
        { at: 600_000, kind: "incident:stop", params: { node: 0 } },
        { at: 780_000, kind: "incident:start", params: { node: 0 } },
      ]),
      { stopOnViolation: false },
    );
    const assign = harness.account.calls.find(
      (c) => c.operation === "AssignPrivateIpAddresses" && c.requestId === "review-mutant",
    );
    expect(assign?.outcome).toBe("ok");
    // When the mutant moved them, the node was running again (started 2 minutes into the grace).
    expect(run.log.some((l) => /^t\+780s incident start .*pending/.test(l))).toBe(true);
    expect(harness.account.state().instances.get(NODE)?.state).toBe("running");
    expect(run.violations.map((v) => v.invariant)).toContain("no-move-from-healthy");
  });
});
