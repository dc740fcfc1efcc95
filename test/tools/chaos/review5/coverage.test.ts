import { describe, expect, it } from "vitest";
import { generateTrace } from "../../../../tools/chaos/generate";
import { vfxtIpMoveModel } from "../../../../tools/chaos/incidents/vfxt-ip-move";

/**
 * Review (session 5, deterministic simulation): which incidents the generator really produces at the
 * configured rates. A vFXT grace exists for one race, a node that comes back (or whose addresses the
 * cluster moves itself) while the function waits; the generator draws every incident at an independent
 * uniform time of the day, so that race is left to chance.
 */

const FAILURES = new Set(["incident:stop", "incident:terminate", "incident:status-check-failed"]);
const RETURNS = new Set(["incident:start", "incident:status-check-recovered", "incident:cluster-moves"]);
const graceOf = (variant: string) => (variant === "grace-60" ? 60_000 : 900_000);

describe("review5: incident coverage", () => {
  it.fails("review: a vFXT node failure is followed within its grace by a return or the cluster's own move in a fair share of traces (the race the grace exists for)", () => {
    let failures = 0;
    let returnedWithinGrace = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const trace = generateTrace(vfxtIpMoveModel, seed, 1);
      const grace = graceOf(trace.variant);
      const incidents = trace.items.filter((i) => i.kind.startsWith("incident:"));
      for (const failure of incidents.filter((i) => FAILURES.has(i.kind))) {
        failures += 1;
        const back = incidents.some(
          (i) => RETURNS.has(i.kind) && i.at > failure.at && i.at <= failure.at + grace,
        );
        if (back) returnedWithinGrace += 1;
      }
    }
    expect(failures).toBeGreaterThan(100);
    // Today: 3 of 516 (0.6 %), and even those may land on another node. A tenth is a modest floor.
    expect(returnedWithinGrace / failures).toBeGreaterThanOrEqual(0.1);
  });
});
