import type { Clock } from "../runtime/clock";
import type { Deadline } from "../runtime/deadline";

export interface WaitOptions {
  deadline: Deadline;
  /** Upper bound for this wait, on top of the invocation deadline. */
  timeoutMs: number;
  /** First pause between reads; doubles up to maxIntervalMs. */
  intervalMs?: number;
  maxIntervalMs?: number;
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
 * Reads state until `isDone` holds or time runs out (the earlier of the invocation deadline and
 * `timeoutMs`). AWS applies many changes asynchronously, so "verified" means "read back and seen".
 */
export const readUntil = async <T>(
  read: () => Promise<T>,
  isDone: (value: T) => boolean,
  options: WaitOptions,
): Promise<WaitResult<T>> => {
  const clock = options.clock ?? options.deadline.clock;
  const now = () => clock.now();
  const started = now();
  const stopAt = Math.min(options.deadline.at, started + options.timeoutMs);
  let interval = options.intervalMs ?? 250;
  const maxInterval = options.maxIntervalMs ?? 2000;
  let reads = 0;
  for (;;) {
    const last = await read();
    reads += 1;
    if (isDone(last)) return { done: true, last, reads, waitedMs: now() - started };
    if (now() + interval >= stopAt) return { done: false, last, reads, waitedMs: now() - started };
    await clock.sleep(interval);
    interval = Math.min(interval * 2, maxInterval);
  }
};
