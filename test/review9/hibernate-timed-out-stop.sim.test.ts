import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../sim/harness";
import { CHAOS_START, type RunResult, runTrace } from "../../tools/chaos/driver";
import { idleHibernateModel } from "../../tools/chaos/incidents/idle-hibernate";
import type { Trace } from "../../tools/chaos/types";
import { startHarness } from "../support/harness";

/**
 * Review 9, finding 1 (safety: blast radius; correctness: reporting). A hibernate `StopInstances` whose
 * every SDK attempt meets the request timeout (3 s, `aws.requestTimeoutMs`) while EC2 is slow: the first
 * attempt lands (the instance goes `stopping`, StateReason `Client.UserInitiatedHibernate`), its answer is
 * abandoned, and each retry meets `IncorrectInstanceState` — which is abandoned too. After `aws.maxAttempts`
 * (5) the SDK surfaces a `TimeoutError`; `functions/idle-hibernate/hibernate/apply/stop.ts` `sendStop`
 * rethrows it as retryable before `landedHibernations`/`tagRequests` run, so the invocation fails with no
 * request tag written. Lambda's retry a minute later finds the instance stopping/stopped, plans nothing
 * ("nothing-to-do"), and idle-alarms ignores its stopped event ("ignored-not-requested").
 *
 * Sources: EC2 API Reference, "Ensuring idempotency in Amazon EC2 API requests" (a request may time out on
 * the client after it mutated the resource; StopInstances takes no ClientToken); AWS SDKs and Tools
 * Reference Guide, "Retry behavior" (read timeouts retried, max attempts); @smithy/node-http-handler
 * `setRequestTimeout` (the attempt ends at requestTimeout with `TimeoutError`).
 *
 * Consequence for an operator: the hibernation is never reported (no result, no metric) and is not counted
 * by the blast-radius window (`observe.ts` counts `ops:hibernation-requested` tags), so the next reconciles
 * may hibernate more instances than `blastRadiusWindow.maxInstances` allows. The campaign cannot draw this:
 * `generate.ts` `apiFault` draws `api-latency` with `times` 1–3, below `maxAttempts` 5, so some attempt
 * always gets a fast answer (the control case below).
 *
 * Fixed (`apply/stop.ts` `stopOrFindLanded`): a hibernate batch that fails retryably is read back; when
 * every instance is hibernating (stopping for a hibernation after the plan saw it running: our request),
 * the invocation goes on with them accepted (tagged, read back, reported); otherwise those that are get the
 * request tag and the error is rethrown for the event's retry.
 */

const HAPPY = "i-0123456789abcdef0";
const REQUEST_TAG = "ops:hibernation-requested";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual", transport: "memory" });
});
afterAll(async () => {
  await harness.close();
});

const run = (times: number): Promise<RunResult> => {
  const trace: Trace = {
    capability: "idle-hibernate",
    seed: 1,
    days: 3_600_000 / 86_400_000,
    variant: "demo",
    items: [
      {
        at: 50_000,
        kind: "api-latency",
        params: { service: "ec2", operation: "StopInstances", latencyMs: 5_000, times },
      },
      // pick 0: the first instance whose idle alarm is not in ALARM (build-runner-01, HAPPY).
      { at: 60_000, kind: "incident:goes-idle", params: { pick: 0 } },
    ],
  };
  const stopAt = CHAOS_START.getTime() + 600_000;
  return runTrace(harness, idleHibernateModel, trace, {
    stopOnViolation: false,
    until: (now) => now >= stopAt,
  });
};

const hibernated = () => {
  const instance = harness.account.state().instances.get(HAPPY);
  return {
    state: instance?.state,
    reason: instance?.stateReason?.code,
    requestTagged: instance?.tags.has(REQUEST_TAG) ?? false,
  };
};

describe("review 9 finding 1: a hibernation whose every StopInstances attempt timed out", () => {
  it("review: the landed hibernation is tagged as requested (counted by the blast-radius window) once the event's retry has run", {
    timeout: 120_000,
  }, async () => {
    const result = await run(5);
    // The first attempt landed; every answer was abandoned at the request timeout.
    expect(hibernated()).toMatchObject({ state: "stopped", reason: "Client.UserInitiatedHibernate" });
    const stops = harness.account.calls.filter((c) => c.operation === "StopInstances");
    expect(stops.map((c) => [c.outcome, c.error?.code, c.latencyMs])).toEqual([
      ["ok", undefined, 5_000],
      ...Array.from({ length: 4 }, () => ["error", "IncorrectInstanceState", 5_000]),
    ]);
    // Every answer was abandoned, yet the invocation read the instance back and reported the hibernation.
    expect(
      result.log.some((l) => /idle-hibernate ← CloudWatch Alarm State Change .* ALARM: hibernate$/.test(l)),
    ).toBe(true);
    expect(hibernated().requestTagged).toBe(true);
    expect(result.violations).toEqual([]);
  });

  it("review (control): with 3 slow attempts (the campaign's most), the 4th answers IncorrectInstanceState and the stop is read back, tagged", {
    timeout: 120_000,
  }, async () => {
    const result = await run(3);
    expect(hibernated()).toMatchObject({
      state: "stopped",
      reason: "Client.UserInitiatedHibernate",
      requestTagged: true,
    });
    expect(result.violations).toEqual([]);
  });
});
