import { describe, expect, it } from "vitest";
import { MetricStore } from "../../../sim/account/metric-store";

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
