import { describe, expect, it } from "vitest";
import { benchVfxt } from "../../../bench/vfxt";

/** bench/vfxt.ts (wired into `npm run bench`): runs, and its figures follow from the plan and the clock. */

interface BenchCase {
  mode: "secondary" | "route";
  addresses: number;
  nodes: number;
  tables: number;
  graceSeconds: number;
  moved: number;
  decision: string;
  writeCalls: number;
  byOperation: Record<string, number>;
  waitedMs: number;
  servedMs: number;
  endMs: number;
  overheadPct: number | null;
}

describe("benchVfxt", () => {
  it("a node stops: its k/m addresses served after the grace and the remap, one write per target ENI or per table", async () => {
    const out = (await benchVfxt(500, 10)) as { remapMs: number; apiLatencyMs: number; cases: BenchCase[] };
    expect(out).toMatchObject({ remapMs: 500, apiLatencyMs: 10 });
    expect(out.cases.map((c) => [c.addresses, c.graceSeconds])).toEqual([
      [6, 0],
      [6, 60],
      [64, 0],
      [64, 60],
      [3, 0],
      [32, 60],
    ]);
    for (const c of out.cases) {
      expect(c.decision).toBe("move");
      expect(c.moved).toBe(Math.ceil(c.addresses / c.nodes));
      // Not before the grace has passed, and then only the calls' latency on top of it (and the remap).
      expect(c.servedMs).toBeGreaterThan(c.graceSeconds * 1000);
      expect(c.endMs).toBeGreaterThanOrEqual(c.servedMs);
      if (c.mode === "secondary") {
        expect(c.writeCalls).toBe(Math.min(c.moved, c.nodes - 1));
        expect(c.byOperation.AssignPrivateIpAddresses).toBe(c.writeCalls);
        expect(c.servedMs).toBeGreaterThanOrEqual(c.graceSeconds * 1000 + 500);
      } else {
        expect(c.writeCalls).toBe(c.moved * c.tables);
        expect(c.byOperation.ReplaceRoute).toBe(c.writeCalls);
      }
    }
  }, 60_000);
});
