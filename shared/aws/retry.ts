import { AdaptiveRetryStrategy, DefaultRateLimiter, type RateLimiter } from "@smithy/core/retry";
import type {
  RetryErrorInfo,
  RetryStrategyV2,
  RetryToken,
  StandardRetryBackoffStrategy,
  StandardRetryToken,
} from "@smithy/types";
import { systemClock } from "../runtime/clock";
import type { DeadlineHolder } from "../runtime/deadline";

/** The SDK's own cap on one backoff. */
const MAXIMUM_RETRY_DELAY_MS = 20_000;

export class RetryPastDeadlineError extends Error {
  constructor(delayMs: number, remainingMs: number) {
    super(`retry after ${delayMs} ms would end after the invocation deadline (${remainingMs} ms left)`);
    this.name = "RetryPastDeadlineError";
  }
}

/** The SDK's cap on how far a Retry-After hint may stretch a backoff. */
const RETRY_AFTER_EXTRA_MS = 5_000;

/**
 * Exponential backoff with full jitter, as the SDK computes it, that refuses a delay ending after the
 * invocation deadline. The SDK's strategy asks for the delay and then sleeps inside
 * `refreshRetryTokenForRetry`, so refusing here is the only point where the wait can be avoided. The
 * delay is kept in `chosenMs` and the SDK is told 0: the strategy waits it on the invocation's clock.
 */
class DeadlineAwareBackoff implements StandardRetryBackoffStrategy {
  chosenMs = 0;
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
    this.chosenMs = delay;
    return 0;
  }

  setDelayBase(delay: number): void {
    this.#base = delay;
  }
}

/**
 * The SDK's adaptive retry strategy (client-side rate limiting on throttling, the SDK's backoff and
 * retry quota), bounded by the invocation's deadline: a retry whose backoff would end after the
 * deadline is not waited for, and the last AWS error surfaces to the caller while there is still
 * time to report it (the SDK rethrows the last error when the strategy refuses a retry). The backoff
 * (stretched by a Retry-After hint as the SDK does) is waited on the deadline's clock: the system clock
 * deployed, simulated time under a harness (a retry storm uses up the simulated invocation's time).
 */
export class DeadlineBoundedRetryStrategy implements RetryStrategyV2 {
  readonly mode = "adaptive";
  readonly #inner: AdaptiveRetryStrategy;
  readonly #backoff: DeadlineAwareBackoff;
  readonly #deadlines: DeadlineHolder;
  readonly #limiter = new DefaultRateLimiter();
  #retryAfterHint: Date | undefined;

  constructor(maxAttempts: number, deadlines: DeadlineHolder, random: () => number = Math.random) {
    this.#deadlines = deadlines;
    this.#backoff = new DeadlineAwareBackoff(deadlines, random);
    // The SDK waits the backoff, then for a token of its rate limiter: the backoff is waited first here too.
    const rateLimiter: RateLimiter = {
      getSendToken: async () => {
        await this.#waitBackoff();
        await this.#limiter.getSendToken();
      },
      updateClientSendingRate: (response) => this.#limiter.updateClientSendingRate(response),
    };
    this.#inner = new AdaptiveRetryStrategy(maxAttempts, { backoff: this.#backoff, rateLimiter });
  }

  acquireInitialRetryToken(retryTokenScope: string): Promise<RetryToken> {
    this.#backoff.chosenMs = 0;
    return this.#inner.acquireInitialRetryToken(retryTokenScope);
  }

  refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const { retryAfterHint, ...withoutHint } = errorInfo;
    this.#backoff.chosenMs = 0;
    this.#retryAfterHint = retryAfterHint;
    return this.#inner.refreshRetryTokenForRetry(token as StandardRetryToken, withoutHint);
  }

  recordSuccess(token: RetryToken): void {
    this.#inner.recordSuccess(token as StandardRetryToken);
  }

  /** The backoff chosen for this retry, stretched by a Retry-After hint as the SDK does, on the deadline's clock. */
  async #waitBackoff(): Promise<void> {
    const backoff = this.#backoff.chosenMs;
    const hint = this.#retryAfterHint;
    this.#backoff.chosenMs = 0;
    this.#retryAfterHint = undefined;
    const clock = this.#deadlines.current?.clock ?? systemClock;
    const hinted = hint === undefined ? 0 : hint.getTime() - clock.now();
    const ms = Math.max(backoff, Math.min(hinted, backoff + RETRY_AFTER_EXTRA_MS));
    if (ms > 0) await clock.sleep(ms);
  }
}
