import { describe, expect, it } from "vitest";
import { firewall, OLD, type Raw } from "./asg-fixture";
import { awsError, ec2 } from "./helpers";

/**
 * Starting a stopped instance needs capacity (sim/account/instance-capacity.ts): EC2 UG "Troubleshoot
 * instance launch issues — Insufficient instance capacity" ("launch an instance or restart a stopped
 * instance"); EC2 API "Error codes": InsufficientInstanceCapacity, a server error (500).
 */
const OUTPOST = "op-0a1b2c3d4e5f60001";

/** The firewall account with OLD stopped (outside its group) and the Outpost's c5.xlarge slots at `free`. */
const stoppedOnOutpost = (free: number) =>
  firewall((raw: Raw) => {
    const outpost = (raw.outposts ?? []).find((o) => o.id === OUTPOST);
    for (const t of outpost?.instanceTypes ?? []) if (t.instanceType === "c5.xlarge") t.availableCount = free;
    const old = (raw.instances ?? []).find((i) => i.id === OLD);
    if (old !== undefined) old.state = "stopped";
    (raw.autoScalingGroups ?? [])[0]?.instances?.splice(0);
  });

describe("StartInstances without capacity", () => {
  it("on an Outpost with no free slot of the type: InsufficientInstanceCapacity (500) naming type and AZ; it stays stopped", async () => {
    const a = stoppedOnOutpost(0);
    const error = await awsError(
      ec2(a, "StartInstances", { InstanceIds: [OLD] }),
      "InsufficientInstanceCapacity",
      500,
    );
    expect(error.message).toMatch(/sufficient c5\.xlarge capacity in the Availability Zone you requested/);
    expect(a.state().instances.get(OLD)?.state).toBe("stopped");
  });

  it("on an Outpost with a free slot: it starts", async () => {
    const a = stoppedOnOutpost(1);
    await ec2(a, "StartInstances", { InstanceIds: [OLD] });
    expect(a.state().instances.get(OLD)?.state).toBe("pending");
  });

  it("a Region short of capacity, as a fault: 500 with EC2's message, the instance stays stopped; the next start succeeds", async () => {
    const a = stoppedOnOutpost(1);
    a.faults.add({
      service: "ec2",
      operation: "StartInstances",
      error: { code: "InsufficientInstanceCapacity" },
      times: 1,
    });
    const error = await awsError(
      ec2(a, "StartInstances", { InstanceIds: [OLD] }),
      "InsufficientInstanceCapacity",
      500,
    );
    expect(error.message).toMatch(/not enough capacity/);
    expect(a.state().instances.get(OLD)?.state).toBe("stopped");
    await ec2(a, "StartInstances", { InstanceIds: [OLD] });
    expect(a.state().instances.get(OLD)?.state).toBe("pending");
  });
});
