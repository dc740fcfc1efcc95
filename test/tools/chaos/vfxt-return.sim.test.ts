import { describe, expect, it } from "vitest";
import { parseFixture, SimulatedAccount } from "../../../sim";
import type { Harness } from "../../../sim/harness";
import { vfxtIpMoveModel } from "../../../tools/chaos/incidents/vfxt-ip-move";
import type { World } from "../../../tools/chaos/types";

/**
 * Seeds 310025, 310049, 310062 (session 6 long campaign): every node of a cluster down, then one back. The
 * checker and the function judge health alike (running, both status checks `ok` — `initializing` is "in
 * progress" —, out of the 300 s boot grace), but nothing triggers the function when the node becomes a
 * target (EC2 emits no event for status checks, none at the end of the boot grace): its 5-minute reconcile
 * finds it. `served` waits a detection time after such a return, as after a failure, and still judges.
 */

const A_NODES = ["a01", "a02", "a03"].map((n) => `i-0af7c0de000000${n}`);
const STEP_MS = 10_000;
const MINUTE = 60_000;

const worldOf = (): World => {
  const account = SimulatedAccount.fromFixture(parseFixture(vfxtIpMoveModel.fixture("grace-60")));
  return { harness: undefined as unknown as Harness, account, start: account.clock.nowMs(), env: {} };
};

const ec2 = (world: World, operation: string, input: Record<string, unknown>) =>
  world.account.dispatch(
    { service: "ec2", operation, region: world.account.region, requestId: "test" },
    input,
  );

/** Steps the checker every 10 s for `ms`; the time of its first `served` violation, if any. */
const firstServed = (world: World, step: () => { invariant: string }[], ms: number): number | undefined => {
  for (let t = 0; t < ms; t += STEP_MS) {
    world.account.advance(STEP_MS);
    if (step().some((v) => v.invariant === "served")) return world.account.clock.nowMs();
  }
  return undefined;
};

describe("vfxt checker: the first node back after the whole cluster was down", () => {
  it("served is judged 20 minutes after the node becomes healthy (its boot grace over), not at once; a function that never moves the addresses still breaks it", async () => {
    const world = worldOf();
    const checker = vfxtIpMoveModel.checker(world, "grace-60");
    await ec2(world, "StopInstances", { InstanceIds: A_NODES });
    // Nobody can serve vfxt-a's addresses: excused, whatever the time.
    expect(firstServed(world, checker.step, 60 * MINUTE)).toBeUndefined();
    await ec2(world, "StartInstances", { InstanceIds: [A_NODES[0]] });
    const startedAt = world.account.clock.nowMs();
    // No function runs here: the addresses stay on the stopped nodes.
    const first = firstServed(world, checker.step, 60 * MINUTE);
    expect(first).toBeDefined();
    // Healthy at 300 s (boot grace; checks `ok` after 120 s), then the 20 minutes the reconcile needs.
    expect((first ?? 0) - startedAt).toBeGreaterThanOrEqual((300 + 20 * 60) * 1000);
    expect((first ?? 0) - startedAt).toBeLessThan((300 + 20 * 60) * 1000 + 2 * STEP_MS);
  });
});
