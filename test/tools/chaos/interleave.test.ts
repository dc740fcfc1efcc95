import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FUNCTIONS } from "../../../functions/index";
import { generateTrace } from "../../../tools/chaos/generate";
import { vfxtIpMoveModel } from "../../../tools/chaos/incidents/vfxt-ip-move";
import {
  callLatency,
  drawRaces,
  Lanes,
  MAX_EVENT_AGE_MS,
  RESERVED_CONCURRENCY,
  raceOf,
  racingLatency,
  throttle,
  throttleRetryMs,
} from "../../../tools/chaos/interleave";

/**
 * Interleavings (issue 14): Lambda's retries of throttled asynchronous events, reserved concurrency as
 * deployed, and the seeded latency of a handler's calls.
 */

describe("throttled asynchronous events (Lambda: 1 s after the first attempt, doubling, at most 5 minutes)", () => {
  it("waits 1, 2, 4 … seconds, then 5 minutes at most", () => {
    expect([1, 2, 3, 4, 9, 10, 20].map(throttleRetryMs)).toEqual([
      1_000, 2_000, 4_000, 8_000, 256_000, 300_000, 300_000,
    ]);
  });

  it("retries a throttled event later without using one of its retry attempts, counting its age from the first throttle", () => {
    const first = throttle({}, 1_000_000);
    expect(first).toEqual({ kind: "retry", due: 1_001_000, throttles: 1, since: 1_000_000 });
    const second = throttle({ throttles: 1, since: 1_000_000 }, 1_001_000);
    expect(second).toEqual({ kind: "retry", due: 1_003_000, throttles: 2, since: 1_000_000 });
  });

  it("discards an event whose next attempt would be older than the maximum event age (6 h by default)", () => {
    const since = 0;
    expect(throttle({ throttles: 30, since }, MAX_EVENT_AGE_MS - 300_000).kind).toBe("retry");
    expect(throttle({ throttles: 30, since }, MAX_EVENT_AGE_MS - 299_999)).toEqual({
      kind: "expired",
      ageMs: MAX_EVENT_AGE_MS - 299_999,
    });
  });
});

describe("reserved concurrency", () => {
  it("is serverless.yml's reservedConcurrency for every deployed function", () => {
    const yml = readFileSync("serverless.yml", "utf8");
    for (const fn of FUNCTIONS) {
      const block = yml.split(new RegExp(`\\n  ${fn.serverlessName}:\\n`))[1]?.split(/\n {2}[A-Za-z]+:\n/)[0];
      const declared = /reservedConcurrency: (\d+)/.exec(block ?? "")?.[1];
      expect(declared, fn.serverlessName).toBeDefined();
      expect(RESERVED_CONCURRENCY[fn.serverlessName], fn.serverlessName).toBe(Number(declared));
    }
  });

  it("a function at its reserved concurrency is full until an invocation ends; another function is not", async () => {
    const lanes = new Lanes();
    const [alarms, hibernate] = ["idle-alarms", "idle-hibernate"].map((name) => {
      const fn = FUNCTIONS.find((f) => f.name === name);
      if (fn === undefined) throw new Error(name);
      return fn;
    }) as [(typeof FUNCTIONS)[number], (typeof FUNCTIONS)[number]];
    let end = () => {};
    lanes.start(alarms, () => new Promise<void>((resolve) => (end = resolve)));
    expect(lanes.full(alarms)).toBe(true);
    expect(lanes.full(hibernate)).toBe(false);
    expect(lanes.busy).toBe(true);
    const settled = lanes.settled();
    end();
    await settled;
    expect(lanes.full(alarms)).toBe(false);
    expect(lanes.busy).toBe(false);
    expect(lanes.started).toBe(1);
  });

  it("settles only once the invocations started while it waits have ended too", async () => {
    const lanes = new Lanes();
    const fn = { name: "f", serverlessName: "vfxtIpMove" };
    const order: string[] = [];
    lanes.start(fn, async () => {
      await Promise.resolve();
      lanes.start({ name: "g" }, async () => {
        await new Promise((resolve) => setImmediate(resolve));
        order.push("second");
      });
      order.push("first");
    });
    await lanes.settled();
    expect(order).toEqual(["first", "second"]);
  });
});

describe("call latency", () => {
  it("is 5–300 ms, the same for the same run seed and delivery, different for another delivery", () => {
    const draw = (seed: number, identity: string) => {
      const next = callLatency(seed, identity);
      return Array.from({ length: 200 }, () => next());
    };
    const a = draw(7, "f|e1|0|0|0");
    expect(draw(7, "f|e1|0|0|0")).toEqual(a);
    expect(draw(7, "f|e1|1|0|0")).not.toEqual(a);
    expect(draw(8, "f|e1|0|0|0")).not.toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...a)).toBeLessThanOrEqual(300);
    // Log-uniform: most calls are fast, some slow.
    expect(a.filter((ms) => ms < 40).length).toBeGreaterThan(a.filter((ms) => ms > 150).length);
  });
});

describe("races: an incident inside an invocation", () => {
  it("are drawn from the seed on their own stream, 1–4 a day, of the capability's incidents, pinned to call 1–12", () => {
    const races = drawRaces(vfxtIpMoveModel, 9, 5);
    expect(drawRaces(vfxtIpMoveModel, 9, 5)).toEqual(races);
    expect(races.length).toBeGreaterThanOrEqual(5);
    expect(races.length).toBeLessThanOrEqual(20);
    const names = vfxtIpMoveModel.incidents.map((i) => i.name);
    for (const item of races) {
      const race = raceOf(item);
      expect(names).toContain(race.incident);
      expect(race.call).toBeGreaterThanOrEqual(1);
      expect(race.call).toBeLessThanOrEqual(12);
      expect(item.params).toMatchObject({ incident: race.incident, call: race.call, ...race.params });
    }
    // The generator adds them beside its own items, which stay as they were.
    const trace = generateTrace(vfxtIpMoveModel, 9, 5);
    expect(trace.items.filter((i) => i.kind === "race")).toEqual(
      expect.arrayContaining(races.map((r) => expect.objectContaining(r))),
    );
  });

  it("pin their incident halfway through the latency of the invocation's call-th call, once", () => {
    const pins: number[] = [];
    let now = 1_000;
    const latencies = [10, 40, 20, 30];
    const next = racingLatency(
      () => latencies.shift() ?? 0,
      { incident: "stop", call: 2, params: {} },
      () => now,
      (at) => pins.push(at),
    );
    expect(next()).toBe(10);
    now += 10;
    expect(next()).toBe(40);
    expect(pins).toEqual([1_030]);
    now += 40;
    next();
    next();
    expect(pins).toEqual([1_030]);
  });
});
