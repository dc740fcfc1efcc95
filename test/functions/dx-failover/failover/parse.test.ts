import { describe, expect, it } from "vitest";
import {
  alarmNameOf,
  metricReads,
  parseAlarmName,
  probeSignalsOf,
} from "../../../../functions/dx-failover/failover/observe";
import { parseDxInput } from "../../../../functions/dx-failover/failover/parse";
import { fresher, judgeTrigger } from "../../../../functions/dx-failover/failover/plan/trigger";
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

  it("the probe's trigger event (which probe sent it is required), alarms, schedules; anything else is invalid", () => {
    expect(parseDxInput(readEvent("probe-trigger"))).toMatchObject({
      kind: "probe-trigger",
      detail: { probe: "agent" },
    });
    expect(parseDxInput(readEvent("alarm-dx-down")).kind).toBe("alarms");
    expect(parseDxInput(readEvent("schedule-reconcile")).kind).toBe("reconcile");
    const bad = readEvent("probe-trigger");
    (bad.detail as Record<string, unknown>).probe = "someone";
    expect(() => parseDxInput(bad)).toThrow(/DX Path Degraded/);
  });

  it("the trigger's per-family counters are kept when well formed, dropped (path-wide kept) when not", () => {
    const event = readEvent("probe-trigger");
    const dx = (event.detail as Record<string, Record<string, unknown>>).dx as Record<string, unknown>;
    const v6 = { ok: false, consecutiveFailures: 2, consecutiveSuccesses: 0 };
    dx.families = { ipv6: v6 };
    const parsed = parseDxInput(event);
    expect(parsed.kind === "probe-trigger" && parsed.detail.dx.families).toEqual({ ipv6: v6 });
    for (const bad of [{ ipv7: v6 }, { ipv6: { ok: "no" } }, {}, "ipv6"]) {
      dx.families = bad;
      const p = parseDxInput(event);
      expect(p.kind === "probe-trigger" && p.detail.dx).toEqual({
        ok: dx.ok,
        consecutiveFailures: dx.consecutiveFailures,
        consecutiveSuccesses: dx.consecutiveSuccesses,
      });
    }
  });
});

describe("the trigger's evidence", () => {
  const NOW = 1_000_000_000;
  const detail = {
    group: "g",
    reason: "dx-down" as const,
    probe: "agent" as const,
    at: NOW - 500,
    dxFailingSince: NOW - 1500,
    dx: { ok: false, consecutiveFailures: 2, consecutiveSuccesses: 0 },
    vpn: { ok: true, consecutiveFailures: 0, consecutiveSuccesses: 30 },
  };
  const policy = { maxAgeMs: 30_000, maxSkewMs: 2000 };

  it.each([
    ["its group's own probe, fresh", detail, { probedBy: "agent" as const }, { use: true }],
    ["no such group", detail, undefined, { use: false, reason: "unknown-group" }],
    [
      "another probe than the group's (a Lambda trigger for a Local Zone group)",
      { ...detail, probe: "lambda" as const },
      { probedBy: "agent" as const },
      { use: false, reason: "wrong-probe" },
    ],
    [
      "stale (older than maxAge)",
      { ...detail, at: NOW - 31_000 },
      { probedBy: "agent" as const },
      { use: false, reason: "stale" },
    ],
    [
      "from the future beyond the skew",
      { ...detail, at: NOW + 2500 },
      { probedBy: "agent" as const },
      { use: false, reason: "future" },
    ],
  ])("%s", (_name, d, group, verdict) => {
    expect(judgeTrigger(d, group, policy, NOW)).toEqual(verdict);
  });

  it("never overrides newer metrics; counters are a lower bound of the recent failures", () => {
    const metric = {
      consecutiveFailures: 0,
      consecutiveSuccesses: 10,
      lastSampleAt: NOW,
      healthySince: NOW - 10_000,
      recentFailures: 0,
    };
    expect(fresher(metric, detail.dx, NOW - 500)).toBe(metric);
    expect(fresher({ ...metric, lastSampleAt: NOW - 1000 }, detail.dx, NOW - 500)).toEqual({
      consecutiveFailures: 2,
      consecutiveSuccesses: 0,
      lastSampleAt: NOW - 500,
      recentFailures: 2,
    });
  });
});

describe("dx-failover alarm names", () => {
  it("round trip, longest group names first do not confuse", () => {
    const groups = ["a", "a-dx"];
    expect(parseAlarmName("p-", groups, alarmNameOf("p-", "a-dx", "dxDown"))).toEqual({
      group: "a-dx",
      key: "dxDown",
    });
    expect(parseAlarmName("p-", groups, alarmNameOf("p-", "a", "dxNotRestored"))).toEqual({
      group: "a",
      key: "dxNotRestored",
    });
    expect(parseAlarmName("p-", groups, "p-b-dx-down")).toBeUndefined();
    expect(parseAlarmName("q-", groups, "p-a-dx-down")).toBeUndefined();
  });
});

describe("probe evidence from the metric history", () => {
  const series = (values: number[], end = 100_000) =>
    values.map((value, i) => ({ at: end - (values.length - 1 - i) * 1000, value, spanMs: 1000 }));

  it("counts the consecutive failures from the newest sample, and the failures among the last N", () => {
    expect(probeSignalsOf(series([1, 0, 1, 1, 0, 0]), 30_000, 5)).toMatchObject({
      consecutiveFailures: 2,
      consecutiveSuccesses: 0,
      lastSampleAt: 100_000,
      recentFailures: 3,
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

  it("one-minute points of the older part join the run without a gap", () => {
    const old = [0, 1, 2].map((i) => ({ at: 97_000 - (3 - i) * 60_000, value: 1, spanMs: 60_000 }));
    expect(probeSignalsOf([...old, ...series([1, 1, 1], 100_000)], 30_000)).toMatchObject({
      healthySince: 97_000 - 180_000,
    });
  });

  it("no samples: no evidence", () => {
    expect(probeSignalsOf([], 30_000)).toEqual({ consecutiveFailures: 0, consecutiveSuccesses: 0 });
  });

  it("periods valid for any window: 1 s for the last three hours, 60 s before", () => {
    const now = 10 * 3600_000;
    expect(metricReads(now - 300_000, now)).toEqual([
      { startTime: now - 300_000, endTime: now + 1000, period: 1 },
    ]);
    const six = metricReads(now - 6 * 3600_000, now);
    expect(six.map((r) => r.period)).toEqual([60, 1]);
    expect(six[0]?.startTime).toBe(now - 6 * 3600_000);
    expect(six[1]?.startTime).toBeGreaterThan(now - 3 * 3600_000);
    expect(six[0]?.endTime).toBe(six[1]?.startTime);
  });
});
