import type { Deadline } from "../runtime/deadline";

export interface PoolOptions {
  /** Tasks in flight at once (EC2 throttles bursts of mutating calls). */
  concurrency: number;
  /** No task starts without the time for one attempt before it (`Deadline.hasTimeForAttempt`). */
  deadline: Deadline;
}

export interface PoolReport<T> {
  /** Items whose task ran to completion. */
  ran: T[];
  /** Items whose task threw, with the error. */
  failed: Array<{ item: T; error: unknown }>;
  /** Items never started: too little time was left for an attempt, or an earlier task threw. */
  notStarted: T[];
}

/**
 * The one deadline-aware concurrency pool: runs `task` over `items`, at most `concurrency` at a time, in
 * order. It starts no task that one attempt would carry past the deadline (a task is at least one AWS
 * call; review7 F1), and none after a task threw (fail fast: the
 * tasks in flight finish, the rest are reported as not started). Never rejects.
 */
export const runPool = async <T>(
  items: readonly T[],
  options: PoolOptions,
  task: (item: T) => Promise<void>,
): Promise<PoolReport<T>> => {
  const report: PoolReport<T> = { ran: [], failed: [], notStarted: [] };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      if (report.failed.length > 0 || !options.deadline.hasTimeForAttempt()) {
        report.notStarted.push(item);
        continue;
      }
      try {
        await task(item);
        report.ran.push(item);
      } catch (error) {
        report.failed.push({ item, error });
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return report;
};
