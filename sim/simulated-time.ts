/**
 * Simulated time for handlers: a Clock (shared/runtime/clock.ts) whose `now()` is the simulated
 * account's clock and whose `sleep(ms)` waits for simulated time instead of real time. A handler that
 * polls every second for a minute takes a minute of simulated time and no real waiting.
 *
 * Time moves only when everything is waiting on it: once no request to the account is under way and a
 * few turns of the event loop have passed quietly, the earliest sleeper (ties: the first to sleep) is
 * woken; if it is due later than now, the account's clock first jumps to its due time (settling every
 * asynchronous transition on the way, each at its own time). Concurrent sleepers of one handler (a pool
 * polling N resources) share the same stretch of simulated time, and a driver (a test, a chaos run) that
 * sleeps on this clock too is woken in the same order, so it can act "2.5 s into" a handler's run.
 *
 * Not seen: work that waits on real timers or on other sockets, unless it is held (`hold`): time would
 * move while a handler waits on those, by how many event-loop turns the real wait took, which depends on
 * the machine's load. The SDK's retry waits a real zero-delay timer (its backoff is waited here, on this
 * clock); shared/aws/retry.ts holds it, so a run is the same on a loaded machine (docs/chaos.md, "Session 8").
 */
import type { Clock } from "../shared/runtime/clock";

/** The clock being driven: the current simulated account's. */
export interface TimeSource {
  nowMs(): number;
  /** Moves the clock forward by `ms` and applies what became due. */
  advance(ms: number): unknown;
}

/** Work under way that simulated time must not move under (requests to the account). */
export interface Activity {
  readonly busy: boolean;
  /** Changes whenever work starts or ends. */
  readonly changes: number;
}

interface Sleeper {
  due: number;
  order: number;
  wake: () => void;
}

/** Event-loop turns without activity before a sleeper wakes: a response is parsed and acted on by then. */
const QUIET_TURNS = 3;

const IDLE: Activity = { busy: false, changes: 0 };

export class SimulatedTime implements Clock {
  readonly #source: () => TimeSource;
  readonly #sleepers: Sleeper[] = [];
  #activity: Activity = IDLE;
  #order = 0;
  #stepScheduled = false;
  /** Work held (`hold`) still pending, and a count that changes whenever such work starts or ends. */
  #held = 0;
  #heldChanges = 0;

  constructor(source: () => TimeSource) {
    this.#source = source;
  }

  now(): number {
    return this.#source().nowMs();
  }

  /** Resolves once simulated time reaches now + `ms`, or earlier when `signal` aborts. Never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper: Sleeper = {
        due: this.now() + Math.max(0, ms),
        order: this.#order++,
        wake: () => {
          signal?.removeEventListener("abort", abort);
          resolve();
        },
      };
      const abort = () => {
        const index = this.#sleepers.indexOf(sleeper);
        if (index >= 0) this.#sleepers.splice(index, 1);
        resolve();
      };
      signal?.addEventListener("abort", abort, { once: true });
      this.#sleepers.push(sleeper);
      this.poke();
    });
  }

  /** Sleeps not yet over. */
  get pending(): number {
    return this.#sleepers.length;
  }

  /** Time does not move until `work` settles (a real-timer wait the activity does not show). */
  hold<T>(work: Promise<T>): Promise<T> {
    this.#held += 1;
    this.#heldChanges += 1;
    return work.finally(() => {
      this.#held -= 1;
      this.#heldChanges += 1;
      this.poke();
    });
  }

  /** Activity changes and held work starting or ending: tells a quiet stretch from a busy one. */
  get #changes(): number {
    return this.#activity.changes + this.#heldChanges;
  }

  /** Work to wait for before moving time; call `poke` when it ends. */
  watch(activity: Activity): void {
    this.#activity = activity;
  }

  /** Looks again for a sleeper to wake (after a sleep began or watched work ended). */
  poke(): void {
    if (this.#stepScheduled || this.#sleepers.length === 0) return;
    this.#stepScheduled = true;
    setImmediate(() => this.#step(0, this.#changes));
  }

  #step(quietTurns: number, changes: number): void {
    if (this.#activity.busy || this.#held > 0) {
      this.#stepScheduled = false;
      return;
    }
    const quiet = this.#changes === changes ? quietTurns + 1 : 0;
    if (quiet < QUIET_TURNS) {
      setImmediate(() => this.#step(quiet, this.#changes));
      return;
    }
    this.#stepScheduled = false;
    this.#wakeEarliest();
    this.poke();
  }

  #wakeEarliest(): void {
    let earliest: Sleeper | undefined;
    for (const s of this.#sleepers)
      if (
        earliest === undefined ||
        s.due < earliest.due ||
        (s.due === earliest.due && s.order < earliest.order)
      )
        earliest = s;
    if (earliest === undefined) return;
    this.#sleepers.splice(this.#sleepers.indexOf(earliest), 1);
    const source = this.#source();
    const now = source.nowMs();
    if (earliest.due > now) source.advance(earliest.due - now);
    earliest.wake();
  }
}
