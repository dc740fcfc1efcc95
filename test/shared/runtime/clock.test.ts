import { describe, expect, it } from "vitest";
import { systemClock } from "../../../shared/runtime/clock";

describe("systemClock", () => {
  it("sleeps until the signal aborts (a probe agent stopping on SIGTERM does not wait out its interval)", async () => {
    const controller = new AbortController();
    const sleeping = systemClock.sleep(600_000, controller.signal);
    controller.abort();
    await expect(sleeping).resolves.toBeUndefined();
  });

  it("does not sleep at all for an aborted signal or a non-positive time", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(systemClock.sleep(600_000, controller.signal)).resolves.toBeUndefined();
    await expect(systemClock.sleep(0)).resolves.toBeUndefined();
    await expect(systemClock.sleep(-5)).resolves.toBeUndefined();
  });

  it("reads the wall clock", () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
