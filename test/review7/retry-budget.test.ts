import { createRequire } from "node:module";
import type { RetryErrorInfo, RetryToken } from "@smithy/types";
import { describe, expect, it } from "vitest";
import { DeadlineBoundedRetryStrategy, RetryPastDeadlineError } from "../../shared/aws/retry";
import type { Clock } from "../../shared/runtime/clock";
import { CommonConfigSchema } from "../../shared/runtime/config";
import { DeadlineHolder, deadlineAt } from "../../shared/runtime/deadline";
import * as z from "../../shared/runtime/zod";

/**
 * review7 (timing), unit tier: what the retry strategy lets an invocation spend, against what the
 * deadline and the Lambda timeout leave. A clock that stands still except for the backoffs it is asked
 * to sleep, so that the waits are counted, not waited.
 */
const throttled: RetryErrorInfo = { errorType: "THROTTLING", retryAfterHint: undefined };
const transient: RetryErrorInfo = { errorType: "TRANSIENT", retryAfterHint: undefined };

const standingClock = (start: number) => {
  let now = start;
  const slept: number[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
  return { clock, slept };
};

interface Budget {
  lambda: { backoffMs: number; worstCaseMs: number; timeoutSeconds: number };
}
const helper = createRequire(import.meta.url)("../../tools/serverless-config.cjs") as {
  resolveConfig(input: unknown, meta: { source: string }): Budget;
};

describe("review7: the retry strategy against the time budget", () => {
  it("review: lambdaBudget counts throttling backoffs from the SDK's 1,000 ms base (its 2026 retry behaviour): 5 attempts may wait ~15 s, and serverless.yml sizes the timeout for it", async () => {
    const { clock, slept } = standingClock(1_000_000);
    const deadlines = new DeadlineHolder();
    deadlines.set(deadlineAt(clock.now() + 600_000, clock));
    const { aws } = z.parse(CommonConfigSchema, {});
    // Full jitter at its top: the longest backoffs the SDK may choose for one call's throttling retries.
    const strategy = new DeadlineBoundedRetryStrategy(aws.maxAttempts, deadlines, () => 0.999_999);
    let token: RetryToken = await strategy.acquireInitialRetryToken("ec2");
    for (let retry = 1; retry < aws.maxAttempts; retry += 1)
      token = await strategy.refreshRetryTokenForRetry(token, throttled);
    const waited = slept.reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThan(14_000);
    expect(helper.resolveConfig({}, { source: "review7" }).lambda.backoffMs).toBeGreaterThanOrEqual(waited);
  });

  it("review: a retry is granted with 200 ms left before the deadline, although its attempt may last connectionTimeoutMs + requestTimeoutMs (4 s) and so end 2.3 s after the Lambda timeout (deadlineSafetyMs 1.5 s)", async () => {
    const { clock } = standingClock(1_000_000);
    const deadlines = new DeadlineHolder();
    // The handler's deadline knows how long one attempt may last (the default 1 s + 3 s).
    const { aws } = z.parse(CommonConfigSchema, {});
    const attemptMs = aws.connectionTimeoutMs + aws.requestTimeoutMs;
    deadlines.set(deadlineAt(clock.now() + 200, clock, { attemptMs }));
    // A small jitter: the 50 ms-base transient backoff (a 5xx, a reset connection) fits in the 200 ms.
    const strategy = new DeadlineBoundedRetryStrategy(5, deadlines, () => 0.5);
    const token = await strategy.acquireInitialRetryToken("ec2");
    await expect(strategy.refreshRetryTokenForRetry(token, transient)).rejects.toThrow(
      RetryPastDeadlineError,
    );
  });
});
