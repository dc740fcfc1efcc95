/**
 * Shrinking a failing trace: first cut the run's days to the violation's, then drop its items (incidents
 * and faults) one at a time, keeping each removal after which the run still breaks the same failure (same
 * invariant, same resources), until no single item can go. Deterministic: the same failing trace shrinks
 * to the same trace.
 */
import type { Trace, Violation } from "./types";

export type Verdict = (trace: Trace) => Promise<Violation[]>;

export interface Shrunk {
  trace: Trace;
  violations: Violation[];
  /** Runs the shrinking made. */
  runs: number;
}

const DAY_MS = 86_400_000;

/**
 * What makes two violations the same failure: the invariant and its message (the resources it names), with
 * the durations it quotes left out (a shorter trace may break it a few seconds earlier or later).
 */
const failureOf = (v: Violation): string =>
  `${v.invariant}|${v.message.replace(/\d+(\.\d+)?\s?(ms|s|seconds?|minutes?|min)\b/g, "#")}`;

/**
 * The smallest trace found that still breaks the same failure as the first violation (same invariant, same
 * resources); the violations it returns start with that failure.
 */
export const shrinkTrace = async (trace: Trace, verdict: Verdict, maxRuns = 200): Promise<Shrunk> => {
  let runs = 1;
  let violations = await verdict(trace);
  const first = violations[0];
  if (first === undefined) return { trace, violations, runs };
  const failure = failureOf(first);
  const stillFails = async (candidate: Trace): Promise<Violation[] | undefined> => {
    runs += 1;
    const found = await verdict(candidate);
    const same = found.filter((v) => failureOf(v) === failure);
    return same.length === 0 ? undefined : [...same, ...found.filter((v) => failureOf(v) !== failure)];
  };
  let current = trace;
  // Fewer days first: the violation's day bounds the run.
  const lastDay = Math.ceil(((violations[0]?.at ?? 0) + 1) / DAY_MS);
  if (lastDay < current.days) {
    const cut = { ...current, days: lastDay, items: current.items.filter((i) => i.at < lastDay * DAY_MS) };
    const found = await stillFails(cut);
    if (found !== undefined) [current, violations] = [cut, found];
  }
  for (let progress = true; progress && runs < maxRuns; ) {
    progress = false;
    for (let k = current.items.length - 1; k >= 0 && runs < maxRuns; k--) {
      const candidate = { ...current, items: current.items.filter((_, j) => j !== k) };
      const found = await stillFails(candidate);
      if (found === undefined) continue;
      [current, violations] = [candidate, found];
      progress = true;
    }
  }
  return { trace: current, violations, runs };
};
