/**
 * The probing window of one scheduled invocation of the Lambda probe. The schedule fires every minute and
 * the function has reserved concurrency 2: invocation k probes from its start until its schedule time
 * + 60 s + `overlapMs` (never past its deadline), so it hands over to invocation k+1 (which starts at
 * schedule time + 60 s + its delivery and init delay) with at most `overlapMs` of both probing, and has
 * ended before invocation k+2 is scheduled. At most two run at once: never throttled, no gap beyond the
 * next invocation's delivery delay, and a late or duplicate delivery past its window does not probe at all.
 */

export const SCHEDULE_PERIOD_MS = 60_000;

export interface ProbeWindowInput {
  /** The schedule time of the event (its `time`). */
  scheduledAt: number;
  startedAt: number;
  /** The invocation's deadline (ms epoch). */
  deadlineAt: number;
  /** Kept back from the deadline for the last flush. */
  marginMs: number;
  overlapMs: number;
}

/** When to stop probing; at or before `startedAt` means: do not probe (the window has passed). */
export const probeStopAt = (w: ProbeWindowInput): number =>
  Math.min(w.deadlineAt - w.marginMs, w.scheduledAt + SCHEDULE_PERIOD_MS + w.overlapMs);

/** How many invocations probe at `t`, for windows [start, stop) (a property test checks it is at most 2). */
export const concurrentAt = (windows: ReadonlyArray<{ start: number; stop: number }>, t: number): number =>
  windows.filter((w) => w.start <= t && t < w.stop).length;
