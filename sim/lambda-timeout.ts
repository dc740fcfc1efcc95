/**
 * Lambda stops a function at its timeout: the invocation ends as an error ("Task timed out after N
 * seconds"), nothing the function would have done afterwards happens, and the next invocation starts in a
 * new execution environment. On simulated time (a harness's `manual` clock) `InvocationTimeouts` does the
 * same: an invocation races a sleep to its deadline; if the deadline comes first, the invocation's sleeps
 * never end (its process is frozen, as Lambda's is), and a call to the account after the deadline is
 * refused. Sources: AWS Lambda, "Configure Lambda function timeout" and "How Lambda handles errors and
 * retries with asynchronous invocation" (a timeout is a function error, retried).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Clock } from "../shared/runtime/clock";
import type { SimulatedTime } from "./simulated-time";

/**
 * What happens in the world while an invocation sleeps (a simulation's incidents): `next` is the
 * simulated time of the next thing due, `run` applies what is due at the current time.
 */
export interface DuringInvocation {
  next(): number | undefined;
  run(): Promise<void>;
  /**
   * After a call's latency, before the account answers it (the world may have moved meanwhile), with the
   * call's operation where the request names it plainly (`operationOf`); also after a fault's latency on an
   * answer (no operation then).
   */
  between?(operation?: string): Promise<void>;
}

export type InvocationOutcome<T> = (
  | { timedOut: true }
  | { timedOut: false; value: T }
  | { timedOut: false; error: unknown }
) & {
  /** The invocation's id (`InvocationTimeouts.run`; none without simulated time). */
  id?: number;
};

export interface RunOptions {
  /** What happens in the world while the invocation sleeps. */
  during?: DuringInvocation;
  /** The latency of each of its calls (`beforeCall`), drawn in call order. */
  latency?: () => number;
}

interface Running {
  id: number;
  /** The simulated latency of the invocation's next call to the account (none: calls take no time). */
  latency: (() => number) | undefined;
  deadline: number;
  /** Aborts the invocation's sleeps at its timeout (they then never resolve for the handler). */
  sleeps: AbortController;
  /** Ends the invocation as timed out. */
  stop: () => void;
  during: DuringInvocation | undefined;
  /** A fault's latency the account left to the invocation to wait once the answer is back (`deferLatency`). */
  answerLatencyMs: number;
}

/**
 * The deadline is not a sleeper of its own: simulated time moves only when the handler sleeps on it (a
 * handler waiting on a real timer, as the SDK's zero-delay backoff does, must not see time jump), and a
 * sleep that would end at or after the deadline ends the invocation there instead.
 */
export class InvocationTimeouts {
  readonly #time: SimulatedTime;
  readonly #stopped = new Set<number>();
  /** The invocation an async flow belongs to: concurrent invocations each see their own. */
  readonly #current = new AsyncLocalStorage<Running>();
  readonly #running = new Set<Running>();
  /** The invocation whose call went out last (loopback: the server's flow does not carry the caller's). */
  #lastCaller: Running | undefined;
  #next = 0;

  constructor(time: SimulatedTime) {
    this.#time = time;
  }

  /** The clock handlers run on: simulated time, whose sleeps never end for an invocation stopped at its timeout. */
  readonly clock: Clock = {
    now: () => this.#time.now(),
    sleep: (ms, signal) => this.#sleep(ms, signal),
    hold: (work) => this.#time.hold(work),
  };

  /** Whether the invocation making the current call has passed its deadline (its calls are refused). */
  get pastDeadline(): boolean {
    const caller = this.#caller();
    return caller !== undefined && this.#time.now() >= caller.deadline;
  }

  /** The id of the invocation making the current call (see `run`), if one is under way. */
  get callerId(): number | undefined {
    return this.#caller()?.id;
  }

  /**
   * Holds a call of the current invocation for its simulated latency (the request's way to AWS and
   * back): what falls due meanwhile happens first, as between two calls in AWS; a call whose latency
   * crosses the deadline ends the invocation there. Without a latency (or outside an invocation) it
   * returns at once.
   */
  async beforeCall(operation?: string): Promise<void> {
    const running = this.#current.getStore();
    if (running?.latency !== undefined) {
      await this.#sleep(running.latency());
      await running.during?.between?.(operation);
    }
    this.#lastCaller = running;
  }

  /**
   * The account's fault latency for the call being answered: the invocation making it waits it on
   * simulated time after the answer (`afterCall`), so the world goes on meanwhile and its deadline may
   * fall inside it. False outside an invocation, and for an invocation with no world running beside it
   * (no `during`: a test or benchmark calling a handler alone), where the account's clock jumps, as before.
   */
  deferLatency(ms: number): boolean {
    const caller = this.#caller();
    if (caller === undefined || caller.during === undefined) return false;
    caller.answerLatencyMs += ms;
    return true;
  }

  /**
   * Holds the answer of the current invocation's call for the latency `deferLatency` left to it, or until
   * `signal` aborts (the client gave up on the call: its request timeout).
   */
  async afterCall(signal?: AbortSignal): Promise<void> {
    const running = this.#current.getStore() ?? this.#caller();
    if (running === undefined || running.answerLatencyMs === 0) return;
    const ms = running.answerLatencyMs;
    running.answerLatencyMs = 0;
    await this.#current.run(running, () => this.#sleep(ms, signal));
    await running.during?.between?.();
  }

  #caller(): Running | undefined {
    const own = this.#current.getStore();
    if (own !== undefined) return own;
    if (this.#running.size === 1) return this.#running.values().next().value;
    return this.#lastCaller !== undefined && this.#running.has(this.#lastCaller)
      ? this.#lastCaller
      : undefined;
  }

  /**
   * Runs `work` as one invocation with `timeoutMs` of simulated time. Invocations may run concurrently
   * (each in its own execution environment): each sees its own deadline, sleeps and call latency.
   */
  async run<T>(
    timeoutMs: number,
    work: () => Promise<T>,
    options: RunOptions = {},
  ): Promise<InvocationOutcome<T>> {
    const { during, latency } = options;
    let stop = () => {};
    const timedOut = new Promise<InvocationOutcome<T>>((resolve) => {
      stop = () => resolve({ timedOut: true });
    });
    const running: Running = {
      id: this.#next++,
      latency,
      deadline: this.#time.now() + timeoutMs,
      sleeps: new AbortController(),
      stop,
      during,
      answerLatencyMs: 0,
    };
    this.#running.add(running);
    try {
      const done = this.#current.run(running, work).then(
        (value): InvocationOutcome<T> => ({ timedOut: false, value }),
        (error: unknown): InvocationOutcome<T> => ({ timedOut: false, error }),
      );
      const outcome = await Promise.race([done, timedOut]);
      if (outcome.timedOut) {
        this.#stopped.add(running.id);
        running.sleeps.abort();
      }
      return { ...outcome, id: running.id };
    } finally {
      this.#running.delete(running);
    }
  }

  async #sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const running = this.#current.getStore();
    if (running === undefined) return this.#time.sleep(ms, signal);
    const until = this.#time.now() + ms;
    // What is due in the world before the sleep ends happens at its time, the handler still asleep.
    for (let at = running.during?.next(); at !== undefined; at = running.during?.next()) {
      if (at >= until || at >= running.deadline || signal?.aborted === true) break;
      await this.#sleepFor(running, Math.max(0, at - this.#time.now()), signal);
      if (this.#time.now() >= at) await running.during?.run();
    }
    return this.#sleepFor(running, Math.max(0, until - this.#time.now()), signal);
  }

  #sleepFor(running: Running, ms: number, signal?: AbortSignal): Promise<void> {
    const left = running.deadline - this.#time.now();
    const crosses = ms >= left;
    const both =
      signal === undefined ? running.sleeps.signal : AbortSignal.any([signal, running.sleeps.signal]);
    return new Promise((resolve) => {
      void this.#time.sleep(crosses ? Math.max(0, left) : ms, both).then(() => {
        if (this.#stopped.has(running.id) || running.sleeps.signal.aborted) return;
        if (crosses && signal?.aborted !== true) running.stop();
        else resolve();
      });
    });
  }
}
