import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../../sim/harness";
import { startHarness } from "../../../support/harness";
import {
  callsTo,
  dxEnv,
  dxFixture,
  failedOver,
  failing,
  healthy,
  putSamples,
  readEvent,
  resultOf,
  staticRoutes,
  TABLES,
} from "../support";

/**
 * Issue 10, `GetMetricData` periods valid for any window: a restore window of 6 hours still reads the probe
 * history (one-second data is kept 3 hours; older periods must be multiples of 60 or nothing comes back).
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

const SIX_HOURS = 6 * 3600;
/** One sample every 10 s per path for 6 h 5 min, with `failures` failed samples `failAgoS` seconds back. */
const sixHours = (failAgoS?: number) => {
  const n = Math.ceil((SIX_HOURS + 300) / 10);
  const dx = healthy(n);
  if (failAgoS !== undefined) dx.splice(n - 1 - Math.floor(failAgoS / 10), 1, ...failing(1));
  return { dx, vpn: healthy(n) };
};

describe("dx-failover: a restore window of 6 hours", () => {
  it("reads the probe data with valid periods (1 s for 3 hours, 60 s before) and fails back after it", async () => {
    harness.load(failedOver(dxFixture(), 7 * 3600_000));
    await putSamples(sixHours(), 300, { stepMs: 10_000 });
    const report = await harness.invoke("dx-failover", readEvent("schedule-reconcile"), {
      env: dxEnv({ restoreWindowSeconds: SIX_HOURS }),
    });
    const periods = callsTo(report, "GetMetricData").flatMap((c) =>
      (c.input.MetricDataQueries as Array<{ MetricStat: { Period: number } }>).map(
        (q) => q.MetricStat.Period,
      ),
    );
    expect([...new Set(periods)].sort((a, b) => a - b)).toEqual([1, 60]);
    expect(resultOf(report).groups[0]).toMatchObject({ decision: "failback", reason: "dx-restored" });
    for (const t of TABLES) expect(staticRoutes(report, t)).toEqual({});
  });

  it("one failed probe 5 hours ago (in the one-minute part) restarts the window: no failback", async () => {
    harness.load(failedOver(dxFixture(), 7 * 3600_000));
    await putSamples(sixHours(5 * 3600), 300, { stepMs: 10_000 });
    const report = await harness.invoke("dx-failover", readEvent("schedule-reconcile"), {
      env: dxEnv({ restoreWindowSeconds: SIX_HOURS }),
    });
    expect(resultOf(report).groups[0]).toMatchObject({ desired: "vpn", reason: "dx-not-restored" });
    expect(callsTo(report, "DeleteRoute")).toHaveLength(0);
  });
});
