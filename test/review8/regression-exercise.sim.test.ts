import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../sim/harness";
import { type RunResult, runTrace } from "../../tools/chaos/driver";
import { modelOf } from "../../tools/chaos/models";
import type { CapabilityModel } from "../../tools/chaos/types";
import { brokenInvariants, callLines, missingExercises, type RegressionCase } from "../support/chaos-cases";
import { startHarness } from "../support/harness";

/**
 * Review 8, finding 7: a regression case whose invariants hold (`violations: []`, every case fixed so far)
 * asserts only that its replay breaks nothing (test/tools/chaos/regressions.sim.test.ts). It cannot tell a
 * replay that still reaches the situation it was recorded for from one that no longer does — after a change
 * of the driver's timing (call latencies, step grid, a fault burst's 10 minutes) or of the model, the faults
 * may fire on other calls or on none, and the case keeps passing. Demonstrated on 221005 (the hibernation's
 * request tag refused past the SDK's retries): with both CreateTags faults removed, its trace exercises
 * nothing of what it was recorded for, and the regression check still passes.
 *
 * Fixed: every case lists what its replay must exercise (`exercises`: text its replay's log or calls must
 * show, e.g. the CreateTags attempts refused), and the regression test checks it.
 */

const CASE = JSON.parse(
  readFileSync("test/fixtures/chaos/idle-hibernate-221005-request-tag-refused.json", "utf8"),
) as RegressionCase;

const modelFor = (c: RegressionCase): CapabilityModel => {
  const model = modelOf(c.trace.capability);
  return {
    ...model,
    fixture: () => c.fixture,
    ...(c.stage === undefined ? {} : { stage: () => c.stage ?? {} }),
  };
};

/** The regression test's verdict on a replay (test/tools/chaos/regressions.sim.test.ts). */
const regressionHolds = (c: RegressionCase, run: RunResult, calls: string[]): boolean =>
  JSON.stringify(brokenInvariants(run)) === JSON.stringify([...c.violations].sort()) &&
  missingExercises(c, run, calls).length === 0;

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual", transport: "memory" });
});
afterAll(async () => {
  await harness.close();
});

describe("review 8 finding 7: a holding regression case checks it still exercises its scenario", () => {
  it("review: 221005 with its CreateTags faults removed no longer passes the regression check", {
    timeout: 120_000,
  }, async () => {
    const stripped: RegressionCase = {
      ...CASE,
      trace: { ...CASE.trace, items: CASE.trace.items.filter((i) => i.kind !== "api-fault") },
    };
    expect(stripped.trace.items.length).toBeLessThan(CASE.trace.items.length);
    const run = await runTrace(harness, modelFor(CASE), stripped.trace, { stopOnViolation: false });
    expect(regressionHolds(CASE, run, callLines(harness.account))).toBe(false);
  });
});
