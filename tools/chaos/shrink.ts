/**
 * Shrinking a failing trace: drop its items (incidents and faults) one at a time, keeping each removal
 * after which the run still violates the same invariant, until no single item can go; then cut the run's
 * days to the last item's. Deterministic: the same failing trace shrinks to the same trace.
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

/** The smallest trace found that still violates `invariant` (the first violation's, by default). */
export const shrinkTrace = async (trace: Trace, verdict: Verdict, maxRuns = 200): Promise<Shrunk> => {
  let runs = 1;
  let violations = await verdict(trace);
  const invariant = violations[0]?.invariant;
  if (invariant === undefined) return { trace, violations, runs };
  const stillFails = async (candidate: Trace): Promise<Violation[] | undefined> => {
    runs += 1;
    const found = await verdict(candidate);
    return found.some((v) => v.invariant === invariant) ? found : undefined;
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
