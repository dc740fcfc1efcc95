import type { Clock } from "../runtime/clock";
import type { Deadline } from "../runtime/deadline";

export interface WaitOptions {
  deadline: Deadline;
  /** Upper bound for this wait, on top of the invocation deadline. */
  timeoutMs: number;
  /** First pause between reads; doubles up to maxIntervalMs. */
  intervalMs?: number;
  maxIntervalMs?: number;
  /**
   * Instead of doubling, each pause is this fraction of the time waited so far (within intervalMs and
   * maxIntervalMs): a change is seen at most that fraction late (or intervalMs, early in the wait).
   */
  lateFraction?: number;
  /** The clock to read and wait on; the deadline's by default. */
  clock?: Clock;
}

export interface WaitResult<T> {
  done: boolean;
  last: T;
  reads: number;
  waitedMs: number;
}

/**
 * Reads state until `isDone` holds or time runs out (`timeoutMs`, or no time left before the invocation
 * deadline for one more read's attempt). AWS applies many changes asynchronously, so "verified" means "read back and seen".
 */
export const readUntil = async <T>(
  read: () => Promise<T>,
  isDone: (value: T) => boolean,
  options: WaitOptions,
): Promise<WaitResult<T>> => {
  const clock = options.clock ?? options.deadline.clock;
  const now = () => clock.now();
  const started = now();
  const timeoutAt = started + options.timeoutMs;
  // No read starts that one attempt would carry past the deadline (review7 F1): the next read after a
  // pause of `interval` must end in time, or the wait stops here.
  const hasTimeToRead = (pause: number) =>
    now() + pause < timeoutAt && options.deadline.hasTimeForAttempt(pause, now());
  const firstInterval = options.intervalMs ?? 250;
  let interval = firstInterval;
  const maxInterval = options.maxIntervalMs ?? 2000;
  let reads = 0;
  for (;;) {
    const last = await read();
    reads += 1;
    if (isDone(last)) return { done: true, last, reads, waitedMs: now() - started };
    if (!hasTimeToRead(interval)) return { done: false, last, reads, waitedMs: now() - started };
    await clock.sleep(interval);
    const next =
      options.lateFraction === undefined
        ? interval * 2
        : Math.max(firstInterval, Math.floor(options.lateFraction * (now() - started)));
    interval = Math.min(next, maxInterval);
  }
};
