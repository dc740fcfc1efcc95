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
  remainingMs(now?: number): number;
  expired(now?: number): boolean;
}

export const deadlineAt = (at: number, clock: Clock = systemClock): Deadline => ({
  at,
  clock,
  remainingMs: (now = clock.now()) => Math.max(0, at - now),
  expired: (now = clock.now()) => now >= at,
});

/** A deadline `remainingMs - safetyMs` from now: the safety margin leaves time to log and report. */
export const deadlineFromRemaining = (
  remainingMs: number,
  safetyMs: number,
  clock: Clock = systemClock,
): Deadline => deadlineAt(clock.now() + Math.max(0, remainingMs - safetyMs), clock);

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
