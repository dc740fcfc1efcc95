import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VfxtIpMoveConfigSchema } from "../../../../functions/vfxt-ip-move/config";
import type { Harness } from "../../../../sim/harness";
import { CHAOS_START } from "../../../../tools/chaos/driver";
import { vfxtIpMoveModel } from "../../../../tools/chaos/incidents/vfxt-ip-move";
import { unservedAddresses } from "../../../../tools/chaos/invariants/vfxt-ip-move";
import { startHarness } from "../../../support/harness";

/**
 * Review (session 5): are the measures right? `vfxt-unserved-s` is issue 14's "the time an address is
 * unserved after a node fails". It is sampled from `unservedAddresses`, which is the `served` invariant's
 * list: an address on no healthy node is left out when no healthy node of its cluster could take it
 * (`canServe`, `anyRouter`). That excuse is right for the invariant (the capability cannot act) but
 * wrong for the measure: while the whole cluster is down its addresses are unserved, and the measure
 * records 0 s for exactly the worst outages.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const CLUSTER_A = ["a01", "a02", "a03"].map((n) => `i-0af7c0de000000${n}`);

describe("review5: measures", () => {
  it("review: while every node of a cluster is stopped its addresses count as unserved (vfxt-unserved-s)", async () => {
    const account = harness.load(vfxtIpMoveModel.fixture("grace-900"), { now: CHAOS_START });
    const stage = vfxtIpMoveModel.stage("grace-900") as { vfxtIpMove: unknown };
    const config = VfxtIpMoveConfigSchema.parse(stage.vfxtIpMove);
    await account.dispatch(
      { service: "ec2", operation: "StopInstances", region: account.region, requestId: "review5" },
      { InstanceIds: CLUSTER_A },
    );
    harness.advance(600_000);
    for (const id of CLUSTER_A) expect(account.state().instances.get(id)?.state).toBe("stopped");
    const unserved = unservedAddresses(account.state(), config, account.clock.nowMs());
    expect(unserved).toContain("vfxt-a 10.20.1.101");
  });
});
