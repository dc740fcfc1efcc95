import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../sim/harness";
import { runCapability } from "../../../tools/chaos/campaign";
import { MODELS } from "../../../tools/chaos/models";
import { startHarness } from "../../support/harness";

/**
 * A short fixed-seed campaign per capability (the one CI runs): one simulated day of incidents and
 * faults, every invariant holding after every step, every event acted on, ignored with a reason or kept.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

describe("chaos campaign, seed 1, one day", () => {
  for (const model of MODELS)
    it(`${model.capability}: no violation`, { timeout: 300_000 }, async () => {
      const result = await runCapability(harness, model, { days: 1, seed: 1, runDays: 1 });
      expect(result.violations).toEqual([]);
      expect(result.days).toBeGreaterThanOrEqual(1);
      expect(result.days).toBeLessThan(1.05);
      expect(result.incidents).toBeGreaterThanOrEqual(model.incidentsPerDay[0]);
      expect(result.invocations).toBeGreaterThan(0);
    });
});
