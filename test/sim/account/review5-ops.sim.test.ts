import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { GetMetricDataOutput } from "@aws-sdk/client-cloudwatch";
import type { VirtualInterfaces } from "@aws-sdk/client-direct-connect";
import { describe, expect, it } from "vitest";
import { parseFixture, SimulatedAccount } from "../../../sim";
import { firewall, GROUP, launched, lifecycleEvents, memberState, OLD, type Raw } from "./asg-fixture";
import { DX, dxAccount } from "./dx-fixture";
import { asg, awsError, call, cw, ec2, ROOT } from "./helpers";

/**
 * Review 5 (operations: Direct Connect to Local Zones, firewalls in Auto Scaling groups on Outposts racks):
 * where the simulated account answers otherwise than AWS. Each `it.fails` is a finding
 * (/work/notes/review5-ops.md); the owner flips it to `it` once the simulator follows the cited source.
 */

const OUTPOST = "op-0a1b2c3d4e5f60001";

/** The firewall account with the Outpost's c5.xlarge slots set to `free`. */
const outpostWith = (free: number, edit?: (raw: Raw) => void) =>
  firewall((raw) => {
    const outpost = (raw.outposts ?? []).find((o) => o.id === OUTPOST);
    for (const t of outpost?.instanceTypes ?? []) if (t.instanceType === "c5.xlarge") t.availableCount = free;
    edit?.(raw);
  });

/** The token of the launch hook's action for an instance (from its lifecycle event). */
const tokenOfLaunch = (a: SimulatedAccount, instanceId: string): string =>
  String(
    lifecycleEvents(a).find(
      (e) => e.detail.LifecycleHookName === "fw-launch" && e.detail.EC2InstanceId === instanceId,
    )?.detail.LifecycleActionToken,
  );

const unsuccessful = (a: SimulatedAccount) =>
  a.serviceEvents.filter(
    (e) => e.source === "aws.autoscaling" && e["detail-type"] === "EC2 Instance Launch Unsuccessful",
  );

describe("review5-ops: Auto Scaling failed launches (eni5)", () => {
  // AS UG "Amazon EC2 Auto Scaling event reference", Unsuccessful scaling events
  // (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-event-reference.html): a launch
  // that fails is an "EC2 Instance Launch Unsuccessful" event with StatusCode Failed, the instance id and a
  // StatusMessage; an abandoned launch hook reads "Instance failed to complete user's Lifecycle Action:
  // Lifecycle Action with token … was abandoned: Lifecycle Action Completed with ABANDON Result"
  // (https://aws.amazon.com/premiumsupport/knowledge-center/lifecycle-actions-code-deploy/).
  it("review: a launch its hook ABANDONs is a failed launch (EC2 Instance Launch Unsuccessful, StatusCode Failed)", async () => {
    const a = firewall();
    await asg(a, "SetInstanceHealth", { InstanceId: OLD, HealthStatus: "Unhealthy" });
    a.advance(1000);
    const [replacement] = launched(a);
    expect(replacement).toBeDefined();
    await asg(a, "CompleteLifecycleAction", {
      AutoScalingGroupName: GROUP,
      LifecycleHookName: "fw-launch",
      LifecycleActionToken: tokenOfLaunch(a, replacement ?? ""),
      LifecycleActionResult: "ABANDON",
    });
    a.advance(5000);
    const failed = unsuccessful(a).find((e) => e.detail.EC2InstanceId === replacement);
    expect(failed?.detail).toMatchObject({
      StatusCode: "Failed",
      AutoScalingGroupName: GROUP,
      StatusMessage: expect.stringContaining("ABANDON"),
    });
  });

  // The same activity when the hook times out with DefaultResult ABANDON (fw-launch: 300 s): "… was
  // abandoned: Heartbeat Timeout" (knowledge center "lifecycle actions … don't complete successfully, and
  // instances don't launch", https://aws.amazon.com/premiumsupport/knowledge-center/lifecycle-actions-code-deploy/).
  it("review: a launch hook that times out (DefaultResult ABANDON) is a failed launch whose StatusMessage says Heartbeat Timeout", async () => {
    const a = firewall();
    await asg(a, "SetInstanceHealth", { InstanceId: OLD, HealthStatus: "Unhealthy" });
    a.advance(1000);
    const [replacement] = launched(a);
    a.advance(301_000);
    const failed = unsuccessful(a).find((e) => e.detail.EC2InstanceId === replacement);
    expect(failed?.detail).toMatchObject({
      StatusCode: "Failed",
      StatusMessage: expect.stringContaining("Heartbeat Timeout"),
    });
  });

  // A terminated instance's primary ENI is deleted with it and its private address returns to the subnet
  // (EC2 UG "Terminate instances": network interfaces with DeleteOnTermination are deleted); a subnet that is
  // really full fails the launch ("InsufficientFreeAddressesInSubnet", EC2 API error codes) as a Failed
  // activity. The sim counts every instance it ever launched as using its address (asg-launch.ts
  // freeAddress) and throws a plain Error: a firewall whose launch hook times out (ABANDON every 300 s, the
  // relaunch loop) exhausts its /24 after about a day and the simulated clock crashes.
  it("review: a relaunch loop (launch hook timing out, ABANDON) runs for 30 h without exhausting the /24: terminated instances free their addresses", async () => {
    const a = firewall();
    await asg(a, "SetInstanceHealth", { InstanceId: OLD, HealthStatus: "Unhealthy" });
    expect(() => {
      for (let h = 0; h < 30; h += 1) a.advance(3_600_000);
    }).not.toThrow();
  });

  // Outposts rack capacity is fixed: a launch beyond the free slots of its type fails with
  // InsufficientInstanceCapacity ("There is not enough capacity on the Outpost to launch or start the
  // instance", EC2 error codes; Outposts UG "Capacity management"). The sim launches whatever
  // `availableCount` says: a replacement on a full rack always succeeds, so the campaign never sees the
  // outage an operator fears most (old firewall terminated, no slot for the new one).
  it("review: a replacement on an Outpost with no free c5.xlarge slot fails (InsufficientInstanceCapacity), no instance is created", async () => {
    const a = outpostWith(0);
    await asg(a, "SetInstanceHealth", { InstanceId: OLD, HealthStatus: "Unhealthy" });
    a.advance(1000);
    expect(launched(a)).toEqual([]);
    expect(unsuccessful(a)[0]?.detail).toMatchObject({
      StatusCode: "Failed",
      StatusMessage: expect.stringMatching(/capacity/i),
    });
  });
});

describe("review5-ops: an Outposts rack's slots are a count, not a switch (eni5, after d78cabc)", () => {
  // Outposts UG "CloudWatch metrics for Outposts": AvailableInstanceType_Count is the number of instances of
  // the type still available; each launch takes one slot and a terminated (or stopped) instance gives it
  // back (API ListBlockingInstancesForCapacityTask: "Stopping one or more of these instances can free up
  // the capacity"). eni5's d78cabc refuses a launch only while the published count is 0: with one free
  // slot, any number of launches succeed — a launch-before-terminate replacement or a scale-out on a rack
  // with a single spare slot never meets the shortage it would meet in the account.
  it("review: with one free slot, the second launch onto the rack fails (InsufficientInstanceCapacity)", async () => {
    const a = outpostWith(1);
    await asg(a, "SetDesiredCapacity", { AutoScalingGroupName: GROUP, DesiredCapacity: 2 });
    a.advance(1000);
    await asg(a, "SetInstanceHealth", { InstanceId: OLD, HealthStatus: "Unhealthy" });
    a.advance(1000);
    expect(launched(a)).toHaveLength(1);
    expect(unsuccessful(a)[0]?.detail.StatusMessage).toMatch(/capacity/i);
  });

  // The warm pool's Stopped firewall holds no slot: taking it on a full rack is a start that EC2 refuses
  // (InsufficientInstanceCapacity, "when you … restart a stopped instance", EC2 UG "Troubleshoot instance
  // launch issues"). takeFromPool starts it whatever the rack says.
  it("review: taking a Stopped warm-pool firewall on a full rack fails; it stays stopped in the pool", async () => {
    const POOLED = "i-0f1e2d3c4b5a60002";
    const a = outpostWith(0, (raw) => {
      const group = (raw.autoScalingGroups ?? [])[0];
      if (group === undefined) return;
      Object.assign(group, { warmPool: { minSize: 1, poolState: "Stopped" } });
      group.instances = [
        ...(group.instances ?? []),
        { instanceId: POOLED, lifecycleState: "Warmed:Stopped" },
      ];
      raw.instances = [
        ...(raw.instances ?? []),
        {
          id: POOLED,
          instanceType: "c5.xlarge",
          state: "stopped",
          launchTime: "2026-11-21T11:59:30Z",
          subnetId: "subnet-0f0e0d0c0b0a00011",
          privateIpAddress: "10.10.1.11",
          autoScalingGroup: GROUP,
        },
      ];
    });
    await asg(a, "SetDesiredCapacity", { AutoScalingGroupName: GROUP, DesiredCapacity: 2 });
    a.advance(5000);
    expect(a.state().instances.get(POOLED)?.state).toBe("stopped");
    expect(unsuccessful(a)).not.toEqual([]);
  });
});

describe("review5-ops: suspended processes change what Auto Scaling does (eni5)", () => {
  // AS UG "How suspended processes affect other processes"
  // (https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-how-suspending-processes-affects-other-processes.html):
  // Launch suspended: "ReplaceUnhealthy continues to terminate unhealthy instances, but does not launch
  // replacements. When you resume the Launch process, Amazon EC2 Auto Scaling immediately replaces any
  // instances that it terminated"; ReplaceUnhealthy suspended: unhealthy instances are marked but not
  // replaced. The sim records both and acts as if nothing were suspended (asg-processes.ts: "the other
  // processes are recorded only"). Operators suspend ReplaceUnhealthy for firewall maintenance; AWS itself
  // suspends Launch after 24 h of failed launches (below): the firewall is terminated with no replacement.
  const suspended = async (processes: string[]) => {
    const a = firewall();
    await asg(a, "SuspendProcesses", { AutoScalingGroupName: GROUP, ScalingProcesses: processes });
    await asg(a, "SetInstanceHealth", { InstanceId: OLD, HealthStatus: "Unhealthy" });
    a.advance(10_000);
    return a;
  };

  it("review: with ReplaceUnhealthy suspended an Unhealthy firewall stays InService and nothing launches", async () => {
    const a = await suspended(["ReplaceUnhealthy"]);
    expect([memberState(a, OLD), launched(a)]).toEqual(["InService", []]);
  });

  it("review: with Launch suspended the Unhealthy firewall is terminated and no replacement launches", async () => {
    const a = await suspended(["Launch"]);
    expect(launched(a)).toEqual([]);
  });

  // AS UG "Suspend and resume processes": "Amazon EC2 Auto Scaling can also suspend processes for Auto Scaling
  // groups that repeatedly fail to launch instances … an administrative suspension … trying to launch
  // instances for over 24 hours but have not succeeded" — the rack freed later, nothing launches until an
  // operator resumes: the state eni-reattach's alarm must name.
  it("review: a group whose launches fail for over 24 h has Launch suspended (administrative suspension)", async () => {
    const a = outpostWith(0);
    await asg(a, "SetInstanceHealth", { InstanceId: OLD, HealthStatus: "Unhealthy" });
    for (let h = 0; h < 25; h += 1) a.advance(3_600_000);
    const out = await asg<{
      AutoScalingGroups?: Array<{ SuspendedProcesses?: Array<{ ProcessName?: string }> }>;
    }>(a, "DescribeAutoScalingGroups", { AutoScalingGroupNames: [GROUP] });
    expect(out.AutoScalingGroups?.[0]?.SuspendedProcesses?.map((p) => p.ProcessName)).toContain("Launch");
  });
});

describe("review5-ops: starting a stopped instance needs capacity (lead: ec2-stop/start)", () => {
  // A stopped instance holds no capacity: starting it can answer InsufficientInstanceCapacity (EC2 UG
  // "Troubleshoot instance launch issues: Insufficient instance capacity": "when you try to launch an
  // instance or restart a stopped instance"). On an Outpost the slots are the rack's: stopping an instance
  // frees its slot (Outposts API ListBlockingInstancesForCapacityTask: "Stopping one or more of these
  // instances can free up the capacity"). A warm pool of Stopped firewalls on a full rack, or a hibernated
  // instance resumed by idle-hibernate's 60-day policy, cannot always start.
  it("review: StartInstances of a stopped instance on a full Outpost answers InsufficientInstanceCapacity", async () => {
    const a = outpostWith(0, (raw) => {
      const old = (raw.instances ?? []).find((i) => i.id === OLD);
      if (old !== undefined) old.state = "stopped";
      (raw.autoScalingGroups ?? [])[0]?.instances?.splice(0);
    });
    await awsError(ec2(a, "StartInstances", { InstanceIds: [OLD] }), "InsufficientInstanceCapacity", 500);
  });
});

describe("review5-ops: Direct Connect virtual interface state (dx5)", () => {
  // Direct Connect API VirtualInterface.virtualInterfaceState
  // (https://docs.aws.amazon.com/directconnect/latest/APIReference/API_VirtualInterface.html):
  // "available: A virtual interface that is able to forward traffic. down: A virtual interface that is
  // BGP down." The sim keeps `available` whatever BGP does, so the capability's `gone(vif)` path
  // (state down) and an operator's view of it are never exercised.
  it("review: a VIF whose every BGP session is down reads virtualInterfaceState down", async () => {
    const a = dxAccount();
    a.setBgpStatus(DX.vif1, "down");
    const out = await call<VirtualInterfaces>(a, "directconnect", "DescribeVirtualInterfaces", {
      virtualInterfaceId: DX.vif1,
    });
    const vif = out.virtualInterfaces?.[0];
    expect(vif?.bgpPeers?.every((p) => p.bgpStatus === "down")).toBe(true);
    expect(vif?.virtualInterfaceState).toBe("down");
  });
});

describe("review5-ops: status check metrics (lead: sim instance metrics, no builder)", () => {
  // EC2 UG "Status check metrics" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html#status-check-metrics):
  // StatusCheckFailed, StatusCheckFailed_Instance, StatusCheckFailed_System (0 or 1, AWS/EC2, InstanceId),
  // "available at a 1-minute frequency at no charge". The sim publishes CPUUtilization and Network only, so
  // the status alarms vfxt-ip-move's stack relies on never evaluate: the campaign sets them by hand.
  it("review: an instance whose system status check is impaired publishes StatusCheckFailed_System = 1 every minute", async () => {
    const a = SimulatedAccount.fromFixture(
      parseFixture(JSON.parse(readFileSync(join(ROOT, "test/fixtures/accounts/vfxt.json"), "utf8"))),
    );
    const node = [...a.state().instances.values()].find((i) => i.state === "running");
    const from = a.clock.nowMs();
    a.setInstanceStatus(node?.id ?? "", { system: "impaired" });
    a.advance(4 * 60_000);
    const out = await cw<GetMetricDataOutput>(a, "GetMetricData", {
      MetricDataQueries: [
        {
          Id: "s",
          MetricStat: {
            Metric: {
              Namespace: "AWS/EC2",
              MetricName: "StatusCheckFailed_System",
              Dimensions: [{ Name: "InstanceId", Value: node?.id }],
            },
            Period: 60,
            Stat: "Maximum",
          },
        },
      ],
      StartTime: new Date(from),
      EndTime: new Date(a.clock.nowMs()),
    });
    expect(out.MetricDataResults?.[0]?.Values).toContain(1);
  });
});
