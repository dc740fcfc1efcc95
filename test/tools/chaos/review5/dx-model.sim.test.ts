import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../../sim/harness";
import { CHAOS_START } from "../../../../tools/chaos/driver";
import { dxFailoverModel } from "../../../../tools/chaos/incidents/dx-failover";
import type { World } from "../../../../tools/chaos/types";
import { startHarness } from "../../../support/harness";

/**
 * Review (session 5): the dx model's flap burst (issue 14: "DX down/up and flapping at random rates").
 * A burst toggles each virtual interface's data plane from its own state. After a single-VIF incident
 * (weight 4, the most frequent dx incident, which stays until the same VIF is toggled again hours later)
 * the two VIFs are out of phase, so the burst swaps which one works and Direct Connect never goes down:
 * the flap the burst stands for does not happen.
 */

const VIFS = ["dxvif-fgdx0001", "dxvif-fgdx0002"];

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const incident = (name: string) => {
  const kind = dxFailoverModel.incidents.find((k) => k.name === name);
  if (kind === undefined) throw new Error(`no incident ${name}`);
  return kind;
};

/** Ticks the agent every 10 s through a burst; how many ticks saw every VIF's data plane down. */
const ticksAllDown = async (world: World): Promise<number> => {
  const tick = dxFailoverModel.tick;
  if (tick === undefined) throw new Error("the dx model has a tick");
  let allDown = 0;
  for (let k = 0; k < 5; k++) {
    harness.advance(10_000);
    await tick(world, world.account.clock.nowMs());
    if (VIFS.every((id) => world.account.network.virtualInterface(id).dataPlane === "down")) allDown += 1;
  }
  return allDown;
};

const worldOf = (): World => {
  const account = harness.load(dxFailoverModel.fixture("agent"), { now: CHAOS_START });
  return { harness, account, start: CHAOS_START.getTime(), env: {} };
};

describe("review5: dx flap bursts", () => {
  it("control: a flap burst from a healthy Direct Connect takes it down", { timeout: 60_000 }, async () => {
    const world = worldOf();
    await incident("flap-burst").apply(world, { gapsS: [10, 10, 10, 10] });
    expect(await ticksAllDown(world)).toBeGreaterThan(0);
  });

  it("review: a flap burst takes Direct Connect down also after one VIF's data plane failed on its own", {
    timeout: 60_000,
  }, async () => {
    const world = worldOf();
    await incident("dx-data-plane-toggle").apply(world, { vif: 0 });
    expect(world.account.network.virtualInterface(VIFS[0] ?? "").dataPlane).toBe("down");
    await incident("flap-burst").apply(world, { gapsS: [10, 10, 10, 10] });
    expect(await ticksAllDown(world)).toBeGreaterThan(0);
    // dx6: the burst (down, up, down, up) leaves each VIF as it was: the one failed on its own stays down.
    const planes = VIFS.map((id) => world.account.network.virtualInterface(id).dataPlane);
    expect(planes).toEqual(["down", "up"]);
  });
});
