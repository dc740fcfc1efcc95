import { describe, expect, it } from "vitest";
import { SimulatedTime } from "../../sim/simulated-time";

/** SimulatedTime on a plain counter clock: who wakes when, and when time may not move. */

const counterClock = (start = 0) => {
  const state = { now: start, advances: [] as number[] };
  const source = {
    nowMs: () => state.now,
    advance: (ms: number) => {
      state.advances.push(ms);
      state.now += ms;
    },
  };
  return { state, time: new SimulatedTime(() => source) };
};

const turns = (n: number) =>
  Array.from({ length: n }).reduce<Promise<void>>(
    (previous) => previous.then(() => new Promise((resolve) => setImmediate(resolve))),
    Promise.resolve(),
  );

describe("SimulatedTime", () => {
  it("wakes sleepers in due order, jumping the clock to each due time", async () => {
    const { state, time } = counterClock(1000);
    const woken: string[] = [];
    const nap = (name: string, ms: number) => time.sleep(ms).then(() => woken.push(`${name}@${time.now()}`));
    await Promise.all([nap("c", 300), nap("a", 100), nap("b", 100), nap("d", -5)]);
    expect(woken).toEqual(["d@1000", "a@1100", "b@1100", "c@1300"]);
    expect(state.advances).toEqual([100, 200]);
    expect(time.pending).toBe(0);
  });

  it("does not move time while watched work is under way, and resumes when poked", async () => {
    const { state, time } = counterClock();
    const activity = { busy: true, changes: 0 };
    time.watch(activity);
    let woke = false;
    const sleeping = time.sleep(500).then(() => {
      woke = true;
    });
    await turns(10);
    expect(woke).toBe(false);
    expect(state.now).toBe(0);
    activity.busy = false;
    activity.changes += 1;
    time.poke();
    await sleeping;
    expect(state.now).toBe(500);
  });

  it("does not move time while held work waits on a real timer (the SDK's zero-delay retry wait)", async () => {
    const { state, time } = counterClock();
    const seen: string[] = [];
    // A real wait longer than a few event-loop turns: unheld, the sleeper would wake (and time move) first.
    const realWait = new Promise<void>((resolve) => setTimeout(resolve, 30)).then(() => {
      seen.push(`held work done at ${time.now()}`);
    });
    const held = time.hold(realWait);
    const sleeping = time.sleep(500).then(() => seen.push(`sleeper woke at ${time.now()}`));
    await Promise.all([held, sleeping]);
    expect(seen).toEqual(["held work done at 0", "sleeper woke at 500"]);
    expect(state.advances).toEqual([500]);
  });

  it("releases a hold whose work fails, and passes the failure on", async () => {
    const { state, time } = counterClock();
    const failing = time.hold(Promise.reject(new Error("no retry token")));
    await expect(failing).rejects.toThrow("no retry token");
    await time.sleep(100);
    expect(state.now).toBe(100);
  });

  it("does not advance for a sleeper already due (the clock moved past it meanwhile)", async () => {
    const { state, time } = counterClock();
    const sleeping = time.sleep(200);
    state.now = 1000;
    await sleeping;
    expect(state.advances).toEqual([]);
    expect(time.now()).toBe(1000);
  });

  it("an aborted sleep ends at once without moving time, and leaves the other sleepers in place", async () => {
    const { state, time } = counterClock();
    const controller = new AbortController();
    const aborted = time.sleep(10_000, controller.signal);
    const other = time.sleep(300);
    controller.abort();
    await aborted;
    expect(time.pending).toBe(1);
    await other;
    expect(state.advances).toEqual([300]);
    await time.sleep(5, AbortSignal.abort());
    expect(state.now).toBe(300);
  });
});
