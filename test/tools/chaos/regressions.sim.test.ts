import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../sim/harness";
import { runTrace } from "../../../tools/chaos/driver";
import { modelOf } from "../../../tools/chaos/models";
import type { CapabilityModel } from "../../../tools/chaos/types";
import {
  brokenInvariants,
  callLines,
  missingExercises,
  type RegressionCase,
} from "../../support/chaos-cases";
import { startHarness } from "../../support/harness";

/**
 * Regression tests from minimized chaos traces (issue 14 item 3): every case under test/fixtures/chaos/ is
 * a shrunk trace with the account it ran on (as tools/chaos/artifacts.ts writes them), the stage
 * configuration when it is not the model's, the invariants its replay must break (none: they hold), and what
 * its replay must still exercise of the scenario it was recorded for (review 8, finding 7).
 */

const DIR = join(import.meta.dirname, "..", "..", "fixtures", "chaos");

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((file) => ({ file, c: JSON.parse(readFileSync(join(DIR, file), "utf8")) as RegressionCase }));

/** The capability's model with the case's account and configuration. */
const modelFor = (c: RegressionCase): CapabilityModel => {
  const model = modelOf(c.trace.capability);
  const stage = c.stage;
  return { ...model, fixture: () => c.fixture, stage: stage === undefined ? model.stage : () => stage };
};

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

describe("chaos regressions (test/fixtures/chaos)", () => {
  it("has cases, each with a shrunk trace of a known capability and what it exercises", () => {
    expect(cases.length).toBeGreaterThanOrEqual(2);
    for (const { file, c } of cases) {
      expect(() => modelOf(c.trace.capability)).not.toThrow();
      expect(c.exercises?.length ?? 0, `${file}: exercises`).toBeGreaterThan(0);
    }
  });

  it.each(cases)(
    "$file: the replay breaks exactly the invariants it names, and still exercises its scenario",
    { timeout: 120_000 },
    async ({ c }) => {
      const run = await runTrace(harness, modelFor(c), c.trace, { stopOnViolation: false });
      expect(brokenInvariants(run)).toEqual([...c.violations].sort());
      expect(missingExercises(c, run, callLines(harness.account))).toEqual([]);
    },
  );
});
