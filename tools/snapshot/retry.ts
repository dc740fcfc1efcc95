import type { RetryErrorInfo, RetryErrorType, RetryStrategyV2, RetryToken } from "@smithy/types";

/** The SDK's base delays (@smithy/util-retry): 500 ms after a throttling error, 100 ms otherwise; 20 s cap. */
const THROTTLING_BASE_MS = 500;
const DEFAULT_BASE_MS = 100;
const MAXIMUM_DELAY_MS = 20_000;

const RETRYABLE: ReadonlySet<RetryErrorType> = new Set(["THROTTLING", "TRANSIENT", "SERVER_ERROR"]);

/** The delay before retry `retry` (1-based): full jitter, as the SDK's standard mode computes it. */
export type Backoff = (retry: number, throttled: boolean) => number;

export const sdkBackoff: Backoff = (retry, throttled) =>
  Math.floor(
    Math.random() *
      Math.min((throttled ? THROTTLING_BASE_MS : DEFAULT_BASE_MS) * 2 ** retry, MAXIMUM_DELAY_MS),
  );

const token = (retries: number, delayMs: number): RetryToken => ({
  getRetryCount: () => retries,
  getRetryDelay: () => delayMs,
});

/**
 * The SDK's standard retries (throttling, transient and server errors; full-jitter backoff) bounded per
 * call by `maxAttempts` only. Standard mode also has a retry quota shared by every call of a client (500
 * tokens, 5 per throttled retry: AWS SDKs and Tools Reference Guide, "Retry behavior"), a circuit breaker
 * for long-lived services; for a one-off batch read of thousands of calls it would stop retrying part way
 * through a throttled but progressing snapshot, so it is left out here.
 */
export class PerCallRetryStrategy implements RetryStrategyV2 {
  readonly mode = "standard";
  readonly #maxAttempts: number;
  readonly #backoff: Backoff;

  constructor(maxAttempts: number, backoff: Backoff = sdkBackoff) {
    this.#maxAttempts = maxAttempts;
    this.#backoff = backoff;
  }

  async acquireInitialRetryToken(_scope: string): Promise<RetryToken> {
    return token(0, 0);
  }

  async refreshRetryTokenForRetry(previous: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const retries = previous.getRetryCount() + 1;
    // Refusing makes the SDK throw the last AWS error (its retry middleware).
    if (retries >= this.#maxAttempts || !RETRYABLE.has(info.errorType)) throw new Error("no retry");
    const hinted = info.retryAfterHint === undefined ? 0 : info.retryAfterHint.getTime() - Date.now();
    return token(
      retries,
      Math.max(this.#backoff(retries, info.errorType === "THROTTLING"), Math.min(hinted, MAXIMUM_DELAY_MS)),
    );
  }

  recordSuccess(_token: RetryToken): void {}
}
