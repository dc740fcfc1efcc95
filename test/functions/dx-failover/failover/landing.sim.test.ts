import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../../sim/harness";
import { startHarness } from "../../../support/harness";
import {
  callsTo,
  dxEnv,
  dxFixture,
  healthy,
  putSamples,
  readEvent,
  resultOf,
  staticRoutes,
  TABLES,
  triggerEvent,
} from "../support";

/**
 * Route writes that land although their caller sees a 5xx or no answer (EC2 API Reference, "Ensuring
 * idempotency"): the SDK retries; CreateRoute then answers RouteAlreadyExists, DeleteRoute
 * InvalidRoute.NotFound. dx-failover reads the table back and counts its own route as done.
 */
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});
const invoke = (event: unknown, minDwellSeconds?: number) =>
  harness.invoke("dx-failover", event, {
    env: dxEnv(minDwellSeconds === undefined ? {} : { minDwellSeconds }),
  });
const statuses = (report: Awaited<ReturnType<typeof invoke>>) =>
  (resultOf(report).groups[0]?.outcomes ?? []).map((o) => o.status);

describe("dx-failover: a route write that landed before its error", () => {
  it("failover: a CreateRoute that landed before a lost answer is ours (RouteAlreadyExists read back): already done", async () => {
    harness.load(dxFixture());
    harness.account.faults.add({
      service: "ec2",
      operation: "CreateRoute",
      dropConnection: true,
      applied: true,
      times: 1,
    });
    await putSamples({ dx: healthy(30), vpn: healthy(30) }, 2000);
    const report = await invoke(triggerEvent(3));
    expect(callsTo(report, "CreateRoute").map((c) => c.error?.code)).toContain("RouteAlreadyExists");
    expect(report.error).toBeUndefined();
    expect(resultOf(report).groups[0]).toMatchObject({ decision: "failover", conflicts: 0 });
    expect(statuses(report).sort()).toEqual(["already-done", "applied", "applied", "applied"]);
    for (const t of TABLES) expect(Object.keys(staticRoutes(report, t))).toHaveLength(2);
  });

  it("failback: a DeleteRoute that landed before a 5xx is done (InvalidRoute.NotFound on the retry)", async () => {
    harness.load(dxFixture());
    await putSamples({ dx: healthy(30), vpn: healthy(30) }, 2000);
    await invoke(triggerEvent(3));
    harness.account.faults.add({
      service: "ec2",
      operation: "DeleteRoute",
      error: { code: "InternalError" },
      applied: true,
      times: 1,
    });
    await putSamples({ dx: healthy(400), vpn: healthy(400) });
    const report = await invoke(readEvent("schedule-reconcile"), 0);
    expect(callsTo(report, "DeleteRoute").map((c) => c.error?.code)).toContain("InvalidRoute.NotFound");
    expect(resultOf(report).groups[0]).toMatchObject({ decision: "failback" });
    expect(statuses(report).sort()).toEqual(["already-done", "applied", "applied", "applied"]);
    for (const t of TABLES) expect(staticRoutes(report, t)).toEqual({});
  });
});
