import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness, InvocationReport } from "../../sim/harness";
import type { DuringInvocation } from "../../sim/lambda-timeout";
import {
  account,
  configEnv,
  ENIS,
  event,
  instance,
  member,
  NEW,
  OLD,
  where,
} from "../functions/eni-reattach/support";
import type { Fixture } from "../support/fixtures";
import { startHarness } from "../support/harness";

/**
 * review7 (timing): eni-reattach's timeout is sized for its waits (shared budget + detachTimeoutMs 120 s +
 * attachTimeoutMs 60 s + 30 s: 254 s by default), but the wait for a `pending` launch may use all of it
 * but RUNNING_WAIT_RESERVE_MS (20 s: functions/eni-reattach/reattach/handle.ts). The release then starts
 * with ~21 s left, the detach wait is cut short by the deadline, not by detachTimeoutMs, and:
 * - the plain detach is followed by `Force` (functions/eni-reattach/reattach/apply/enis.ts: "stuck" is
 *   whatever is not yet detached when the wait ends, deadline or not), 21 s after it was sent, where the
 *   README promises Force only after the bounded wait; the Force calls go out one by one from the
 *   deadline on, the last one after it (one `expired()` check before the loop, none per call);
 * - the invocation fails retryably with the ENIs detached from the firewall that still carried the traffic
 *   and attached to nothing: Lambda retries a failed asynchronous event after one minute ("How Lambda
 *   handles errors and retries with asynchronous invocation"), the hand-over's gap grows from seconds to
 *   more than a minute.
 * The scenario: a health replacement (the old firewall Unhealthy in Terminating:Wait, still holding the
 * ENIs; the new one in Pending:Wait) whose new instance takes 230 s to run (a large or metal type on an
 * Outpost) and whose ENIs take 25 s to detach (within the 120 s the function allows); every call 300 ms.
 */
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual", transport: "memory" });
});
afterAll(async () => {
  await harness.close();
});

const QUIET_WORLD: DuringInvocation = { next: () => undefined, run: async () => {} };
const helper = createRequire(import.meta.url)("../../tools/serverless-config.cjs") as {
  resolveConfig(input: unknown, meta: { source: string }): { eniReattach: { timeoutSeconds: number } };
};

/**
 * The new instance runs 24 s before the packaged timeout ends (230 s of 254 s when the review was written):
 * the release then starts with about 21 s left, whatever the timeout budget comes to.
 */
const slowReplacement = (timeoutSeconds: number): Fixture => {
  const raw = account();
  Object.assign(raw.behaviour, { pendingToRunningMs: timeoutSeconds * 1000 - 24_000, eniDetachMs: 25_000 });
  Object.assign(instance(raw, NEW), { state: "pending", stateSince: raw.clock.start });
  Object.assign(instance(raw, OLD), { state: "running" });
  delete instance(raw, OLD).stateSince;
  Object.assign(member(raw, OLD), { lifecycleState: "Terminating:Wait", healthStatus: "Unhealthy" });
  return raw;
};

/** The launch event through the real handler, with the function's own packaged timeout. */
const launch = async (): Promise<InvocationReport> => {
  const now = new Date();
  const env = configEnv();
  const timeoutSeconds = helper.resolveConfig(JSON.parse(env.OPS_CONFIG ?? "{}"), { source: "review7" })
    .eniReattach.timeoutSeconds;
  harness.load(slowReplacement(timeoutSeconds), { now });
  return harness.invoke("eni-reattach", event("launch-eventbridge.json", undefined, now), {
    env,
    timeoutMs: timeoutSeconds * 1000,
    latency: () => 300,
    during: QUIET_WORLD,
  });
};

const forcedDetaches = (report: InvocationReport) =>
  report.calls.filter((c) => c.operation === "DetachNetworkInterface" && c.input.Force === true);

describe("review7: eni-reattach's release after a long wait for running", () => {
  it.fails("review: Force follows a plain detach cut short by the invocation's deadline after 21 s, not detachTimeoutMs (120 s), the last Force sent past the deadline", async () => {
    const report = await launch();
    expect(report.calls.some((c) => c.operation === "DetachNetworkInterface")).toBe(true);
    expect(forcedDetaches(report)).toEqual([]);
  });

  it.fails("review: the release starts with 21 s left of the 180 s its waits are sized for: the ENIs leave the old firewall and sit on no instance until Lambda's retry a minute later", async () => {
    const report = await launch();
    expect(report.error).toMatchObject({ retryable: true });
    // After the invocation, before Lambda's retry (60 s later): every ENI on one of the two firewalls.
    harness.advance(30_000);
    expect(ENIS.map((id) => where(harness, id)).filter((w) => w === "available")).toEqual([]);
  });
});
