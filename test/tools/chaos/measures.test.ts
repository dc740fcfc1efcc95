import { describe, expect, it } from "vitest";
import {
  addMeasures,
  Episodes,
  emptyMeasures,
  formatMeasures,
  summarize,
} from "../../../tools/chaos/measures";

describe("chaos measures", () => {
  it("an episode lasts from the first observation that holds to the first that does not, per key", () => {
    const m = emptyMeasures();
    const e = new Episodes(m, "unserved");
    e.observe("a", false, 0);
    e.observe("a", true, 10_000);
    e.observe("b", true, 15_000);
    e.observe("a", true, 20_000);
    e.observe("a", false, 70_000);
    e.observe("b", false, 20_000);
    expect(m.samples).toEqual({ unserved: [60, 5] });
  });

  it("finish records the episodes still open and counts them as open", () => {
    const m = emptyMeasures();
    const e = new Episodes(m, "unserved");
    e.observe("a", true, 0);
    e.finish(90_000);
    e.finish(100_000);
    expect(m).toEqual({ samples: { unserved: [90] }, open: { unserved: 1 } });
  });

  it("summarizes runs added together: nearest-rank p50 and p95, max, open", () => {
    const total = emptyMeasures();
    addMeasures(total, { samples: { x: [5, 1, 3] }, open: { x: 1 } });
    addMeasures(total, { samples: { x: [2, 4], y: [7] }, open: {} });
    addMeasures(total, undefined);
    const s = summarize(total);
    expect(s).toEqual({
      x: { count: 5, open: 1, p50: 3, p95: 5, max: 5 },
      y: { count: 1, open: 0, p50: 7, p95: 7, max: 7 },
    });
    expect(formatMeasures(s)).toEqual([
      "  x: n=5 (1 open at the end) p50 3 s, p95 5 s, max 5 s",
      "  y: n=1 p50 7 s, p95 7 s, max 7 s",
    ]);
  });
});
