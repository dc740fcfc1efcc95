import { type Clock, systemClock } from "./clock";

/**
 * The time budget of one invocation. Retries and read-back loops stop before it runs out, so that a
 * failure is reported (and the event kept) instead of Lambda killing the function mid-way.
 */
export interface Deadline {
  /** Epoch milliseconds (of `clock`) after which no new attempt may start. */
  readonly at: number;
  /** The clock the deadline runs on; waits bounded by the deadline sleep on it too. */
  readonly clock: Clock;
  /**
   * The longest one SDK attempt may last (connection + request timeout; 0 when unknown): an attempt
   * started now may end that much later.
   */
  readonly attemptMs: number;
  /** Epoch milliseconds at which Lambda ends the invocation (undefined outside a Lambda invocation). */
  readonly endsAt?: number;
  remainingMs(now?: number): number;
  expired(now?: number): boolean;
  /**
   * Whether an attempt started `afterMs` from now (a backoff, a pause) still ends by the deadline: the
   * one rule for every write, pool task, read-back and retry (review7 F1). Without it an attempt started
   * just before the deadline could end after Lambda's timeout, never read back nor reported.
   */
  hasTimeForAttempt(afterMs?: number, now?: number): boolean;
}

/** What a deadline knows about the attempts bounded by it and the invocation around it. */
export interface AttemptBudget {
  attemptMs?: number;
  endsAt?: number;
}

export const deadlineAt = (at: number, clock: Clock = systemClock, budget: AttemptBudget = {}): Deadline => {
  const attemptMs = Math.max(0, budget.attemptMs ?? 0);
  return {
    at,
    clock,
    attemptMs,
    ...(budget.endsAt !== undefined ? { endsAt: Math.max(at, budget.endsAt) } : {}),
    remainingMs: (now = clock.now()) => Math.max(0, at - now),
    expired: (now = clock.now()) => now >= at,
    // Strict, as `expired`: with no attempt budget it is "not expired after the wait".
    hasTimeForAttempt: (afterMs = 0, now = clock.now()) => now + Math.max(0, afterMs) + attemptMs < at,
  };
};

/**
 * A deadline `remainingMs - safetyMs` from now: the safety margin leaves time to log and report. The
 * invocation ends `remainingMs` from now; `attemptMs` is the longest one attempt may last.
 */
export const deadlineFromRemaining = (
  remainingMs: number,
  safetyMs: number,
  clock: Clock = systemClock,
  attemptMs = 0,
): Deadline => {
  const now = clock.now();
  return deadlineAt(now + Math.max(0, remainingMs - safetyMs), clock, {
    attemptMs,
    endsAt: now + remainingMs,
  });
};

/**
 * The deadline of the invocation in progress. Clients are created once per cold start, so their retry
 * strategy reads the current deadline through this holder rather than capturing one.
 */
export class DeadlineHolder {
  #current: Deadline | undefined;

  set(deadline: Deadline): void {
    this.#current = deadline;
  }

  clear(): void {
    this.#current = undefined;
  }

  get current(): Deadline | undefined {
    return this.#current;
  }
}
