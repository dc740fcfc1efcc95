import { describe, expect, it } from "vitest";
import { runPool } from "../../../shared/pipeline/pool";
import { deadlineAt } from "../../../shared/runtime/deadline";

const far = () => deadlineAt(Number.MAX_SAFE_INTEGER);

/** A task that waits for a manual release, to observe how many run at once. */
const gate = () => {
  let inFlight = 0;
  let peak = 0;
  const started: number[] = [];
  const task = async (item: number) => {
    started.push(item);
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight -= 1;
  };
  return { task, started, peak: () => peak };
};

describe("runPool", () => {
  it("runs every item, in order, never more than the concurrency at once", async () => {
    const g = gate();
    const items = Array.from({ length: 10 }, (_, i) => i);
    const report = await runPool(items, { concurrency: 3, deadline: far() }, g.task);
    expect(report.ran.sort((a, b) => a - b)).toEqual(items);
    expect(report.failed).toEqual([]);
    expect(report.notStarted).toEqual([]);
    expect(g.started).toEqual(items);
    expect(g.peak()).toBe(3);
  });

  it("starts nothing once the deadline has passed", async () => {
    const g = gate();
    const report = await runPool([1, 2, 3], { concurrency: 2, deadline: deadlineAt(0) }, g.task);
    expect(g.started).toEqual([]);
    expect(report.notStarted).toEqual([1, 2, 3]);
  });

  it("stops starting tasks after one threw; those in flight finish, the rest are reported not started", async () => {
    const started: number[] = [];
    const boom = new Error("throttled");
    const report = await runPool([1, 2, 3, 4, 5], { concurrency: 2, deadline: far() }, async (item) => {
      started.push(item);
      await new Promise((resolve) => setImmediate(resolve));
      if (item === 1) throw boom;
    });
    expect(report.failed).toEqual([{ item: 1, error: boom }]);
    expect(report.ran).toEqual([2]);
    expect(report.notStarted).toEqual([3, 4, 5]);
    expect(started).toEqual([1, 2]);
  });

  it("handles no items", async () => {
    expect(await runPool([], { concurrency: 4, deadline: far() }, async () => {})).toEqual({
      ran: [],
      failed: [],
      notStarted: [],
    });
  });
});
