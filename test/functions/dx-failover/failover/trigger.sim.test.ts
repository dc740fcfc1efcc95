import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../../sim/harness";
import { startHarness } from "../../../support/harness";
import {
  callsTo,
  dxEnv,
  dxFixture,
  failedOver,
  failing,
  type GroupOverrides,
  healthy,
  putSamples,
  resultOf,
  staticRoutes,
  TABLES,
  triggerEvent,
} from "../support";

/**
 * Issue 10, the trigger is a wake-up call: its evidence is used only from the group's own probe, fresh and
 * not from the future; a forged or stale trigger is ignored with a metric and never overrides newer
 * metrics. (Who may put it at all is the trigger bus's policy: test/functions/dx-failover/agent.sim.test.ts.)
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

const invoke = (event: unknown, o: GroupOverrides = {}) =>
  harness.invoke("dx-failover", event, { env: dxEnv(o) });

describe("dx-failover: the trigger's evidence", () => {
  it("accepted: its counters fail over at once, before the metrics show the outage", async () => {
    harness.load(dxFixture());
    await putSamples({ dx: healthy(30), vpn: healthy(30) }, 2000); // the metrics lag
    const report = await invoke(triggerEvent(3));
    expect(resultOf(report).groups[0]).toMatchObject({ decision: "failover" });
    expect(resultOf(report).groups[0]?.triggerIgnored).toBeUndefined();
  });

  it.each([
    ["stale (older than trigger.maxAgeSeconds)", { atAgoMs: 45_000 }, "stale"],
    ["from the future (beyond the clock skew)", { atAgoMs: -10_000 }, "future"],
    [
      "from the Lambda probe for a Local Zone group (the agent is its probe)",
      { probe: "lambda" as const },
      "wrong-probe",
    ],
  ])("%s: ignored with a metric, nothing switches on it", async (_name, o, reason) => {
    harness.load(dxFixture());
    await putSamples({ dx: healthy(30), vpn: healthy(30) }, 2000);
    const report = await invoke(triggerEvent(5, true, o));
    expect(resultOf(report).groups[0]).toMatchObject({ triggerIgnored: reason, desired: "direct-connect" });
    expect(callsTo(report, "CreateRoute")).toHaveLength(0);
  });

  it("a trigger naming an unknown group: ignored", async () => {
    harness.load(dxFixture());
    const report = await invoke(triggerEvent(3, true, { group: "someone-else" }));
    expect(resultOf(report).decision).toBe("ignored");
    expect(report.calls).toHaveLength(0);
  });

  it("never overrides newer metrics: a fresh trigger after DX came back fails nothing over", async () => {
    harness.load(dxFixture());
    await putSamples({ dx: [...failing(5), ...healthy(3)], vpn: healthy(8) }, 0);
    const report = await invoke(triggerEvent(2, true, { atAgoMs: 4000 }));
    expect(callsTo(report, "CreateRoute")).toHaveLength(0);
  });

  it("a trigger on a group already on the VPN is a wake-up only: no second switch", async () => {
    harness.load(failedOver(dxFixture(), 120_000));
    await putSamples({ dx: failing(20), vpn: healthy(20) });
    const report = await invoke(triggerEvent(20));
    expect(resultOf(report).groups[0]).toMatchObject({ decision: "nothing-to-do" });
    for (const t of TABLES) expect(Object.keys(staticRoutes(report, t))).toHaveLength(2);
  });
});
