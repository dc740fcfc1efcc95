import { describe, expect, it } from "vitest";
import { benchVfxt } from "../../../bench/vfxt";

/** bench/vfxt.ts (wired into `npm run bench`): runs, and its call counts follow from the plan. */

interface BenchCase {
  mode: "secondary" | "route";
  addresses: number;
  nodes: number;
  routeTables: number;
  moved: number;
  decision: string;
  apiCalls: number;
  writeCalls: number;
  byOperation: Record<string, number>;
  simMs: number;
  wallMs: number;
}

describe("benchVfxt", () => {
  it("moves the stopped node's k/m addresses: one AssignPrivateIpAddresses per target ENI, one route write per table", async () => {
    const out = (await benchVfxt(50)) as { remapMs: number; cases: BenchCase[] };
    expect(out.remapMs).toBe(50);
    expect(out.cases.length).toBeGreaterThanOrEqual(4);
    for (const c of out.cases) {
      expect(c.decision).toBe("move");
      expect(c.moved).toBe(Math.ceil(c.addresses / c.nodes));
      if (c.mode === "secondary") {
        expect(c.writeCalls).toBe(Math.min(c.moved, c.nodes - 1));
        expect(c.byOperation.AssignPrivateIpAddresses).toBe(c.writeCalls);
      } else {
        expect(c.writeCalls).toBe(c.moved * c.routeTables);
        expect(c.byOperation.ReplaceRoute).toBe(c.writeCalls);
      }
      expect(c.simMs).toBeGreaterThanOrEqual(0);
    }
  }, 60_000);
});
