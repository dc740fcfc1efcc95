import type { RetryErrorInfo } from "@smithy/types";
import { describe, expect, it, vi } from "vitest";
import { DeadlineBoundedRetryStrategy, RetryPastDeadlineError } from "../../../shared/aws/retry";
import { DeadlineHolder, deadlineAt } from "../../../shared/runtime/deadline";

const throttled: RetryErrorInfo = { errorType: "THROTTLING", retryAfterHint: undefined };
const transient: RetryErrorInfo = { errorType: "TRANSIENT", retryAfterHint: undefined };
/** Jitter fixed at 1 %: backoffs stay a few ms long, so the test does not wait. */
const smallJitter = () => 0.01;

/** A deadline 60 s away on a clock that stands still and records each sleep instead of waiting it. */
const recordingDeadline = () => {
  const sleeps: number[] = [];
  const now = 1_000_000;
  const deadlines = new DeadlineHolder();
  deadlines.set(
    deadlineAt(now + 60_000, {
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    }),
  );
  return { deadlines, sleeps, now };
};

describe("DeadlineBoundedRetryStrategy", () => {
  it("retries up to maxAttempts while the deadline is far", async () => {
    const deadlines = new DeadlineHolder();
    deadlines.set(deadlineAt(Date.now() + 60_000));
    const strategy = new DeadlineBoundedRetryStrategy(3, deadlines, smallJitter);
    const first = await strategy.acquireInitialRetryToken("ec2");
    const second = await strategy.refreshRetryTokenForRetry(first, throttled);
    expect(second.getRetryCount()).toBe(1);
    const third = await strategy.refreshRetryTokenForRetry(second, throttled);
    expect(third.getRetryCount()).toBe(2);
    await expect(strategy.refreshRetryTokenForRetry(third, throttled)).rejects.toThrow(
      "No retry token available",
    );
  });

  it("refuses, without waiting, a retry whose backoff would end after the deadline", async () => {
    const deadlines = new DeadlineHolder();
    const now = 1_000_000;
    const sleeps: number[] = [];
    // The deadline runs on a clock that stands still: 50 ms are left, whatever the wall clock does.
    deadlines.set(
      deadlineAt(now + 50, {
        now: () => now,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      }),
    );
    // Full jitter at 90 %: a throttling backoff of ~450 ms, past a deadline 50 ms away.
    const strategy = new DeadlineBoundedRetryStrategy(5, deadlines, () => 0.9);
    const token = await strategy.acquireInitialRetryToken("ec2");
    await expect(strategy.refreshRetryTokenForRetry(token, throttled)).rejects.toBeInstanceOf(
      RetryPastDeadlineError,
    );
    expect(sleeps).toEqual([]);
  });

  it("allows the same retry once the deadline is far enough", async () => {
    const deadlines = new DeadlineHolder();
    deadlines.set(deadlineAt(Date.now() + 60_000));
    const strategy = new DeadlineBoundedRetryStrategy(5, deadlines, smallJitter);
    const token = await strategy.acquireInitialRetryToken("ec2");
    await expect(strategy.refreshRetryTokenForRetry(token, transient)).resolves.toMatchObject({});
  });

  it("without a deadline (outside an invocation) it behaves like the SDK's", async () => {
    const strategy = new DeadlineBoundedRetryStrategy(2, new DeadlineHolder(), smallJitter);
    const token = await strategy.acquireInitialRetryToken("ec2");
    const next = await strategy.refreshRetryTokenForRetry(token, transient);
    expect(next.getRetryCount()).toBe(1);
  });

  it("waits the backoff on the deadline's clock (simulated time under a harness), stretched by Retry-After", async () => {
    const { deadlines, sleeps, now } = recordingDeadline();
    // Full jitter at 50 % of the transient base (50 ms, doubling): 25 ms, then 50 ms stretched to the hint.
    const strategy = new DeadlineBoundedRetryStrategy(5, deadlines, () => 0.5);
    const first = await strategy.acquireInitialRetryToken("ec2");
    const second = await strategy.refreshRetryTokenForRetry(first, transient);
    await strategy.refreshRetryTokenForRetry(second, {
      errorType: "TRANSIENT",
      retryAfterHint: new Date(now + 3_000),
    });
    expect(sleeps).toEqual([25, 3_000]);
  });

  it("concurrent retries on one client each wait the backoff they chose, not another call's", async () => {
    const { deadlines, sleeps } = recordingDeadline();
    // Draws 10 %, then 90 %: at the throttling base (1 s), the first retry's backoff is 100 ms, the second's 900 ms.
    const draws = [0.1, 0.9];
    const strategy = new DeadlineBoundedRetryStrategy(5, deadlines, () => draws.shift() ?? 0);
    const [a, b] = await Promise.all([
      strategy.acquireInitialRetryToken("ec2"),
      strategy.acquireInitialRetryToken("ec2"),
    ]);
    // Both refreshes are in flight at once (a pool of writes throttled together): the SDK's strategy
    // computes each delay, then yields before returning, so the second computes before the first waits.
    await Promise.all([
      strategy.refreshRetryTokenForRetry(a, throttled),
      strategy.refreshRetryTokenForRetry(b, throttled),
    ]);
    expect(sleeps.sort((x, y) => x - y)).toEqual([100, 900]);
  });

  it("holds the deadline's clock while the SDK waits its real zero-delay timer (simulated time must not move)", async () => {
    const now = 1_000_000;
    const held: string[] = [];
    const deadlines = new DeadlineHolder();
    deadlines.set(
      deadlineAt(now + 60_000, {
        now: () => now,
        sleep: async () => {},
        hold: async <T>(work: Promise<T>) => {
          held.push("start");
          const value = await work;
          held.push("end");
          return value;
        },
      }),
    );
    const strategy = new DeadlineBoundedRetryStrategy(5, deadlines, smallJitter);
    const token = await strategy.acquireInitialRetryToken("ec2");
    const next = await strategy.refreshRetryTokenForRetry(token, transient);
    expect(next.getRetryCount()).toBe(1);
    expect(held).toEqual(["start", "end"]);
  });

  it("a throttle in one invocation does not pace the calls of the next: no client-side rate limiter", {
    timeout: 5_000,
  }, async () => {
    // Timers and Date are frozen: a call that waited for a token of a client-side rate limiter (the
    // adaptive mode's, 0.5 a second after a throttle) would never get it, and the test would time out.
    vi.useFakeTimers();
    try {
      const deadlines = new DeadlineHolder();
      const frozen = { now: () => Date.now(), sleep: async () => {} };
      deadlines.set(deadlineAt(Date.now() + 60_000, frozen));
      const strategy = new DeadlineBoundedRetryStrategy(5, deadlines, () => 0);
      const first = await strategy.acquireInitialRetryToken("ec2");
      const retry = strategy.refreshRetryTokenForRetry(first, throttled);
      await vi.advanceTimersByTimeAsync(0);
      await retry;
      deadlines.set(deadlineAt(Date.now() + 60_000, frozen));
      let acquired = 0;
      for (let call = 0; call < 8; call++) {
        await strategy.acquireInitialRetryToken("ec2");
        acquired += 1;
      }
      expect(acquired).toBe(8);
    } finally {
      vi.useRealTimers();
    }
  });
});
