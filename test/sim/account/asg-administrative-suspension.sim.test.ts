import type { ActivitiesType, AutoScalingGroupsType } from "@aws-sdk/client-auto-scaling";
import { describe, expect, it } from "vitest";
import type { SimulatedAccount } from "../../../sim";
import { firewall, GROUP, groupOf, launched, OLD } from "./asg-fixture";
import { asg } from "./helpers";

/**
 * Administrative suspension (review 5 finding 3; sim/account/asg-administrative-suspension.ts): AS UG
 * "Suspend and resume processes" — Auto Scaling suspends processes of "groups that have been trying to
 * launch instances for over 24 hours but have not succeeded in launching any instances"; "You can resume
 * processes that were suspended by Amazon EC2 Auto Scaling for administrative reasons."
 */

const OUTPOST = "op-0a1b2c3d4e5f60001";
const HOUR = 3_600_000;

const shortage = async (a: SimulatedAccount, what: "start" | "end") => {
  const r = await a.control("POST", `/__sim/outposts/${OUTPOST}/capacity-shortage`, {
    instanceType: "c5.xlarge",
    shortage: what,
  });
  expect(r.status).toBe(200);
};

const suspended = async (a: SimulatedAccount) =>
  (await asg<AutoScalingGroupsType>(a, "DescribeAutoScalingGroups", { AutoScalingGroupNames: [GROUP] }))
    .AutoScalingGroups?.[0]?.SuspendedProcesses ?? [];

/** When the group's newest failed launch activity started (DescribeScalingActivities, newest first). */
const lastFailure = async (a: SimulatedAccount) =>
  (
    await asg<ActivitiesType>(a, "DescribeScalingActivities", { AutoScalingGroupName: GROUP, MaxRecords: 1 })
  ).Activities?.[0]?.StartTime?.getTime();

/**
 * The firewall group, its member Unhealthy: every replacement is abandoned by its launch hook (fw-launch
 * times out with ABANDON after 300 s), a failed launch, and Auto Scaling launches again.
 */
async function failingFor(hours: number): Promise<SimulatedAccount> {
  const a = firewall();
  await asg(a, "SetInstanceHealth", { InstanceId: OLD, HealthStatus: "Unhealthy" });
  for (let h = 0; h < hours; h += 1) a.advance(HOUR);
  return a;
}

describe("administrative suspension of Launch", () => {
  it("launches failing for 23 hours: nothing is suspended, Auto Scaling keeps trying", async () => {
    const a = await failingFor(23);
    expect(await suspended(a)).toEqual([]);
    const before = await lastFailure(a);
    a.advance(HOUR / 2);
    expect(await lastFailure(a)).toBeGreaterThan(before ?? Number.POSITIVE_INFINITY);
  });

  it("over 24 hours: Launch is suspended with an administrative reason, and no launch is tried any more", async () => {
    const a = await failingFor(25);
    expect(await suspended(a)).toEqual([
      {
        ProcessName: "Launch",
        SuspensionReason: expect.stringMatching(
          /^Administrative suspension at 2026-\S+Z: the group has been trying to launch instances for over 24 hours/,
        ),
      },
    ]);
    const before = await lastFailure(a);
    const instances = launched(a).length;
    a.advance(6 * HOUR);
    expect([await lastFailure(a), launched(a).length]).toEqual([before, instances]);
  });

  it("ResumeProcesses Launch clears the administrative suspension and the replacement launches again", async () => {
    const a = await failingFor(25);
    const instances = launched(a).length;
    await asg(a, "ResumeProcesses", { AutoScalingGroupName: GROUP, ScalingProcesses: ["Launch"] });
    a.advance(60_000);
    expect(launched(a)).toHaveLength(instances + 1);
    expect(await suspended(a)).toEqual([]);
  });

  it("a launch that succeeds restarts the count: failures on either side of it never suspend", async () => {
    // No launch hook: a launch EC2 accepts is a successful launch.
    const a = firewall((raw) => {
      groupOf(raw).maxSize = 3;
      raw.lifecycleHooks = (raw.lifecycleHooks ?? []).filter((h) => h.name !== "fw-launch");
    });
    await shortage(a, "start");
    await asg(a, "SetDesiredCapacity", { AutoScalingGroupName: GROUP, DesiredCapacity: 2 });
    for (let h = 0; h < 20; h += 1) a.advance(HOUR);
    await shortage(a, "end");
    a.advance(HOUR);
    expect(launched(a)).toHaveLength(1);
    await shortage(a, "start");
    await asg(a, "SetDesiredCapacity", { AutoScalingGroupName: GROUP, DesiredCapacity: 3 });
    for (let h = 0; h < 20; h += 1) a.advance(HOUR);
    expect(await suspended(a)).toEqual([]);
  });

  it("a user suspension keeps its own reason", async () => {
    const a = firewall();
    await asg(a, "SuspendProcesses", { AutoScalingGroupName: GROUP, ScalingProcesses: ["Launch"] });
    expect(await suspended(a)).toEqual([
      { ProcessName: "Launch", SuspensionReason: expect.stringMatching(/^User suspended at 2026-\S+Z$/) },
    ]);
  });
});
