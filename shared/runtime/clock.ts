/**
 * The only time source of capability code. Deployed, it is the system clock; the simulated account's
 * harness passes its own clock so that handlers can run on simulated time (days in seconds) without
 * real waiting.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};
