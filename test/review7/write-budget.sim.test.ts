import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HibernateResult } from "../../functions/idle-hibernate/hibernate/report";
import { DeadlineExceededError } from "../../shared/runtime/errors";
import type { Harness, InvocationReport } from "../../sim/harness";
import type { DuringInvocation } from "../../sim/lambda-timeout";
import { demoFixture, readEvent } from "../support/fixtures";
import { startHarness } from "../support/harness";

/**
 * review7 (timing): a write is gated on `deadline.expired()` only, but one attempt of a call may take
 * `aws.connectionTimeoutMs + aws.requestTimeoutMs` (1 s + 3 s by default) while only
 * `aws.deadlineSafetyMs` (1.5 s) separates the deadline from Lambda's timeout. A write started shortly
 * before the deadline, answered within the SDK's request timeout, lands after the Lambda's time is over:
 * Lambda ends the invocation ("Task timed out"), the change is in AWS, nothing is read back or reported.
 * No world runs beside the invocation here, but `during` is given so that a fault's latency is waited
 * by the invocation on simulated time (its timeout may fall inside it) instead of jumping the clock.
 */
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual", transport: "memory" });
});
afterAll(async () => {
  await harness.close();
});

const QUIET_WORLD: DuringInvocation = { next: () => undefined, run: async () => {} };
const ALARM_EVENT = "events/idle-hibernate/alarm-eventbridge.json";
const HAPPY = "i-0123456789abcdef0";
const stops = (report: InvocationReport) => report.calls.filter((c) => c.operation === "StopInstances");

describe("review7: a write started with less time left than one attempt takes", () => {
  it("review: idle-hibernate starts StopInstances 0.2 s before its deadline; answered in 1.9 s (within requestTimeoutMs 3000) it lands after the Lambda timeout and the hibernation is never reported", async () => {
    harness.load(demoFixture());
    // Timeout 6 s, deadline 4.5 s in: the instance and route reads answer after 2.9 s and 1.4 s (each
    // within the 3 s request timeout), the stop after 1.9 s.
    harness.account.faults.add({
      service: "ec2",
      operation: "DescribeInstances",
      latencyMs: 2_900,
      times: 1,
    });
    harness.account.faults.add({
      service: "ec2",
      operation: "DescribeRouteTables",
      latencyMs: 1_400,
      times: 1,
    });
    harness.account.faults.add({ service: "ec2", operation: "StopInstances", latencyMs: 1_900, times: 1 });
    const report = await harness.invoke("idle-hibernate", readEvent(ALARM_EVENT), {
      timeoutMs: 6_000,
      during: QUIET_WORLD,
    });
    // Either the stop is not started this late (a retryable deadline error, the retry hibernates), or
    // the invocation that started it lives to read it back and report it.
    const landed = report.after.instances[HAPPY]?.State !== "running";
    expect({ landed, stops: stops(report).length, timedOut: report.timedOut ?? false }).not.toEqual({
      landed: true,
      stops: 1,
      timedOut: true,
    });
    // The rule chosen (shared/runtime/deadline.ts, hasTimeForAttempt): with 0.2 s left of the 4 s one
    // attempt may take, the stop is not started; the invocation fails retryably and the retry hibernates.
    expect(stops(report)).toEqual([]);
    expect(report.error).toBeInstanceOf(DeadlineExceededError);
    expect(report.error).toMatchObject({
      retryable: true,
      context: { operation: "StopInstances", notStarted: 1 },
    });
  });
});

describe("review7: the reporting after the deadline", () => {
  it("review: deadlineSafetyMs (1.5 s) is shorter than one PutEvents attempt (up to connectionTimeoutMs + requestTimeoutMs = 4 s): a hibernation done and read back in time is cut off by the Lambda timeout while reporting", async () => {
    harness.load(demoFixture());
    // Timeout 6 s, deadline 4.5 s in: the instance read answers after 0.3 s, so the stop starts with time
    // for its attempt (4.2 s left ≥ 4 s); the stop answers at once and its read-back after 2.9 s (3.2 s
    // in); EventBridge answers the action event after 2.9 s (within the SDK's 3 s request timeout, so only
    // the cut-off can end it), which would end at 6.1 s, after the timeout. Since the write rule (review7
    // F1) a stop can no longer start 0.6 s before the deadline, so the late read-back is what brings the
    // report this close to the timeout.
    harness.account.faults.add({ service: "ec2", operation: "DescribeInstances", latencyMs: 300, times: 1 });
    harness.account.faults.add({
      service: "ec2",
      operation: "DescribeInstances",
      latencyMs: 2_900,
      after: 1,
      times: 1,
    });
    harness.account.faults.add({ service: "events", operation: "PutEvents", latencyMs: 2_900, times: 1 });
    const report = await harness.invoke("idle-hibernate", readEvent(ALARM_EVENT), {
      timeoutMs: 6_000,
      during: QUIET_WORLD,
    });
    expect(stops(report)).toHaveLength(1);
    expect(report.calls.some((c) => c.operation === "PutEvents")).toBe(true);
    expect(report.timedOut ?? false).toBe(false);
    // The action event's attempt is cut off 300 ms before the timeout (shared/aws/attempt-cutoff.ts): the
    // hibernation itself is reported in the result, logs and metrics.
    expect((report.result as HibernateResult).hibernation?.map((p) => [p.instanceId, p.verdict])).toEqual([
      [HAPPY, "hibernate-initiated"],
    ]);
  });
});
