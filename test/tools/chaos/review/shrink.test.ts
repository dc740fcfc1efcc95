import { describe, expect, it } from "vitest";
import { shrinkTrace, type Verdict } from "../../../../tools/chaos/shrink";
import type { Trace, Violation } from "../../../../tools/chaos/types";

/**
 * Review of shrinking (issue 14: "the shortest event sequence that still breaks the invariant"): the
 * minimized trace must reproduce the violation that was found, which the campaign then reports and writes
 * out (campaign.ts reports the re-run's first violation).
 */

const trace: Trace = {
  capability: "vfxt-ip-move",
  seed: 7,
  days: 1,
  variant: "grace-900",
  items: [
    { at: 1_000, kind: "incident:stop", params: { node: 0 } },
    { at: 2_000, kind: "incident:status-check-failed", params: { node: 4, check: "system" } },
  ],
};

const found: Violation = {
  invariant: "served",
  message: "vfxt-a 10.20.1.101 is on [], 0 of them a healthy node's",
};

/** Both items: the violation found; only the second: what `second` says; anything else: none. */
const verdictWith =
  (second: Violation[]): Verdict =>
  async (t) => {
    const kinds = t.items.map((i) => i.kind).join(",");
    if (kinds === "incident:stop,incident:status-check-failed") return [found];
    if (kinds === "incident:status-check-failed") return second;
    return [];
  };

describe("review: shrinking", () => {
  it("review: the shrunk trace's first violation is the invariant that was shrunk (the one the campaign reports)", async () => {
    const other: Violation = { invariant: "one-eni-per-vpc", message: "vpc|10.20.1.104 is on two ENIs" };
    const shrunk = await shrinkTrace(trace, verdictWith([other, found]));
    expect(shrunk.violations[0]?.invariant).toBe("served");
  });

  it("review: shrinking keeps the failure found, not another failure that shares its invariant's name", async () => {
    const elsewhere: Violation = { invariant: "served", message: "vfxt-b 10.250.0.12/32 routes to [(none)]" };
    const shrunk = await shrinkTrace(trace, verdictWith([elsewhere]));
    expect(shrunk.violations).toContainEqual(found);
  });
});
