import { describe, expect, it } from "vitest";
import { idsIn, shrinkTrace, type Verdict } from "../../../tools/chaos/shrink";
import type { Trace, TraceItem } from "../../../tools/chaos/types";

const item = (at: number, pick: number): TraceItem => ({ at, kind: "incident:unhealthy", params: { pick } });
const trace: Trace = {
  capability: "eni-reattach",
  seed: 1,
  days: 1,
  variant: "terminate-then-launch",
  items: [item(1_000, 0), item(2_000, 1)],
};

/** The failure names the fixture ENI of the last item left: another item, another resource. */
const verdict: Verdict = async (t) => {
  const last = t.items.at(-1);
  if (last === undefined) return [];
  return [{ invariant: "settled", message: `eni-0a0000000000000${last.params.pick} is not attached` }];
};

describe("shrinking: the same failure is the same invariant on the same fixture resources", () => {
  it("a fixture id in the message is kept: a failure on another fixture ENI is another failure", async () => {
    const knownIds = idsIn({ enis: ["eni-0a00000000000000", "eni-0a00000000000001"] });
    expect([...knownIds]).toEqual(["eni-0a00000000000000", "eni-0a00000000000001"]);
    const shrunk = await shrinkTrace(trace, verdict, 200, { knownIds });
    // Dropping the last item moves the failure to eni-…0: not the same failure, the item stays.
    expect(shrunk.trace.items).toEqual([item(2_000, 1)]);
    expect(shrunk.violations[0]?.message).toBe("eni-0a00000000000001 is not attached");
  });

  it("without the fixture's ids every id is masked", async () => {
    const shrunk = await shrinkTrace(trace, verdict);
    expect(shrunk.trace.items).toEqual([item(1_000, 0)]);
  });
});
