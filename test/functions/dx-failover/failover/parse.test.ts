import { describe, expect, it } from "vitest";
import {
  alarmNameOf,
  parseAlarmName,
  probeSignalsOf,
} from "../../../../functions/dx-failover/failover/observe";
import { parseDxInput } from "../../../../functions/dx-failover/failover/parse";
import { readEvent } from "../support";

describe("dx-failover input parsing", () => {
  it("game-day commands (defaults: path vpn, 30 minutes)", () => {
    expect(parseDxInput({ command: "force", group: "g" })).toMatchObject({
      kind: "game-day",
      command: { command: "force", group: "g", path: "vpn", minutes: 30 },
    });
    expect(parseDxInput(readEvent("game-day-revert"))).toMatchObject({
      kind: "game-day",
      command: { command: "revert" },
    });
    expect(() => parseDxInput({ command: "force", group: "g", minutes: -1 })).toThrow(/game-day/);
    expect(() => parseDxInput({ command: "force", group: "g", path: "moon" })).toThrow(/game-day/);
  });

  it("the probe's trigger event, alarms, schedules; anything else is invalid", () => {
    expect(parseDxInput(readEvent("probe-trigger")).kind).toBe("probe-trigger");
    expect(parseDxInput(readEvent("alarm-dx-down")).kind).toBe("alarms");
    expect(parseDxInput(readEvent("schedule-reconcile")).kind).toBe("reconcile");
    const bad = readEvent("probe-trigger");
    bad.detail = { group: "g" };
    expect(() => parseDxInput(bad)).toThrow(/DX Path Degraded/);
  });
});

describe("dx-failover alarm names", () => {
  it("round trip, longest group names first do not confuse", () => {
    const groups = ["a", "a-dx"];
    expect(parseAlarmName("p-", groups, alarmNameOf("p-", "a-dx", "dxDown"))).toEqual({
      group: "a-dx",
      key: "dxDown",
    });
    expect(parseAlarmName("p-", groups, alarmNameOf("p-", "a", "probeMissing"))).toEqual({
      group: "a",
      key: "probeMissing",
    });
    expect(parseAlarmName("p-", groups, "p-b-dx-down")).toBeUndefined();
    expect(parseAlarmName("p-", groups, "q-a-dx-down")).toBeUndefined();
  });
});

describe("probe evidence from the metric history", () => {
  const series = (values: number[], end = 100_000) =>
    values.map((value, i) => ({ at: end - (values.length - 1 - i) * 1000, value }));

  it("counts the consecutive failures from the newest sample", () => {
    expect(probeSignalsOf(series([1, 1, 0, 0]), 30_000)).toMatchObject({
      consecutiveFailures: 2,
      consecutiveSuccesses: 0,
      lastSampleAt: 100_000,
    });
  });

  it("healthySince: start of the current success run; a gap longer than the staleness breaks it", () => {
    expect(probeSignalsOf(series([0, 1, 1, 1]), 30_000)).toMatchObject({
      consecutiveSuccesses: 3,
      healthySince: 98_000,
    });
    const gapped = [...series([1, 1], 40_000), ...series([1, 1], 100_000)];
    expect(probeSignalsOf(gapped, 30_000)).toMatchObject({ consecutiveSuccesses: 2, healthySince: 99_000 });
  });

  it("no samples: no evidence", () => {
    expect(probeSignalsOf([], 30_000)).toEqual({ consecutiveFailures: 0, consecutiveSuccesses: 0 });
  });
});
