import { describe, expect, it } from "vitest";
import { executePlan, tallyOutcomes } from "../../../shared/pipeline/executor";
import type { ActionExecutor, Plan } from "../../../shared/pipeline/types";
import { readUntil } from "../../../shared/pipeline/verify";
import { deadlineAt } from "../../../shared/runtime/deadline";

const plan: Plan<{ n: number }> = {
  decision: "act",
  actions: [
    { id: "a:1", kind: "fake", resources: ["r1", "r2"], description: "act on r1, r2", params: { n: 1 } },
    { id: "a:2", kind: "fake", resources: ["r3"], description: "act on r3", params: { n: 2 } },
  ],
  skips: [{ resource: "r4", reason: "not-mine", detail: "untagged" }],
};

const recordingExecutor = () => {
  const calls: string[] = [];
  const executor: ActionExecutor<{ n: number }> = {
    kind: "fake",
    dryRun: async (action) => {
      calls.push(`dry:${action.id}`);
      return action.resources.map((resource) => ({ resource, status: "permitted" }));
    },
    apply: async (action) => {
      calls.push(`apply:${action.id}`);
      return action.resources.map((resource) => ({
        resource,
        status: resource === "r2" ? "failed" : "applied",
        code: resource === "r2" ? "Nope" : undefined,
      }));
    },
  };
  return { calls, executor };
};

describe("executePlan", () => {
  it("plan mode calls no executor and marks every resource planned", async () => {
    const { calls, executor } = recordingExecutor();
    const execution = await executePlan(plan, "plan", [executor]);
    expect(calls).toEqual([]);
    expect(execution.actions.flatMap((a) => a.resources.map((r) => r.status))).toEqual([
      "planned",
      "planned",
      "planned",
    ]);
    expect(execution.skips).toEqual(plan.skips);
  });

  it("dry-run mode calls dryRun only, in plan order", async () => {
    const { calls, executor } = recordingExecutor();
    await executePlan(plan, "dry-run", [executor]);
    expect(calls).toEqual(["dry:a:1", "dry:a:2"]);
  });

  it("apply mode keeps per-resource outcomes, so one failure does not hide the others", async () => {
    const { calls, executor } = recordingExecutor();
    const execution = await executePlan(plan, "apply", [executor]);
    expect(calls).toEqual(["apply:a:1", "apply:a:2"]);
    expect(tallyOutcomes(execution)).toMatchObject({ applied: 2, failed: 1, planned: 0 });
    expect(execution.actions[0]?.resources[1]).toEqual({ resource: "r2", status: "failed", code: "Nope" });
  });

  it("refuses an action kind without an executor", async () => {
    await expect(executePlan(plan, "apply", [])).rejects.toThrow(
      /No executor registered for action kind "fake"/,
    );
  });

  it("lets a retryable error from an executor propagate (the event is retried)", async () => {
    const failing: ActionExecutor<{ n: number }> = {
      kind: "fake",
      dryRun: async () => [],
      apply: async () => {
        throw new Error("throttled for too long");
      },
    };
    await expect(executePlan(plan, "apply", [failing])).rejects.toThrow("throttled for too long");
  });
});

describe("readUntil", () => {
  it("reads until the state shows, backing off between reads", async () => {
    let clock = 0;
    const pauses: number[] = [];
    let reads = 0;
    const result = await readUntil(
      async () => ++reads,
      (value) => value >= 4,
      {
        deadline: deadlineAt(60_000),
        timeoutMs: 10_000,
        intervalMs: 100,
        maxIntervalMs: 300,
        clock: {
          now: () => clock,
          sleep: async (ms) => {
            pauses.push(ms);
            clock += ms;
          },
        },
      },
    );
    expect(result).toMatchObject({ done: true, last: 4, reads: 4 });
    expect(pauses).toEqual([100, 200, 300]);
  });

  it("with lateFraction: pauses grow with the time waited, so the change is seen at most that fraction late", async () => {
    let clock = 0;
    const pauses: number[] = [];
    const changedAt = 5000;
    const result = await readUntil(
      async () => (clock >= changedAt ? "available" : "detaching"),
      (value) => value === "available",
      {
        deadline: deadlineAt(60_000),
        timeoutMs: 60_000,
        intervalMs: 250,
        maxIntervalMs: 2000,
        lateFraction: 0.08,
        clock: {
          now: () => clock,
          sleep: async (ms) => {
            pauses.push(ms);
            clock += ms;
          },
        },
      },
    );
    expect(result.done).toBe(true);
    expect(result.waitedMs).toBeGreaterThanOrEqual(changedAt);
    expect(result.waitedMs).toBeLessThanOrEqual(changedAt * 1.08);
    expect(pauses.slice(0, 3)).toEqual([250, 250, 250]);
    expect(Math.max(...pauses)).toBeLessThan(500);
  });

  it("stops at the earlier of its own timeout and the invocation deadline", async () => {
    let clock = 0;
    const fake = {
      now: () => clock,
      sleep: async (ms: number) => {
        clock += ms;
      },
    };
    const byTimeout = await readUntil(
      async () => "attaching",
      (v) => v === "attached",
      { deadline: deadlineAt(60_000, fake), timeoutMs: 1000, intervalMs: 250 },
    );
    expect(byTimeout).toMatchObject({ done: false, last: "attaching" });
    expect(clock).toBeLessThanOrEqual(1000);
    clock = 0;
    const byDeadline = await readUntil(
      async () => "attaching",
      (v) => v === "attached",
      { deadline: deadlineAt(300, fake), timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(byDeadline.done).toBe(false);
    expect(clock).toBeLessThanOrEqual(300);
  });
});
