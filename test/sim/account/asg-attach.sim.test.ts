import { describe, expect, it } from "vitest";
import { asg, awsError, DEMO, demoAccount } from "./helpers";

/** Auto Scaling AttachInstances (sim/account/asg-attach.ts; API reference, AS UG "Detach or attach instances"). */

const GROUP = "web-asg";
const attach = (a: ReturnType<typeof demoAccount>, ids: string[], group = GROUP) =>
  asg(a, "AttachInstances", { AutoScalingGroupName: group, InstanceIds: ids });

describe("AttachInstances", () => {
  it("a running instance joins the group InService, tagged with the group's name; the desired capacity grows", async () => {
    const a = demoAccount();
    await attach(a, [DEMO.happy]);
    const group = a.state().autoScalingGroups.get(GROUP);
    expect(group?.desiredCapacity).toBe(3);
    expect(group?.instances.find((m) => m.instanceId === DEMO.happy)?.lifecycleState).toBe("InService");
    expect(a.state().instances.get(DEMO.happy)?.tags.get("aws:autoscaling:groupName")).toBe(GROUP);
    const out = await asg<{
      AutoScalingInstances: { AutoScalingGroupName: string; LifecycleState: string }[];
    }>(a, "DescribeAutoScalingInstances", { InstanceIds: [DEMO.happy] });
    expect(out.AutoScalingInstances[0]).toMatchObject({
      AutoScalingGroupName: GROUP,
      LifecycleState: "InService",
    });
  });

  it("refuses a stopped instance, a member of a group, an unknown group, and more than the maximum size; nothing changes", async () => {
    const a = demoAccount();
    await awsError(attach(a, [DEMO.stopped]), "ValidationError");
    await awsError(attach(a, [DEMO.asgMember]), "ValidationError");
    const unknown = await awsError(attach(a, [DEMO.happy], "nope"), "ValidationError");
    expect(unknown.message).toBe("AutoScalingGroup name not found - nope");
    const over = await awsError(attach(a, [DEMO.happy, DEMO.notConfigured, DEMO.recent]), "ValidationError");
    expect(over.message).toBe(
      "New SetDesiredCapacity value 5 is above max value 4 for the AutoScalingGroup.",
    );
    expect(a.state().autoScalingGroups.get(GROUP)?.desiredCapacity).toBe(2);
    expect(a.state().groupOf(DEMO.happy)).toBeUndefined();
  });
});
