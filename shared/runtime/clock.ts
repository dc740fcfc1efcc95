/**
 * The only time source of capability code. Deployed, it is the system clock; the simulated account's
 * harness passes its own clock so that handlers can run on simulated time (days in seconds) without
 * real waiting.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock's time, or earlier when `signal` aborts. Never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Time must not move while `work` is pending: for work that waits on a real timer outside this clock (the
   * SDK's zero-delay wait inside a retry). Only simulated time has it; the system clock moves anyway.
   */
  hold?<T>(work: Promise<T>): Promise<T>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
    }),
};
