import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../sim/harness";
import { runTrace } from "../../../tools/chaos/driver";
import { modelOf } from "../../../tools/chaos/models";
import type { CapabilityModel, Trace } from "../../../tools/chaos/types";
import { startHarness } from "../../support/harness";

/**
 * Regression tests from minimized chaos traces (issue 14 item 3): every case under test/fixtures/chaos/ is
 * a shrunk trace with the account it ran on (as tools/chaos/artifacts.ts writes them), the stage
 * configuration when it is not the model's, and the invariants its replay must break (none: they hold).
 */

const DIR = join(import.meta.dirname, "..", "..", "fixtures", "chaos");

interface RegressionCase {
  description: string;
  trace: Trace;
  fixture: unknown;
  stage?: Record<string, unknown>;
  violations: string[];
}

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
  it("has cases, each with a shrunk trace of a known capability", () => {
    expect(cases.length).toBeGreaterThanOrEqual(2);
    for (const { c } of cases) expect(() => modelOf(c.trace.capability)).not.toThrow();
  });

  it.each(cases)(
    "$file: the replay breaks exactly the invariants it names",
    { timeout: 120_000 },
    async ({ c }) => {
      const run = await runTrace(harness, modelFor(c), c.trace, { stopOnViolation: false });
      expect([...new Set(run.violations.map((v) => v.invariant))].sort()).toEqual([...c.violations].sort());
    },
  );
});
