import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../sim/harness";
import type { DuringInvocation } from "../../sim/lambda-timeout";
import {
  account,
  completions,
  configEnv,
  ENIS,
  eni,
  event,
  lifecycleState,
  NEW,
} from "../functions/eni-reattach/support";
import { startHarness } from "../support/harness";

/**
 * review7 (timing): idle-hibernate now refuses a StopInstances after its deadline, but eni-reattach's
 * CompleteLifecycleAction has no deadline gate at all (functions/eni-reattach/reattach/apply/lifecycle.ts:
 * the executor sends it whatever time is left; only the ENI pools check `deadline.expired()`). Every call
 * here takes 300 ms (a realistic round trip), and Auto Scaling answers the completion in 1.2 s more: the
 * completion starts after the deadline (timeout 5 s, deadline 3.5 s), CONTINUE lands (the instance leaves
 * Pending:Wait), and Lambda ends the invocation before the read-back and the report. Auto Scaling
 * documents CompleteLifecycleAction as final ("Complete a lifecycle action"); the toolkit's own record of
 * the hand-over (the action event, the handOverMs) is lost, and the retry only finds "no active action".
 */
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual", transport: "memory" });
});
afterAll(async () => {
  await harness.close();
});

/**
 * The account with the firewall's ENIs already free (an operator detached them): the launch needs no
 * release, which eni-reattach puts off unless the detach and attach waits fit (review7 F5), so the
 * invocation reaches the completion within a few seconds.
 */
const freeEnis = () => {
  const raw = account();
  for (const id of ENIS) delete eni(raw, id).attachment;
  return raw;
};

/** No world beside the invocation; given so that a fault's latency is waited on simulated time. */
const QUIET_WORLD: DuringInvocation = { next: () => undefined, run: async () => {} };

describe("review7: eni-reattach completes the lifecycle action after its deadline", () => {
  it("review: CompleteLifecycleAction is not started after the invocation's deadline, so no completion lands that Lambda's timeout keeps from being read back and reported", async () => {
    const now = new Date();
    harness.load(freeEnis(), { now });
    harness.account.faults.add({
      service: "autoscaling",
      operation: "CompleteLifecycleAction",
      latencyMs: 1_200,
      times: 1,
    });
    const report = await harness.invoke("eni-reattach", event("launch-eventbridge.json", undefined, now), {
      env: configEnv(),
      timeoutMs: 5_000,
      latency: () => 300,
      during: QUIET_WORLD,
    });
    const landed = lifecycleState(harness, NEW) !== "Pending:Wait";
    // Either CONTINUE is not started this late (a retryable deadline error: the retry completes and
    // reports), or the invocation that sent it lives to read it back and report it.
    expect({ landed, sent: completions(report).length, timedOut: report.timedOut ?? false }).not.toEqual({
      landed: true,
      sent: 1,
      timedOut: true,
    });
  });

  /** The launch of the test above, every call 300 ms, with this Lambda timeout (deadline 1.5 s before it). */
  const launchWithTimeout = (timeoutMs: number) => {
    const now = new Date();
    harness.load(freeEnis(), { now });
    return harness.invoke("eni-reattach", event("launch-eventbridge.json", undefined, now), {
      env: configEnv(),
      timeoutMs,
      latency: () => 300,
      during: QUIET_WORLD,
    });
  };

  it("CONTINUE is not started with less than one attempt's time (connection + request timeout, 4 s) before the deadline: left for the retry", async () => {
    // Timeout 7 s, deadline 5.5 s: the completion's turn comes about 3.5 s in, 2 s before the deadline.
    const report = await launchWithTimeout(7_000);
    expect(completions(report)).toEqual([]);
    expect(lifecycleState(harness, NEW)).toBe("Pending:Wait");
    expect(report.timedOut ?? false).toBe(false);
    expect(report.error).toMatchObject({ name: "DeadlineExceededError", retryable: true });
  });

  it("with the time for its attempt (timeout 10 s: 5 s left at its turn) CONTINUE is sent and lands", async () => {
    const report = await launchWithTimeout(10_000);
    expect(completions(report)).toEqual([{ result: "CONTINUE", outcome: "ok", code: undefined }]);
    expect(lifecycleState(harness, NEW)).not.toBe("Pending:Wait");
    expect(report.error).toBeUndefined();
  });
});
