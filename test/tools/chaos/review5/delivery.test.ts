import { describe, expect, it } from "vitest";
import { generateTrace, withLateCopies } from "../../../../tools/chaos/generate";
import { vfxtIpMoveModel } from "../../../../tools/chaos/incidents/vfxt-ip-move";
import type { TraceItem } from "../../../../tools/chaos/types";

/**
 * Review (session 5) finding 6, the generator's side: a duplicate's copy may come late, after newer events
 * (Lambda, "How Lambda handles errors and retries with asynchronous invocation": the queue is eventually
 * consistent; EventBridge is unordered). The driver queues it `copyDelayMs` later (delivery.sim.test.ts).
 */

describe("review5: late duplicates drawn", () => {
  it("the generator draws some duplicates with a late copy (copyDelayMs within the delay range), most back to back", () => {
    const duplicates = Array.from({ length: 200 }, (_, k) => generateTrace(vfxtIpMoveModel, k + 1, 1))
      .flatMap((t) => t.items)
      .filter((i) => i.kind === "duplicate");
    const late = duplicates.filter((i) => i.params.copyDelayMs !== undefined);
    expect(duplicates.length).toBeGreaterThan(50);
    expect(late.length / duplicates.length).toBeGreaterThan(0.15);
    expect(late.length / duplicates.length).toBeLessThan(0.5);
    for (const i of late) expect(Number(i.params.copyDelayMs)).toBeGreaterThanOrEqual(1000);
    for (const i of late) expect(Number(i.params.copyDelayMs)).toBeLessThanOrEqual(900_000);
  });

  it("a duplicate given its copy's delay keeps it, and other items are left as they are", () => {
    const items: TraceItem[] = Array.from({ length: 40 }, (_, k) => ({
      at: k * 1000,
      kind: k % 2 === 0 ? "duplicate" : "drop",
      params: (k % 4 === 0 ? { copyDelayMs: 5000 } : {}) as TraceItem["params"],
    }));
    const drawn = withLateCopies(3, items);
    expect(drawn.filter((_, k) => k % 4 === 0).every((i) => i.params.copyDelayMs === 5000)).toBe(true);
    expect(drawn.filter((i) => i.kind === "drop")).toEqual(items.filter((i) => i.kind === "drop"));
  });
});
