import { AdaptiveRetryStrategy } from "@smithy/core/retry";
import type { RetryErrorInfo, RetryStrategyV2, RetryToken, StandardRetryToken } from "@smithy/types";
import type { DeadlineHolder } from "../runtime/deadline";

/**
 * The SDK's adaptive retry strategy (client-side rate limiting on throttling), bounded by the
 * invocation's deadline: a retry whose backoff would end after the deadline is not attempted, and the
 * last error surfaces to the caller while there is still time to report it.
 */
export class DeadlineBoundedRetryStrategy implements RetryStrategyV2 {
  readonly mode = "adaptive";
  readonly #inner: AdaptiveRetryStrategy;
  readonly #deadlines: DeadlineHolder;
  readonly #now: () => number;

  constructor(maxAttempts: number, deadlines: DeadlineHolder, now: () => number = Date.now) {
    this.#inner = new AdaptiveRetryStrategy(maxAttempts);
    this.#deadlines = deadlines;
    this.#now = now;
  }

  acquireInitialRetryToken(retryTokenScope: string): Promise<RetryToken> {
    return this.#inner.acquireInitialRetryToken(retryTokenScope);
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const next = (await this.#inner.refreshRetryTokenForRetry(
      token as StandardRetryToken,
      errorInfo,
    )) as RetryToken;
    const deadline = this.#deadlines.current;
    if (deadline !== undefined && this.#now() + next.getRetryDelay() >= deadline.at) {
      throw new Error("retry would end after the invocation deadline");
    }
    return next;
  }

  recordSuccess(token: RetryToken): void {
    this.#inner.recordSuccess(token as StandardRetryToken);
  }
}
