import { describe, expect, it } from "vitest";
import { firewall, GROUP, launched, memberState, OLD } from "./asg-fixture";
import { asg, awsError } from "./helpers";

/** Auto Scaling SuspendProcesses / ResumeProcesses (sim/account/asg-processes.ts; AS UG "Suspend and resume processes"). */

const withHealthChecks = () =>
  firewall((raw) => {
    raw.behaviour = { ...(raw.behaviour ?? {}), healthChecks: "ec2" };
  });

describe("SuspendProcesses / ResumeProcesses", () => {
  it("with HealthCheck suspended an impaired member stays InService; resumed, it is replaced from then on", async () => {
    const a = withHealthChecks();
    await asg(a, "SuspendProcesses", { AutoScalingGroupName: GROUP, ScalingProcesses: ["HealthCheck"] });
    a.setInstanceStatus(OLD, { system: "impaired" });
    a.advance(600_000);
    expect(memberState(a, OLD)).toBe("InService");
    expect(launched(a)).toEqual([]);
    const out = await asg<{ AutoScalingGroups: { SuspendedProcesses: { ProcessName: string }[] }[] }>(
      a,
      "DescribeAutoScalingGroups",
      { AutoScalingGroupNames: [GROUP] },
    );
    expect(out.AutoScalingGroups[0]?.SuspendedProcesses.map((p) => p.ProcessName)).toEqual(["HealthCheck"]);
    await asg(a, "ResumeProcesses", { AutoScalingGroupName: GROUP });
    a.advance(60_000);
    expect(memberState(a, OLD)).toBe("Terminating:Wait");
    expect(launched(a)).toHaveLength(1);
  });

  it("refuses an unknown process or group; no process named suspends them all", async () => {
    const a = withHealthChecks();
    const bad = await awsError(
      asg(a, "SuspendProcesses", { AutoScalingGroupName: GROUP, ScalingProcesses: ["Nap"] }),
      "ValidationError",
    );
    expect(bad.message).toBe("Invalid process name: Nap");
    await awsError(asg(a, "ResumeProcesses", { AutoScalingGroupName: "nope" }), "ValidationError");
    await asg(a, "SuspendProcesses", { AutoScalingGroupName: GROUP });
    expect(a.state().autoScalingGroups.get(GROUP)?.suspendedProcesses?.size).toBe(10);
  });
});
