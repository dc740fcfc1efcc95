import { AsyncLocalStorage } from "node:async_hooks";
import { StandardRetryStrategy } from "@smithy/core/retry";
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
  constructor(delayMs: number, remainingMs: number, attemptMs: number) {
    super(
      `retry after ${delayMs} ms, its attempt lasting up to ${attemptMs} ms, would end after the invocation deadline (${remainingMs} ms left)`,
    );
    this.name = "RetryPastDeadlineError";
  }
}

/** The SDK's cap on how far a Retry-After hint may stretch a backoff. */
const RETRY_AFTER_EXTRA_MS = 5_000;

/** The backoff one retry chose: one slot per `refreshRetryTokenForRetry` call. */
interface ChosenBackoff {
  ms: number;
}

/**
 * Exponential backoff with full jitter, as the SDK computes it, that refuses a retry whose delay plus
 * one attempt (`Deadline.attemptMs`) would end after the invocation deadline. The SDK's strategy asks for the delay and then sleeps inside
 * `refreshRetryTokenForRetry`, so refusing here is the only point where the wait can be avoided. The
 * delay goes to the calling retry's own slot (`AsyncLocalStorage`: concurrent calls on one client, such as
 * a pool of writes, each keep theirs) and the SDK is told 0: the strategy waits it on the invocation's clock.
 */
class DeadlineAwareBackoff implements StandardRetryBackoffStrategy {
  readonly slots = new AsyncLocalStorage<ChosenBackoff>();
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
    // The retry's attempt must end by the deadline too, not only its backoff (review7 F1b).
    const deadline = this.#deadlines.current;
    if (deadline !== undefined && !deadline.hasTimeForAttempt(delay))
      throw new RetryPastDeadlineError(delay, deadline.remainingMs(), deadline.attemptMs);
    const slot = this.slots.getStore();
    if (slot !== undefined) slot.ms = delay;
    return 0;
  }

  setDelayBase(delay: number): void {
    this.#base = delay;
  }
}

/**
 * The SDK's standard retry strategy (its backoff and retry quota), bounded by the invocation's deadline: a
 * retry whose backoff would end after the deadline is not waited for, and the last AWS error surfaces to
 * the caller while there is still time to report it (the SDK rethrows the last error when the strategy
 * refuses a retry). The backoff (stretched by a Retry-After hint as the SDK does) is waited on the
 * deadline's clock: the system clock deployed, simulated time under a harness (a retry storm uses up the
 * simulated invocation's time).
 *
 * Standard, not adaptive, mode: AWS recommends standard "for all workloads" and adaptive only for a
 * latency-tolerant client of a single resource ("Retry behavior", AWS SDKs and Tools Reference Guide).
 * The adaptive mode's client-side rate limiter, once a throttle turned it on, never turns off; it paces at
 * twice the measured send rate and at least 0.5 requests/s (`DefaultRateLimiter`), and a Lambda's reconciles
 * minutes apart measure a rate near zero. One throttle thus held every later invocation of the warm
 * function to about one call a second: the chaos campaign's idle-hibernate seed 210522 took 6 s for a
 * reconcile of 8 calls and was cut off by its timeout right after its StopInstances. Each client has its
 * own strategy (`AwsClientFactory`), so its own retry quota.
 */
export class DeadlineBoundedRetryStrategy implements RetryStrategyV2 {
  readonly mode = "standard";
  readonly #inner: StandardRetryStrategy;
  readonly #backoff: DeadlineAwareBackoff;
  readonly #deadlines: DeadlineHolder;

  constructor(maxAttempts: number, deadlines: DeadlineHolder, random: () => number = Math.random) {
    this.#deadlines = deadlines;
    this.#backoff = new DeadlineAwareBackoff(deadlines, random);
    this.#inner = new StandardRetryStrategy({ maxAttempts, backoff: this.#backoff });
  }

  acquireInitialRetryToken(retryTokenScope: string): Promise<RetryToken> {
    return this.#inner.acquireInitialRetryToken(retryTokenScope);
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const { retryAfterHint, ...withoutHint } = errorInfo;
    const chosen: ChosenBackoff = { ms: 0 };
    const refresh = this.#backoff.slots.run(chosen, () =>
      this.#inner.refreshRetryTokenForRetry(token as StandardRetryToken, withoutHint),
    );
    // The SDK then waits a real zero-delay timer: simulated time must not move meanwhile (Clock.hold).
    const next = await (this.#deadlines.current?.clock.hold?.(refresh) ?? refresh);
    await this.#waitBackoff(chosen.ms, retryAfterHint);
    return next;
  }

  recordSuccess(token: RetryToken): void {
    this.#inner.recordSuccess(token as StandardRetryToken);
  }

  /** The backoff chosen for this retry, stretched by a Retry-After hint as the SDK does, on the deadline's clock. */
  async #waitBackoff(backoff: number, hint: Date | undefined): Promise<void> {
    const clock = this.#deadlines.current?.clock ?? systemClock;
    const hinted = hint === undefined ? 0 : hint.getTime() - clock.now();
    const ms = Math.max(backoff, Math.min(hinted, backoff + RETRY_AFTER_EXTRA_MS));
    if (ms > 0) await clock.sleep(ms);
  }
}
