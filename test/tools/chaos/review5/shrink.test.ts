import { describe, expect, it } from "vitest";
import { shrinkTrace, type Verdict } from "../../../../tools/chaos/shrink";
import type { Trace, TraceItem } from "../../../../tools/chaos/types";

/**
 * Review (session 5): "does the shrinker keep the same failure" — and does it still shrink? Two
 * violations are "the same failure" when their invariant and message match (durations masked). Messages
 * name resources the simulated account generated during the run: the eni `settled` message names the
 * serving replacement (`serving ${only}`), whose id comes from the account's id counter
 * (sim/account/ids.ts: derived from the account and a counter). Every earlier incident that launched an
 * instance shifts that counter, so dropping it changes the id in the message, the candidate is judged a
 * different failure, and the unrelated incident stays in the "minimized" trace.
 */

const launch = (at: number): TraceItem => ({ at, kind: "incident:terminate", params: { member: 0 } });
const cause: TraceItem = { at: 50_000_000, kind: "incident:holder-impaired-kept", params: {} };

const trace: Trace = {
  capability: "eni-reattach",
  seed: 3,
  days: 1,
  variant: "terminate-then-launch",
  items: [launch(1_000_000), launch(9_000_000), launch(20_000_000), cause],
};

/**
 * Like the real run: the failure needs only `cause`; the serving instance it names is the account's
 * next generated id, one per earlier replacement launched.
 */
const verdict: Verdict = async (t) => {
  if (!t.items.some((i) => i.kind === cause.kind)) return [];
  const launched = t.items.filter((i) => i.kind === "incident:terminate").length;
  const serving = `i-0e${(0x51c0 + launched * 0x1f3).toString(16)}00000000a`;
  return [
    {
      invariant: "settled",
      message: `fw-asg: eni-0a00000000000001 is not attached to the serving ${serving} at 1 (available)`,
    },
  ];
};

describe("review5: shrinking", () => {
  it("review: shrinking drops incidents that only shift generated ids in the message (the same failure on the replacement the run created)", async () => {
    const shrunk = await shrinkTrace(trace, verdict);
    expect(shrunk.violations[0]?.invariant).toBe("settled");
    expect(shrunk.trace.items).toEqual([cause]);
  });
});
