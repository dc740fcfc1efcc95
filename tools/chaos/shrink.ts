/**
 * Shrinking a failing trace: first cut the run's days to the violation's, then drop its items (incidents
 * and faults) one at a time, keeping each removal after which the run still breaks the same failure (same
 * invariant, same resources of the fixture), until no single item can go. Deterministic: the same failing trace shrinks
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

export interface ShrinkOptions {
  /**
   * Resource ids that name a failure (the fixture's). Any other id in a message is one the account generated
   * during the run (a replacement instance, a new ENI or attachment): dropping an unrelated earlier item
   * shifts the account's id counter and so that id, not the failure. Default: none (every id is masked).
   */
  knownIds?: ReadonlySet<string>;
}

/** An AWS resource id: a prefix (or several, `eni-attach-`, `lgw-rtb-`) and 8 to 17 hex digits. */
const RESOURCE_ID = /\b(?:[a-z]+-)+[0-9a-f]{8,17}\b/g;

/** The ids in a fixture (raw JSON), for `knownIds`. */
export const idsIn = (fixture: unknown): Set<string> => new Set(JSON.stringify(fixture).match(RESOURCE_ID));

/**
 * What makes two violations the same failure: the invariant and its message (the resources it names), with
 * the durations it quotes and the ids the run generated left out (a shorter trace may break it a few
 * seconds earlier or later, on a replacement with another generated id).
 */
const failureOf = (v: Violation, knownIds: ReadonlySet<string>): string =>
  `${v.invariant}|${v.message
    .replace(/\d+(\.\d+)?\s?(ms|s|seconds?|minutes?|min)\b/g, "#")
    .replace(RESOURCE_ID, (id) => (knownIds.has(id) ? id : "<generated>"))}`;

/**
 * The smallest trace found that still breaks the same failure as the first violation (same invariant, same
 * resources); the violations it returns start with that failure.
 */
export const shrinkTrace = async (
  trace: Trace,
  verdict: Verdict,
  maxRuns = 200,
  options: ShrinkOptions = {},
): Promise<Shrunk> => {
  const knownIds = options.knownIds ?? new Set<string>();
  let runs = 1;
  let violations = await verdict(trace);
  const first = violations[0];
  if (first === undefined) return { trace, violations, runs };
  const failure = failureOf(first, knownIds);
  const stillFails = async (candidate: Trace): Promise<Violation[] | undefined> => {
    runs += 1;
    const found = await verdict(candidate);
    const same = found.filter((v) => failureOf(v, knownIds) === failure);
    return same.length === 0
      ? undefined
      : [...same, ...found.filter((v) => failureOf(v, knownIds) !== failure)];
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
