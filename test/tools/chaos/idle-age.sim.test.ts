import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../sim/harness";
import { runTrace } from "../../../tools/chaos/driver";
import { idleHibernateModel } from "../../../tools/chaos/incidents/idle-hibernate";
import type { Trace, TraceItem } from "../../../tools/chaos/types";
import { startHarness } from "../../support/harness";

/**
 * idle-hibernate's daily hibernation-age watch in a campaign (review 5, findings 10 and 5): the account has
 * instances hibernated 54.6 and 57.5 days before the start (opted in) and 58 days (not opted in).
 */
const PAST = "i-0123456789abcdf10";
const CROSSING = "i-0123456789abcdf11";
const FOREIGN = "i-0123456789abcdf12";
const DAY = 86_400_000;

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const trace = (variant: string, items: TraceItem[] = []): Trace => ({
  capability: "idle-hibernate",
  seed: 1,
  days: 1.1,
  variant,
  items,
});

describe("idle-hibernate campaign: the hibernation-age watch acts", () => {
  it("policy start: the watch starts the opted-in instances past maxDays, never the one not opted in", async () => {
    const result = await runTrace(harness, idleHibernateModel, trace("age-start"));
    expect(result.violations).toEqual([]);
    const instances = harness.account.state().instances;
    expect(instances.get(PAST)?.state).toBe("running");
    expect(instances.get(CROSSING)?.state).toBe("running");
    expect(instances.get(FOREIGN)?.state).toBe("stopped");
  });

  it("policy report (demo): the instances stay hibernated and the run has no violation (they are reported)", async () => {
    const result = await runTrace(harness, idleHibernateModel, trace("demo"));
    expect(result.violations).toEqual([]);
    expect(harness.account.state().instances.get(PAST)?.state).toBe("stopped");
    expect(harness.account.calls.filter((c) => c.operation === "StartInstances")).toEqual([]);
  });

  it("policy start with no capacity (InsufficientInstanceCapacity on StartInstances): refused, then started by a retry, no violation", async () => {
    const noCapacity: TraceItem = {
      at: DAY - 60_000,
      kind: "api-fault",
      params: {
        service: "ec2",
        operation: "StartInstances",
        code: "InsufficientInstanceCapacity",
        httpStatus: 500,
        times: 4,
      },
    };
    const result = await runTrace(harness, idleHibernateModel, trace("age-start", [noCapacity]), {
      stopOnViolation: false,
    });
    expect(result.violations).toEqual([]);
    expect(result.log.some((line) => line.includes("InsufficientInstanceCapacity"))).toBe(true);
    const starts = harness.account.calls.filter((c) => c.operation === "StartInstances");
    expect(starts.map((c) => c.outcome)).toContain("error");
    expect(harness.account.state().instances.get(PAST)?.state).toBe("running");
  });
});
