import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness, InvocationReport } from "../../sim/harness";
import { demoFixture, readEvent } from "../support/fixtures";
import { startHarness } from "../support/harness";

/**
 * review7 (timing), finding F3, fixed (one retry strategy per client): every SDK client of a container shared
 * ONE retry strategy (shared/aws/clients.ts: one
 * DeadlineBoundedRetryStrategy per AwsClientFactory, for EC2, CloudWatch, EventBridge, Auto Scaling, Direct
 * Connect and Outposts, in every Region), hence one standard-mode retry quota: 500 tokens, 5 per throttling
 * retry, 14 per transient retry (the SDK's 2026 retry behaviour, @smithy/core `Retry`), 1 back per success.
 * The SDK's own default builds a strategy per client, so a quota is one client's (aws-sdk-js-v3 PR #4755:
 * requests "share the token availability if coming from the same client and RetryStrategy instance").
 * A CloudWatch DescribeAlarms throttled for a while
 * (its account-wide TPS shared with dashboards and other tools) drains the quota in the warm container;
 * the next throttled StopInstances then gets no retry at all: the SDK rethrows the first
 * RequestLimitExceeded ("No retry token available" is swallowed), nothing logs or counts the refusal, and
 * the hibernation fails although an EC2 client with its own quota would have retried and succeeded.
 */
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual", transport: "memory" });
});
afterAll(async () => {
  await harness.close();
});

const ALARM_EVENT = "events/idle-hibernate/alarm-eventbridge.json";
const HAPPY = "i-0123456789abcdef0";
const stops = (report: InvocationReport) => report.calls.filter((c) => c.operation === "StopInstances");

describe("review7: one retry quota for every service of a warm container", () => {
  it("review: a throttled CloudWatch does not drain EC2's retry quota; a twice-throttled StopInstances is retried and the hibernation succeeds", async () => {
    harness.load(demoFixture());
    const alarmsThrottled = harness.account.faults.add({
      service: "monitoring",
      operation: "DescribeAlarms",
      error: { code: "Throttling", httpStatus: 400 },
    });
    // 30 alarm events while CloudWatch throttles: each fails retryably after its 4 throttling retries.
    for (let k = 0; k < 30; k += 1) {
      const noisy = await harness.invoke("idle-hibernate", readEvent(ALARM_EVENT));
      expect(noisy.error).toMatchObject({ retryable: true });
    }
    harness.account.faults.remove(alarmsThrottled.id);
    harness.account.faults.add({
      service: "ec2",
      operation: "StopInstances",
      error: { code: "RequestLimitExceeded", httpStatus: 503 },
      times: 2,
    });
    const report = await harness.invoke("idle-hibernate", readEvent(ALARM_EVENT));
    // EC2's own quota (the SDK default) retries twice and the third StopInstances lands.
    expect(stops(report)).toHaveLength(3);
    expect(report.error).toBeUndefined();
    expect(report.after.instances[HAPPY]?.State).not.toBe("running");
  });
});
