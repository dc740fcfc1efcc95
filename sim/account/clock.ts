/**
 * The simulated account's clock. Every time the account shows (LaunchTime, StateUpdatedTimestamp,
 * the `at` of a call record) and every asynchronous transition (stopping → stopped) is read from it.
 *
 * - `manual` (default): time only moves when a test or the control endpoint says so (`advance`,
 *   `set`), or when a fault adds latency. Fully deterministic.
 * - `real`: time follows the wall clock from the start time, plus any manual offsets. For
 *   interactive sessions against the HTTP simulator, where a handler polls and waits.
 */
export type ClockMode = "manual" | "real";

export interface SimClockOptions {
  start: Date;
  mode?: ClockMode;
  /** Wall clock in ms, for `real` mode (injectable for tests). */
  wallClock?: () => number;
}

export class SimClock {
  readonly mode: ClockMode;
  private baseMs: number;
  private wallAtBase: number;
  private readonly wall: () => number;

  constructor(options: SimClockOptions) {
    this.mode = options.mode ?? "manual";
    this.wall = options.wallClock ?? Date.now;
    this.baseMs = options.start.getTime();
    this.wallAtBase = this.wall();
    if (Number.isNaN(this.baseMs)) throw new RangeError("SimClock: invalid start time");
  }

  nowMs(): number {
    return this.mode === "real" ? this.baseMs + (this.wall() - this.wallAtBase) : this.baseMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /** Moves time forward by `ms` (≥ 0) and returns the new time. */
  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`SimClock.advance: ms must be ≥ 0, got ${ms}`);
    this.baseMs += ms;
    return this.now();
  }

  /** Jumps to `date`. Going backwards is allowed (for tests) but pending transitions keep their due time. */
  set(date: Date): Date {
    const ms = date.getTime();
    if (Number.isNaN(ms)) throw new RangeError("SimClock.set: invalid date");
    this.baseMs = ms;
    this.wallAtBase = this.wall();
    return this.now();
  }

  toJSON(): { now: string; mode: ClockMode } {
    return { now: this.now().toISOString(), mode: this.mode };
  }
}
