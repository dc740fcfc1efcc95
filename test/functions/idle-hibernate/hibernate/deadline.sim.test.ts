import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HibernateResult } from "../../../../functions/idle-hibernate/hibernate/report";
import { DeadlineExceededError } from "../../../../shared/runtime/errors";
import type { Harness, InvocationReport } from "../../../../sim/harness";
import { demoFixture, readEvent } from "../../../support/fixtures";
import { startHarness } from "../../../support/harness";

/**
 * A hibernation never starts after the invocation's deadline (its timeout less `aws.deadlineSafetyMs`):
 * Lambda ends the function at its timeout, so a stop sent later could land with nobody left to read it
 * back and report it (chaos seed 210522). The retry of the event stops the instance and reports it.
 * On the manual clock a slow read moves simulated time, so the deadline passes exactly where it is put.
 */
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const HAPPY = "i-0123456789abcdef0";
const ALARM_EVENT = "events/idle-hibernate/alarm-eventbridge.json";
const stops = (report: InvocationReport) => report.calls.filter((c) => c.operation === "StopInstances");

describe("idle-hibernate: the invocation's deadline before the stop", () => {
  it("a read that ends past the deadline: no StopInstances, a retryable deadline error, the instance left running", async () => {
    harness.load(demoFixture());
    // Timeout 6 s, deadline 4.5 s in (1.5 s kept back): the first instance read answers 4.6 s late.
    harness.account.faults.add({
      service: "ec2",
      operation: "DescribeInstances",
      latencyMs: 4_600,
      times: 1,
    });
    const report = await harness.invoke("idle-hibernate", readEvent(ALARM_EVENT), { timeoutMs: 6_000 });
    expect(report.timedOut ?? false).toBe(false);
    expect(stops(report)).toEqual([]);
    expect(report.error).toBeInstanceOf(DeadlineExceededError);
    expect(report.error).toMatchObject({
      retryable: true,
      context: { operation: "StopInstances", notStarted: 1 },
    });
    expect(report.after.instances[HAPPY]?.State).toBe("running");
  });

  it("the retry of the event, in time, hibernates the instance and reports it", async () => {
    harness.load(demoFixture());
    harness.account.faults.add({
      service: "ec2",
      operation: "DescribeInstances",
      latencyMs: 4_600,
      times: 1,
    });
    const event = readEvent(ALARM_EVENT);
    await harness.invoke("idle-hibernate", event, { timeoutMs: 6_000 });
    const retry = await harness.invoke("idle-hibernate", event, { timeoutMs: 6_000 });
    expect(stops(retry).map((c) => c.input)).toEqual([
      { InstanceIds: [HAPPY], Hibernate: true, DryRun: false },
    ]);
    const result = retry.result as HibernateResult;
    expect(result.hibernation?.map((p) => [p.instanceId, p.verdict])).toEqual([
      [HAPPY, "hibernate-initiated"],
    ]);
  });

  it("stops retrying before the Lambda's time runs out, and still fails retryably", async () => {
    harness.load(demoFixture());
    harness.account.faults.add({
      service: "ec2",
      operation: "StopInstances",
      error: { code: "RequestLimitExceeded", httpStatus: 503 },
    });
    // 10 attempts allowed, but only 10 s of Lambda time, 1.5 s of which are kept back to report, and each
    // retry needs its backoff plus one attempt (1 s + 3 s) before the deadline (review7 F1b): the 1 s
    // throttling backoffs doubling, a few retries fit, not 9. (Under 5.5 s the stop is not started at all.)
    // The backoffs are waited on the simulated clock, so the invocation's time is the simulated time it took.
    const env = { OPS_CONFIG: JSON.stringify({ aws: { maxAttempts: 10 } }) };
    const report = await harness.invoke("idle-hibernate", readEvent(ALARM_EVENT), { env, timeoutMs: 10_000 });
    expect(report.error).toMatchObject({ retryable: true, context: { code: "RequestLimitExceeded" } });
    expect(stops(report).length).toBeGreaterThan(1);
    expect(stops(report).length).toBeLessThan(10);
    expect(report.timedOut ?? false).toBe(false);
    expect(report.simulatedMs).toBeLessThan(10_000);
  });
});
