import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MetricStore, type Series } from "../../../sim/account/metric-store";

const sample = (at: number, v: number) => ({ at, sum: v, count: 1, min: v, max: v });

describe("metric store: one series per namespace, name and dimensions", () => {
  it("finds a series whatever the order of its dimensions", () => {
    const store = new MetricStore();
    store.add(
      "ops",
      "PathHealthy",
      [
        { Name: "Path", Value: "vpn" },
        { Name: "Group", Value: "g" },
      ],
      sample(0, 1),
    );
    const series = store.get("ops", "PathHealthy", [
      { Name: "Group", Value: "g" },
      { Name: "Path", Value: "vpn" },
    ]);
    expect(series?.samples).toEqual([sample(0, 1)]);
  });

  it("keeps apart series whose parts would run together once joined", () => {
    const store = new MetricStore();
    const tricky: Array<[string, string, { Name: string; Value: string }[]]> = [
      ["a\u0001b", "c", []],
      ["a", "b\u0001c", []],
      ["a", "b", [{ Name: "c", Value: "" }]],
      ["a", "b", [{ Name: "c\u0001", Value: "" }]],
      ["a", "b", [{ Name: "c", Value: "\u0001" }]],
      ["a", "b", [{ Name: "\u0002c", Value: "" }]],
      ["a", "b", [{ Name: '\u0002"c"', Value: "" }]],
    ];
    for (const [i, [ns, name, dims]] of tricky.entries()) store.add(ns, name, dims, sample(i, i));
    expect(store.series.size).toBe(tricky.length);
    for (const [i, [ns, name, dims]] of tricky.entries())
      expect(store.get(ns, name, dims)?.samples).toEqual([sample(i, i)]);
  });
});

describe("metric store: the statistics of consecutive periods in one pass", () => {
  const stats = ["Average", "Sum", "Minimum", "Maximum", "SampleCount"] as const;

  it("answers each period as `statistic` does, only where samples fall", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 600 }), fc.integer({ min: -50, max: 50 })), {
          maxLength: 60,
        }),
        fc.constantFrom(...stats),
        fc.integer({ min: -100, max: 300 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 0, max: 900 }),
        (points, stat, from, periodMs, span) => {
          const store = new MetricStore();
          for (const [at, v] of points) store.add("ops", "m", [], sample(at, v / 4));
          const series = store.get("ops", "m", []);
          fc.pre(series !== undefined);
          const expected = { starts: [] as number[], values: [] as number[] };
          for (let t = from; t < from + span; t += periodMs) {
            const v = MetricStore.statistic(series as Series, stat, t, periodMs);
            if (v === undefined) continue;
            expected.starts.push(t);
            expected.values.push(v);
          }
          expect(MetricStore.statistics(series as Series, stat, from, periodMs, from + span)).toEqual(
            expected,
          );
        },
      ),
    );
  });

  it("skips empty periods and stops at the end", () => {
    const store = new MetricStore();
    for (const [at, v] of [
      [0, 1],
      [5, 3],
      [25, 2],
      [40, 9],
    ] as const)
      store.add("ops", "m", [], sample(at, v));
    const series = store.get("ops", "m", []) as Series;
    expect(MetricStore.statistics(series, "Sum", 0, 10, 40)).toEqual({ starts: [0, 20], values: [4, 2] });
    expect(MetricStore.statistics(series, "Maximum", 0, 10, 41)).toEqual({
      starts: [0, 20, 40],
      values: [3, 2, 9],
    });
  });
});
