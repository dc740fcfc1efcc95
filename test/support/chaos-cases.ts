import type { SimulatedAccount } from "../../sim";
import type { RunResult } from "../../tools/chaos/driver";
import type { Trace } from "../../tools/chaos/types";

/** A regression case under test/fixtures/chaos/ (tools/chaos/artifacts.ts writes them). */
export interface RegressionCase {
  description: string;
  trace: Trace;
  fixture: unknown;
  stage?: Record<string, unknown>;
  /** The invariants its replay must break (none: they hold). */
  violations: string[];
  /**
   * What its replay must still show of the scenario it was recorded for (review 8, finding 7): each text
   * is found in a line of the run's log or of its calls (`callLines`). A replay that no longer reaches the
   * scenario (the driver's timing or the model changed) fails instead of passing on nothing.
   */
  exercises: string[];
}

/** One line per call of the account: `<operation> <outcome> <error code> <faults fired>`. */
export const callLines = (account: SimulatedAccount): string[] =>
  account.calls.map((c) =>
    `${c.operation} ${c.outcome} ${c.error?.code ?? ""} ${(c.faults ?? []).join(",")}`.trimEnd(),
  );

/** The texts of `exercises` that no line of the run's log or calls shows. */
export const missingExercises = (c: RegressionCase, run: RunResult, calls: readonly string[]): string[] =>
  c.exercises.filter((text) => ![...run.log, ...calls].some((line) => line.includes(text)));

/** The distinct invariants a run broke, sorted. */
export const brokenInvariants = (run: RunResult): string[] =>
  [...new Set(run.violations.map((v) => v.invariant))].sort();
