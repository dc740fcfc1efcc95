import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../../sim/harness";
import type { Fixture } from "../../../support/fixtures";
import { startHarness } from "../../../support/harness";
import {
  agoIso,
  CIDRS,
  callsTo,
  dxEnv,
  dxFixture,
  failedOver,
  failing,
  type GroupOverrides,
  healthy,
  putSamples,
  readEvent,
  resultOf,
  STATE_KEY,
  stateAfter,
  staticRoutes,
  TABLES,
  triggerEvent,
} from "../support";

/**
 * Issue 10, asymmetric hysteresis, through the real handler: a failover is never delayed, a failback needs
 * the whole (backed-off) restore window and a VPN judged down on M of N probes — never one probe.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

const load = (edit: (f: Fixture) => void = () => undefined) => {
  const f = dxFixture();
  edit(f);
  return harness.load(f);
};
const invoke = (event: unknown, o: GroupOverrides = {}) =>
  harness.invoke("dx-failover", event, { env: dxEnv(o) });

/** A group that failed back `agoMs` ago (routes on DX, state tag saying so, and its flaps). */
const failedBack = (f: Fixture, agoMs: number, flaps = 0) => {
  const at = agoIso(agoMs);
  for (const t of f.routeTables)
    if ((TABLES as readonly string[]).includes(t.id))
      t.tags = {
        ...t.tags,
        [STATE_KEY]: `active=direct-connect since=${at} switch=${at} failback=${at} flaps=${flaps}`,
      };
};

describe("dx-failover: a failover is never delayed", () => {
  it("DX fails 30 s after a failback: fails over at once (the dwell holds only failbacks)", async () => {
    load((f) => failedBack(f, 30_000, 1));
    await putSamples({ dx: [...healthy(28), ...failing(2)], vpn: healthy(30) });
    const report = await invoke(triggerEvent());
    expect(resultOf(report).groups[0]).toMatchObject({ decision: "failover", reason: "dx-down", creates: 4 });
    for (const t of TABLES) {
      expect(Object.keys(staticRoutes(report, t)).sort()).toEqual([...CIDRS]);
      // A failover within the flap memory of the last failback: one more flap.
      expect(stateAfter(report, t)).toMatchObject({ active: "vpn", flaps: "2" });
    }
  });
});

describe("dx-failover: a failback needs the window and a VPN judged on M of N", () => {
  it("one lost VPN probe right after DX returns: no failback", async () => {
    load((f) => failedOver(f, 600_000));
    await putSamples({ dx: [...failing(300), ...healthy(10)], vpn: [...healthy(309), 0] });
    const report = await invoke(readEvent("schedule-reconcile"));
    expect(resultOf(report).groups[0]?.desired).not.toBe("direct-connect");
    expect(callsTo(report, "DeleteRoute")).toHaveLength(0);
  });

  it("the VPN dead (its last 3 probes failed) while DX answers: failback at once, without the window", async () => {
    load((f) => failedOver(f, 600_000));
    await putSamples({ dx: [...failing(300), ...healthy(10)], vpn: [...healthy(307), 0, 0, 0] });
    const report = await invoke(readEvent("schedule-reconcile"));
    expect(resultOf(report).groups[0]).toMatchObject({ decision: "failback", reason: "vpn-down-dx-up" });
    for (const t of TABLES) expect(staticRoutes(report, t)).toEqual({});
  });

  it("a lossy VPN (3 of its last 5 probes lost, still answering): no failback before the window", async () => {
    load((f) => failedOver(f, 600_000));
    await putSamples({ dx: [...failing(300), ...healthy(10)], vpn: [...healthy(305), 0, 1, 0, 1, 0] });
    const report = await invoke(readEvent("schedule-reconcile"));
    expect(resultOf(report).groups[0]?.desired).not.toBe("direct-connect");
    expect(callsTo(report, "DeleteRoute")).toHaveLength(0);
  });

  it("after two recent flaps the restore window is four times as long", async () => {
    load((f) => failedOver(f, 3600_000, "flaps=2"));
    await putSamples({ dx: healthy(620), vpn: healthy(620) }, 300, { stepMs: 2000 }); // 20 minutes and a bit, healthy
    const waiting = await invoke(readEvent("schedule-reconcile"), { restoreWindowSeconds: 600 });
    expect(resultOf(waiting).groups[0]).toMatchObject({ desired: "vpn", reason: "dx-not-restored" });
    expect(callsTo(waiting, "DeleteRoute")).toHaveLength(0);
    const enough = await invoke(readEvent("schedule-reconcile"), { restoreWindowSeconds: 300 });
    expect(resultOf(enough).groups[0]).toMatchObject({ decision: "failback" });
    for (const t of TABLES) expect(staticRoutes(enough, t)).toEqual({});
  });
});
