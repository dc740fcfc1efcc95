/**
 * The time budget of one invocation. Retries and read-back loops stop before it runs out, so that a
 * failure is reported (and the event kept) instead of Lambda killing the function mid-way.
 */
export interface Deadline {
  /** Epoch milliseconds after which no new attempt may start. */
  readonly at: number;
  remainingMs(now?: number): number;
  expired(now?: number): boolean;
}

export const deadlineAt = (at: number): Deadline => ({
  at,
  remainingMs: (now = Date.now()) => Math.max(0, at - now),
  expired: (now = Date.now()) => now >= at,
});

/** A deadline `remainingMs - safetyMs` from now: the safety margin leaves time to log and report. */
export const deadlineFromRemaining = (remainingMs: number, safetyMs: number, now = Date.now()): Deadline =>
  deadlineAt(now + Math.max(0, remainingMs - safetyMs));

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

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
