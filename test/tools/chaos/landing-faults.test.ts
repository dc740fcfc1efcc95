import { describe, expect, it } from "vitest";
import { generateTrace } from "../../../tools/chaos/generate";
import { apiFaultAnswer, LANDING_TARGETS, landingFaultItems } from "../../../tools/chaos/landing-faults";
import { MODELS } from "../../../tools/chaos/models";

const THROTTLES = [
  "RequestLimitExceeded",
  "Throttling",
  "ThrottlingException",
  "InsufficientInstanceCapacity",
];

describe("api faults that land (indeterminate outcomes)", () => {
  it("lands on every write of each capability, with a server error or a lost answer, never a throttle", () => {
    for (const model of MODELS) {
      const landing = Array.from({ length: 40 }, (_, s) => generateTrace(model, s + 1, 2))
        .flatMap((t) => t.items)
        .filter((i) => i.kind === "api-fault" && i.params.applied === true);
      const writes = LANDING_TARGETS[model.capability].map((t) => t.operation);
      expect(new Set(landing.map((i) => i.params.operation))).toEqual(new Set(writes));
      for (const item of landing) {
        if (item.params.dropConnection === true) expect(item.params.code).toBeUndefined();
        else {
          expect(THROTTLES).not.toContain(item.params.code);
          expect(Number(item.params.httpStatus)).toBeGreaterThanOrEqual(500);
        }
      }
      expect(landing.some((i) => i.params.dropConnection === true)).toBe(true);
      expect(landing.some((i) => i.params.dropConnection !== true)).toBe(true);
    }
  });

  it("arms every write around about a third of the incidents, from 2 minutes before to 5 after, from a stream of its own", () => {
    const model = MODELS.find((m) => m.capability === "eni-reattach") ?? MODELS[0];
    if (model === undefined) throw new Error("no model");
    const trace = generateTrace(model, 7, 30);
    const incidents = trace.items.filter((i) => i.kind.startsWith("incident:"));
    const landing = trace.items.filter((i) => i.kind === "api-fault" && i.params.applied === true);
    const writes = LANDING_TARGETS[model.capability].length;
    const armed = new Set(landing.map((i) => i.at)).size;
    expect(armed).toBeGreaterThan(incidents.length * 0.2);
    expect(armed).toBeLessThan(incidents.length * 0.5);
    expect(landing.length).toBe(armed * writes);
    // Its own stream: the same incidents give the same landing faults whatever else the trace holds.
    const again = landingFaultItems(model.capability, 7, incidents);
    expect(again.length).toBe(landing.length);
    for (const item of landing)
      expect(incidents.some((i) => item.at - i.at >= -120_000 && item.at - i.at <= 300_000)).toBe(true);
  });

  it("the driver's fault spec: the error or the lost answer, applied when the item lands", () => {
    expect(apiFaultAnswer({ code: "InternalError", httpStatus: 500 })).toEqual({
      error: { code: "InternalError", httpStatus: 500 },
    });
    expect(apiFaultAnswer({ code: "Unavailable", httpStatus: 503, applied: true })).toEqual({
      error: { code: "Unavailable", httpStatus: 503 },
      applied: true,
    });
    expect(apiFaultAnswer({ dropConnection: true, applied: true })).toEqual({
      dropConnection: true,
      applied: true,
    });
  });
});
