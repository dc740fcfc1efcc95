/**
 * Simulated time for handlers: a Clock (shared/runtime/clock.ts) whose `now()` is the simulated
 * account's clock and whose `sleep(ms)` waits for simulated time instead of real time. A handler that
 * polls every second for a minute takes a minute of simulated time and no real waiting.
 *
 * Sleepers wake in order of due time (ties in the order they went to sleep), one per turn of the event
 * loop: when the earliest is due later than now, the account's clock jumps to its due time (settling
 * every asynchronous transition on the way, at its own time), then it resumes. Concurrent sleepers of one
 * handler (a pool polling N resources) share the same stretch of simulated time. A driver (a test, a
 * chaos run) that sleeps on this clock too is woken in the same order, so it can act "3 s into" a run.
 *
 * Limit: a wake happens one event-loop turn after a sleep begins, whatever else is running. A task that
 * is in the middle of an SDK call while another task's sleep wakes may see the clock already moved by that
 * sleep. Sequential code (one task sleeping at a time) runs exactly and deterministically.
 */
import type { Clock } from "../shared/runtime/clock";

/** The clock being driven: the current simulated account's. */
export interface TimeSource {
  nowMs(): number;
  /** Moves the clock forward by `ms` and applies what became due. */
  advance(ms: number): unknown;
}

interface Sleeper {
  due: number;
  order: number;
  wake: () => void;
}

export class SimulatedTime implements Clock {
  readonly #source: () => TimeSource;
  readonly #sleepers: Sleeper[] = [];
  #order = 0;
  #wakeScheduled = false;

  constructor(source: () => TimeSource) {
    this.#source = source;
  }

  now(): number {
    return this.#source().nowMs();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => {
      this.#sleepers.push({ due: this.now() + Math.max(0, ms), order: this.#order++, wake });
      this.#scheduleWake();
    });
  }

  /** Sleeps not yet over. */
  get pending(): number {
    return this.#sleepers.length;
  }

  #scheduleWake(): void {
    if (this.#wakeScheduled) return;
    this.#wakeScheduled = true;
    setImmediate(() => {
      this.#wakeScheduled = false;
      this.#wakeEarliest();
    });
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
    if (this.#sleepers.length > 0) this.#scheduleWake();
  }
}
