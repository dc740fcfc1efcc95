import { describe, expect, it } from "vitest";
import { rebaseFixture } from "../../sim/rebase";

/** sim/rebase.ts: a fixture moved in time keeps every time relative to its clock start. */
describe("rebaseFixture", () => {
  const fixture = {
    clock: { start: "2026-11-01T12:00:00.000Z" },
    instances: [
      {
        id: "i-1",
        launchTime: "2026-10-01T08:00:00Z",
        stateTransitionReason: "User initiated (2026-11-01 10:00:00 GMT)",
        tags: { Name: "not a time (2026-11-01 10:00:00 UTC)", Note: "2026-11-01" },
      },
    ],
  };
  const moved = rebaseFixture(fixture, new Date("2026-12-07T12:30:00.000Z"));

  it("moves clock.start to now and ISO timestamps alike", () => {
    expect(moved.clock.start).toBe("2026-12-07T12:30:00.000Z");
    expect(moved.instances[0]?.launchTime).toBe("2026-11-06T08:30:00.000Z");
  });

  it("moves the GMT time EC2 writes into StateTransitionReason by the same amount", () => {
    expect(moved.instances[0]?.stateTransitionReason).toBe("User initiated (2026-12-07 10:30:00 GMT)");
  });

  it("leaves other text alone, and the original fixture unchanged", () => {
    expect(moved.instances[0]?.tags).toEqual(fixture.instances[0]?.tags);
    expect(fixture.instances[0]?.stateTransitionReason).toBe("User initiated (2026-11-01 10:00:00 GMT)");
  });
});
