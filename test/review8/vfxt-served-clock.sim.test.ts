import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../sim/harness";
import { CHAOS_START, runTrace } from "../../tools/chaos/driver";
import { vfxtIpMoveModel } from "../../tools/chaos/incidents/vfxt-ip-move";
import type { CapabilityModel, Trace, TraceItem } from "../../tools/chaos/types";
import { startHarness } from "../support/harness";

/**
 * Review 8, finding 5: `served` ("every configured address on exactly one healthy node within grace +
 * detection") is judged only once grace + 22 minutes have passed since the last failure of ANY node of ANY
 * cluster, and 20 minutes since any node became healthy (tools/chaos/incidents/vfxt-ip-move.ts `lastFailure`,
 * `returnsOf`): one clock for the whole account. A node of vfxt-b failing every 20 minutes keeps the check off
 * for vfxt-a, whose terminated node's addresses then stay unserved for hours without a violation.
 *
 * The capability runs in `mode: plan` (no writes), as in test/fixtures/chaos/vfxt-terminate-plan.json, so
 * the addresses of the terminated vfxt-a node are never served again: `served` must break for vfxt-a
 * within grace (60 s) + the status alarm (120 s) + 20 minutes of the termination.
 */

const PLAN = JSON.parse(readFileSync("test/fixtures/chaos/vfxt-terminate-plan.json", "utf8")) as {
  stage: Record<string, unknown>;
};
const model: CapabilityModel = { ...vfxtIpMoveModel, stage: () => PLAN.stage };

const TERMINATE_AT_S = 600;
/** vfxt-b's node churn: stopped every 20 minutes, started 5 minutes later (index 3 among running nodes: b02). */
const churn: TraceItem[] = Array.from({ length: 8 }, (_, k) => [
  { at: (TERMINATE_AT_S + (k + 1) * 1200) * 1000, kind: "incident:stop", params: { node: 3 } },
  { at: (TERMINATE_AT_S + (k + 1) * 1200 + 300) * 1000, kind: "incident:start", params: { node: 0 } },
]).flat();

const trace: Trace = {
  capability: "vfxt-ip-move",
  seed: 8,
  days: 3 / 24,
  variant: "grace-60",
  items: [{ at: TERMINATE_AT_S * 1000, kind: "incident:terminate", params: { node: 0 } }, ...churn],
};

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual", transport: "memory" });
});
afterAll(async () => {
  await harness.close();
});

describe("review 8 finding 5: served judged per address, not on one clock for the account", () => {
  it("review: vfxt-a's addresses unserved for over two hours while vfxt-b's nodes fail every 20 minutes break served", {
    timeout: 120_000,
  }, async () => {
    // Stopped before vfxt-b's churn ends (its last stop is at t+10,200 s): the drain would settle the clock.
    const stopAt = CHAOS_START.getTime() + 10_000_000;
    const run = await runTrace(harness, model, trace, { until: (now) => now >= stopAt });
    // The incidents hit the nodes meant: vfxt-a's a01 terminated, vfxt-b's b02 stopped each time.
    const ids = (operation: string) =>
      harness.account.calls
        .filter((c) => c.requestId === "chaos" && c.operation === operation)
        .flatMap((c) => c.input.InstanceIds as string[]);
    expect(ids("TerminateInstances")).toEqual(["i-0af7c0de000000a01"]);
    expect(new Set(ids("StopInstances"))).toEqual(new Set(["i-0af7c0de000000b02"]));
    expect(
      run.violations.filter((v) => v.invariant === "served" && v.message.includes("vfxt-a")),
    ).not.toEqual([]);
  });
});
