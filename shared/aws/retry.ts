import { AdaptiveRetryStrategy } from "@smithy/core/retry";
import type {
  RetryErrorInfo,
  RetryStrategyV2,
  RetryToken,
  StandardRetryBackoffStrategy,
  StandardRetryToken,
} from "@smithy/types";
import type { DeadlineHolder } from "../runtime/deadline";

/** The SDK's own cap on one backoff. */
const MAXIMUM_RETRY_DELAY_MS = 20_000;

export class RetryPastDeadlineError extends Error {
  constructor(delayMs: number, remainingMs: number) {
    super(`retry after ${delayMs} ms would end after the invocation deadline (${remainingMs} ms left)`);
    this.name = "RetryPastDeadlineError";
  }
}

/**
 * Exponential backoff with full jitter, as the SDK computes it, that refuses a delay ending after the
 * invocation deadline. The SDK's strategy asks for the delay and then sleeps inside
 * `refreshRetryTokenForRetry`, so refusing here is the only point where the wait can be avoided.
 */
class DeadlineAwareBackoff implements StandardRetryBackoffStrategy {
  #base = 100;
  readonly #deadlines: DeadlineHolder;
  readonly #random: () => number;

  constructor(deadlines: DeadlineHolder, random: () => number) {
    this.#deadlines = deadlines;
    this.#random = random;
  }

  computeNextBackoffDelay(retryCount: number): number {
    const delay = Math.floor(this.#random() * Math.min(this.#base * 2 ** retryCount, MAXIMUM_RETRY_DELAY_MS));
    // The deadline's clock says how much time is left (the invocation's clock: simulated under a harness).
    const remaining = this.#deadlines.current?.remainingMs();
    if (remaining !== undefined && delay >= remaining) throw new RetryPastDeadlineError(delay, remaining);
    return delay;
  }

  setDelayBase(delay: number): void {
    this.#base = delay;
  }
}

/**
 * The SDK's adaptive retry strategy (client-side rate limiting on throttling, the SDK's backoff and
 * retry quota), bounded by the invocation's deadline: a retry whose backoff would end after the
 * deadline is not waited for, and the last AWS error surfaces to the caller while there is still
 * time to report it (the SDK rethrows the last error when the strategy refuses a retry).
 */
export class DeadlineBoundedRetryStrategy implements RetryStrategyV2 {
  readonly mode = "adaptive";
  readonly #inner: AdaptiveRetryStrategy;

  constructor(maxAttempts: number, deadlines: DeadlineHolder, random: () => number = Math.random) {
    this.#inner = new AdaptiveRetryStrategy(maxAttempts, {
      backoff: new DeadlineAwareBackoff(deadlines, random),
    });
  }

  acquireInitialRetryToken(retryTokenScope: string): Promise<RetryToken> {
    return this.#inner.acquireInitialRetryToken(retryTokenScope);
  }

  refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    return this.#inner.refreshRetryTokenForRetry(token as StandardRetryToken, errorInfo);
  }

  recordSuccess(token: RetryToken): void {
    this.#inner.recordSuccess(token as StandardRetryToken);
  }
}
