import { describe, expect, it } from "vitest";
import { generateTrace } from "../../../tools/chaos/generate";
import { MODELS } from "../../../tools/chaos/models";
import { createRng } from "../../../tools/chaos/prng";
import { shrinkTrace } from "../../../tools/chaos/shrink";
import type { Trace, TraceItem } from "../../../tools/chaos/types";

describe("chaos traces", () => {
  it("the same seed draws the same trace; another seed another one", () => {
    for (const model of MODELS) {
      const a = generateTrace(model, 42, 3);
      expect(generateTrace(model, 42, 3)).toEqual(a);
      expect(generateTrace(model, 43, 3)).not.toEqual(a);
      expect(a.items.length).toBeGreaterThanOrEqual(3 * model.incidentsPerDay[0]);
    }
  });

  it("draws every incident kind of a capability, API faults on its operations and every delivery fault", () => {
    for (const model of MODELS) {
      const kinds = new Set(generateTrace(model, 1, 60).items.map((i) => i.kind));
      for (const incident of model.incidents) expect(kinds).toContain(`incident:${incident.name}`);
      for (const fault of [
        "api-fault",
        "api-latency",
        "drop",
        "duplicate",
        "delay",
        "reorder",
        "short-deadline",
      ])
        expect(kinds).toContain(fault);
      // Faults that land are drawn on the capability's writes (landing-faults.test.ts).
      const operations = generateTrace(model, 1, 60)
        .items.filter((i) => i.kind.startsWith("api-") && i.params.applied !== true)
        .map((i) => i.params.operation);
      for (const op of operations) expect(model.apiFaults.map((f) => f.operation)).toContain(op);
    }
  });

  it("items stay inside their day and are sorted by time", () => {
    const trace = generateTrace(MODELS[0] ?? (undefined as never), 9, 5);
    expect(trace.items.map((i) => i.at)).toEqual([...trace.items.map((i) => i.at)].sort((x, y) => x - y));
    expect(Math.max(...trace.items.map((i) => i.at))).toBeLessThan(5 * 86_400_000 + 600_000);
  });

  it("the generator is uniform enough and reproducible", () => {
    const rng = createRng(5);
    const draws = Array.from({ length: 1000 }, () => rng.int(0, 9));
    for (let v = 0; v < 10; v++) expect(draws.filter((d) => d === v).length).toBeGreaterThan(60);
    expect(createRng(5).next()).toBe(createRng(5).next());
  });
});

const item = (kind: string, at: number): TraceItem => ({ at, kind, params: {} });

describe("shrinking", () => {
  const trace: Trace = {
    capability: "eni-reattach",
    seed: 1,
    days: 3,
    variant: "v",
    items: ["a", "b", "c", "d", "e"].map((k, n) => item(k, n * 1000)),
  };

  it("keeps only the items the violation needs (here a and d, in order)", async () => {
    const needs = async (t: Trace) => {
      const kinds = t.items.map((i) => i.kind);
      return kinds.includes("a") && kinds.includes("d")
        ? [{ invariant: "planted", message: "a then d", at: 5000 }]
        : [];
    };
    const shrunk = await shrinkTrace(trace, needs);
    expect(shrunk.trace.items.map((i) => i.kind)).toEqual(["a", "d"]);
    expect(shrunk.trace.days).toBe(1);
    expect(shrunk.violations[0]?.invariant).toBe("planted");
  });

  it("keeps the same invariant: a removal that breaks another invariant instead is not taken", async () => {
    const verdict = async (t: Trace) => {
      const kinds = t.items.map((i) => i.kind);
      if (!kinds.includes("b")) return [{ invariant: "other", message: "" }];
      return kinds.includes("e") ? [{ invariant: "planted", message: "" }] : [];
    };
    const shrunk = await shrinkTrace(trace, verdict);
    expect(shrunk.trace.items.map((i) => i.kind)).toEqual(["b", "e"]);
  });

  it("a passing trace is returned as it is", async () => {
    const shrunk = await shrinkTrace(trace, async () => []);
    expect(shrunk).toEqual({ trace, violations: [], runs: 1 });
  });
});
