import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type AccountFixtureInput, parseFixture, SimulatedAccount } from "../../../sim";
import { startLifecycleAction } from "../../../sim/account/lifecycle";
import { asg, awsError, call, cw, ec2, ROOT } from "./helpers";

/**
 * The simulated account's ENI attachments, Auto Scaling lifecycle hooks, Outposts and local gateway
 * routes (issue 4), on test/fixtures/accounts/eni-reattach.json with the manual clock.
 */

const OLD = "i-0f1e2d3c4b5a60001";
const NEW = "i-0f1e2d3c4b5a60002";
const IT = "eni-0e1d2c3b4a5f60001";
const OT = "eni-0e1d2c3b4a5f60002";
const EXPOSED = "eni-0e1d2c3b4a5f60003";
const LGW = "lgw-rtb-0f0e0d0c0b0a00099";
const OUTPOST = "op-0a1b2c3d4e5f60001";
const TOKEN = "b5c3e2a1-7d4f-4e1a-9c2b-3f6a8d0e1c2f";

type Raw = AccountFixtureInput & Record<string, unknown>;
const raw = (): Raw =>
  JSON.parse(readFileSync(join(ROOT, "test", "fixtures", "accounts", "eni-reattach.json"), "utf8")) as Raw;
const load = (edit?: (f: Raw) => void) => {
  const f = raw();
  edit?.(f);
  return SimulatedAccount.fromFixture(parseFixture(f));
};
const status = (a: SimulatedAccount, id: string) => {
  a.settle();
  const n = a.state().networkInterfaces.get(id);
  return n === undefined ? "deleted" : (n.attachment?.status ?? "available");
};
/** The old instance terminated and its ENIs released (what the fixture shows 2 s in). */
const released = () => {
  const a = load();
  a.advance(2000);
  return a;
};
const attach = (a: SimulatedAccount, eni: string, instance: string, index: number, card?: number) =>
  ec2<{ AttachmentId: string; NetworkCardIndex: number }>(a, "AttachNetworkInterface", {
    NetworkInterfaceId: eni,
    InstanceId: instance,
    DeviceIndex: index,
    ...(card !== undefined ? { NetworkCardIndex: card } : {}),
  });

describe("ENI attach and detach", () => {
  it("the terminating instance releases its DeleteOnTermination:false ENIs when the termination completes", () => {
    const a = load();
    expect(status(a, IT)).toBe("attached");
    a.advance(1999);
    expect(status(a, IT)).toBe("attached");
    a.advance(1);
    expect([IT, OT, EXPOSED].map((id) => status(a, id))).toEqual(["available", "available", "available"]);
    // The generated primary ENI (DeleteOnTermination true) is deleted with the instance.
    expect([...a.state().networkInterfaces.values()].filter((n) => n.attachment?.instanceId === OLD)).toEqual(
      [],
    );
  });

  it("attach is asynchronous: attaching → attached after behaviour.eniAttachMs, explicit card index echoed", async () => {
    const a = released();
    const out = await attach(a, IT, NEW, 1, 0);
    expect(out.NetworkCardIndex).toBe(0);
    expect(out.AttachmentId).toMatch(/^eni-attach-[0-9a-f]{17}$/);
    expect(status(a, IT)).toBe("attaching");
    a.advance(300);
    expect(status(a, IT)).toBe("attached");
    const described = await ec2<{
      NetworkInterfaces: { Status: string; Attachment: Record<string, unknown> }[];
    }>(a, "DescribeNetworkInterfaces", { NetworkInterfaceIds: [IT] });
    expect(described.NetworkInterfaces[0]?.Status).toBe("in-use");
    expect(described.NetworkInterfaces[0]?.Attachment).toMatchObject({
      InstanceId: NEW,
      DeviceIndex: 1,
      NetworkCardIndex: 0,
      Status: "attached",
      DeleteOnTermination: false,
    });
  });

  it("an ENI in use → InvalidNetworkInterface.InUse", async () => {
    const a = load();
    const e = await awsError(attach(a, IT, NEW, 1), "InvalidNetworkInterface.InUse", 400);
    expect(e.message).toBe(`Interface: [${IT}] in use.`);
  });

  it("a device index in use → InvalidParameterValue", async () => {
    const a = released();
    await attach(a, IT, NEW, 1);
    const e = await awsError(attach(a, OT, NEW, 1), "InvalidParameterValue");
    expect(e.message).toBe(`Instance '${NEW}' already has an interface attached at device index '1'.`);
  });

  it("the per-card MaximumNetworkInterfaces reached → AttachmentLimitExceeded", async () => {
    const a = load((f) => {
      const i = f.instances?.find((x) => x.id === NEW);
      if (i !== undefined) i.instanceType = "c5.large"; // 3 ENIs
    });
    a.advance(2000);
    await attach(a, IT, NEW, 1);
    await attach(a, OT, NEW, 2);
    await awsError(attach(a, EXPOSED, NEW, 3), "AttachmentLimitExceeded");
  });

  it("another Availability Zone → InvalidParameterCombination; a card the type lacks → InvalidParameterValue", async () => {
    const a = load((f) => {
      const i = f.instances?.find((x) => x.id === NEW);
      if (i !== undefined)
        Object.assign(i, { subnetId: "subnet-0f0e0d0c0b0a00012", privateIpAddress: "10.10.2.11" });
    });
    a.advance(2000);
    await awsError(attach(a, IT, NEW, 1), "InvalidParameterCombination");
    const b = released();
    await awsError(attach(b, IT, NEW, 1, 1), "InvalidParameterValue");
  });

  it("the instance must be running or stopped → IncorrectInstanceState", async () => {
    const a = released();
    const instance = a.state().instances.get(NEW);
    if (instance !== undefined) instance.state = "pending";
    await awsError(attach(a, IT, NEW, 1), "IncorrectInstanceState");
  });

  it("unknown ids → InvalidNetworkInterfaceID.NotFound / InvalidInstanceID.NotFound; DryRun → DryRunOperation", async () => {
    const a = released();
    await awsError(attach(a, "eni-0123456789abcdef9", NEW, 1), "InvalidNetworkInterfaceID.NotFound");
    await awsError(attach(a, IT, "i-0123456789abcdef9", 1), "InvalidInstanceID.NotFound");
    await awsError(
      ec2(a, "AttachNetworkInterface", {
        NetworkInterfaceId: IT,
        InstanceId: NEW,
        DeviceIndex: 1,
        DryRun: true,
      }),
      "DryRunOperation",
      412,
    );
    expect(status(a, IT)).toBe("available");
  });

  it("detach is asynchronous (detaching → available); Force accepted; the primary ENI → OperationNotPermitted", async () => {
    const a = load((f) => {
      const old = f.instances?.find((x) => x.id === OLD);
      if (old !== undefined) Object.assign(old, { state: "running", stateSince: undefined });
    });
    const attachmentId = a.state().networkInterfaces.get(OT)?.attachment?.attachmentId;
    await ec2(a, "DetachNetworkInterface", { AttachmentId: attachmentId, Force: true });
    expect(status(a, OT)).toBe("detaching");
    a.advance(400);
    expect(status(a, OT)).toBe("available");
    const primary = a.state().primaryEni(OLD)?.attachment?.attachmentId;
    const e = await awsError(
      ec2(a, "DetachNetworkInterface", { AttachmentId: primary }),
      "OperationNotPermitted",
    );
    expect(e.message).toContain("device index 0");
    await awsError(
      ec2(a, "DetachNetworkInterface", { AttachmentId: "eni-attach-0123456789abcdef0" }),
      "InvalidAttachmentID.NotFound",
    );
  });

  it("ModifyNetworkInterfaceAttribute: DeleteOnTermination through the attachment, SourceDestCheck", async () => {
    const a = load();
    const attachmentId = a.state().networkInterfaces.get(IT)?.attachment?.attachmentId;
    await ec2(a, "ModifyNetworkInterfaceAttribute", {
      NetworkInterfaceId: IT,
      Attachment: { AttachmentId: attachmentId, DeleteOnTermination: true },
    });
    expect(a.state().networkInterfaces.get(IT)?.attachment?.deleteOnTermination).toBe(true);
    await ec2(a, "ModifyNetworkInterfaceAttribute", {
      NetworkInterfaceId: IT,
      SourceDestCheck: { Value: false },
    });
    expect(a.state().networkInterfaces.get(IT)?.sourceDestCheck).toBe(false);
    await awsError(
      ec2(a, "ModifyNetworkInterfaceAttribute", {
        NetworkInterfaceId: IT,
        Attachment: { AttachmentId: "eni-attach-0123456789abcdef0", DeleteOnTermination: false },
      }),
      "InvalidAttachmentID.NotFound",
    );
    // DeleteOnTermination true now: the termination deletes the ENI instead of releasing it.
    a.advance(2000);
    expect(status(a, IT)).toBe("deleted");
    expect(status(a, OT)).toBe("available");
  });
});

describe("Auto Scaling lifecycle hooks", () => {
  it("DescribeLifecycleHooks lists the group's hooks; an unknown group → ValidationError", async () => {
    const a = load();
    const out = await asg<{ LifecycleHooks: Record<string, unknown>[] }>(a, "DescribeLifecycleHooks", {
      AutoScalingGroupName: "fw-asg",
    });
    expect(
      out.LifecycleHooks.map((h) => [
        h.LifecycleHookName,
        h.HeartbeatTimeout,
        h.DefaultResult,
        h.GlobalTimeout,
      ]),
    ).toEqual([
      ["fw-launch", 300, "ABANDON", 30_000],
      ["fw-terminate", 120, "CONTINUE", 12_000],
    ]);
    await awsError(asg(a, "DescribeLifecycleHooks", { AutoScalingGroupName: "nope" }), "ValidationError");
  });

  it("Pending:Wait until CONTINUE (by token) → Pending:Proceed → InService; DescribeAutoScalingInstances shows it", async () => {
    const a = load();
    const before = await asg<{ AutoScalingInstances: { LifecycleState: string }[] }>(
      a,
      "DescribeAutoScalingInstances",
      {
        InstanceIds: [NEW],
      },
    );
    expect(before.AutoScalingInstances[0]?.LifecycleState).toBe("Pending:Wait");
    await asg(a, "CompleteLifecycleAction", {
      AutoScalingGroupName: "fw-asg",
      LifecycleHookName: "fw-launch",
      LifecycleActionToken: TOKEN,
      LifecycleActionResult: "CONTINUE",
    });
    const state = async () =>
      (
        await asg<{ AutoScalingInstances: { LifecycleState: string }[] }>(a, "DescribeAutoScalingInstances", {
          InstanceIds: [NEW],
        })
      ).AutoScalingInstances[0]?.LifecycleState;
    expect(await state()).toBe("Pending:Proceed");
    a.advance(a.fixture.behaviour.pendingProceedMs - 1);
    expect(await state()).toBe("Pending:Proceed");
    a.advance(1);
    expect(await state()).toBe("InService");
  });

  it("completing again → ValidationError 'No active Lifecycle Action found with …'", async () => {
    const a = load();
    const input = {
      AutoScalingGroupName: "fw-asg",
      LifecycleHookName: "fw-launch",
      LifecycleActionResult: "CONTINUE",
    };
    await asg(a, "CompleteLifecycleAction", { ...input, InstanceId: NEW });
    const byId = await awsError(
      asg(a, "CompleteLifecycleAction", { ...input, InstanceId: NEW }),
      "ValidationError",
    );
    expect(byId.message).toBe(`No active Lifecycle Action found with instance ID ${NEW}`);
    const byToken = await awsError(
      asg(a, "CompleteLifecycleAction", { ...input, LifecycleActionToken: TOKEN }),
      "ValidationError",
    );
    expect(byToken.message).toBe(`No active Lifecycle Action found with token ${TOKEN}`);
    await awsError(
      asg(a, "RecordLifecycleActionHeartbeat", {
        AutoScalingGroupName: "fw-asg",
        LifecycleHookName: "fw-launch",
        InstanceId: NEW,
      }),
      "ValidationError",
    );
  });

  it("ABANDON on launch terminates the instance (its ENIs released) and it leaves the group", async () => {
    const a = released();
    await attach(a, IT, NEW, 1);
    a.advance(300);
    await asg(a, "CompleteLifecycleAction", {
      AutoScalingGroupName: "fw-asg",
      LifecycleHookName: "fw-launch",
      InstanceId: NEW,
      LifecycleActionResult: "ABANDON",
    });
    expect(a.state().instances.get(NEW)?.state).toBe("shutting-down");
    a.advance(2000);
    expect(a.state().instances.get(NEW)?.state).toBe("terminated");
    expect(status(a, IT)).toBe("available");
    expect(a.state().groupOf(NEW)).toBeUndefined();
  });

  it("the heartbeat timeout applies DefaultResult; a heartbeat restarts it", async () => {
    const a = load();
    // Started 20 s before the clock start, 300 s timeout: expires at +280 s.
    a.advance(270_000);
    await asg(a, "RecordLifecycleActionHeartbeat", {
      AutoScalingGroupName: "fw-asg",
      LifecycleHookName: "fw-launch",
      LifecycleActionToken: TOKEN,
      InstanceId: NEW,
    });
    a.advance(299_000);
    expect(
      a
        .state()
        .groupOf(NEW)
        ?.instances.find((m) => m.instanceId === NEW)?.lifecycleState,
    ).toBe("Pending:Wait");
    a.advance(1000);
    // DefaultResult ABANDON: terminated.
    expect(a.state().instances.get(NEW)?.state).toBe("shutting-down");
  });

  it("a terminate hook's DefaultResult CONTINUE lets the termination proceed; the lifecycle event is emitted", () => {
    const a = load((f) => {
      const old = f.instances?.find((x) => x.id === OLD);
      if (old !== undefined) Object.assign(old, { state: "running", stateSince: undefined });
    });
    const action = startLifecycleAction(a.state(), () => undefined, a.clock.nowMs(), {
      groupName: "fw-asg",
      hookName: "fw-terminate",
      instanceId: OLD,
      origin: "AutoScalingGroup",
      destination: "EC2",
    });
    expect(
      a
        .state()
        .groupOf(OLD)
        ?.instances.find((m) => m.instanceId === OLD)?.lifecycleState,
    ).toBe("Terminating:Wait");
    expect(action.transition).toBe("autoscaling:EC2_INSTANCE_TERMINATING");
    a.advance(120_000);
    expect(a.state().instances.get(OLD)?.state).toBe("shutting-down");
  });

  it("CompleteLifecycleAction validation: neither token nor instance id, a bad result", async () => {
    const a = load();
    await awsError(
      asg(a, "CompleteLifecycleAction", {
        AutoScalingGroupName: "fw-asg",
        LifecycleHookName: "fw-launch",
        LifecycleActionResult: "CONTINUE",
      }),
      "ValidationError",
    );
    await awsError(
      asg(a, "CompleteLifecycleAction", {
        AutoScalingGroupName: "fw-asg",
        LifecycleHookName: "fw-launch",
        InstanceId: NEW,
        LifecycleActionResult: "MAYBE",
      }),
      "ValidationError",
    );
  });
});

describe("Outposts, capacity metric, local gateway routes", () => {
  it("GetOutpost; unknown → NotFoundException (404); malformed → ValidationException", async () => {
    const a = load();
    const out = await call<{ Outpost: Record<string, unknown> }>(a, "outposts", "GetOutpost", {
      OutpostId: OUTPOST,
    });
    expect(out.Outpost).toMatchObject({
      OutpostId: OUTPOST,
      LifeCycleStatus: "ACTIVE",
      AvailabilityZone: "us-east-1a",
    });
    await awsError(
      call(a, "outposts", "GetOutpost", { OutpostId: "op-0a1b2c3d4e5f60009" }),
      "NotFoundException",
      404,
    );
    await awsError(call(a, "outposts", "GetOutpost", { OutpostId: "nope" }), "ValidationException");
  });

  it("GetOutpostInstanceTypes is paginated", async () => {
    const a = load();
    const first = await call<{ InstanceTypes: { InstanceType: string }[]; NextToken?: string }>(
      a,
      "outposts",
      "GetOutpostInstanceTypes",
      { OutpostId: OUTPOST, MaxResults: 2 },
    );
    expect(first.InstanceTypes.map((t) => t.InstanceType)).toEqual(["c5.xlarge", "c5.large"]);
    const second = await call<{ InstanceTypes: { InstanceType: string }[]; NextToken?: string }>(
      a,
      "outposts",
      "GetOutpostInstanceTypes",
      { OutpostId: OUTPOST, MaxResults: 2, NextToken: first.NextToken },
    );
    expect(second.InstanceTypes.map((t) => t.InstanceType)).toEqual(["m5.xlarge"]);
    expect(second.NextToken).toBeUndefined();
  });

  it("GetMetricData answers AWS/Outposts AvailableInstanceType_Count per type; other metrics are empty", async () => {
    const a = load();
    const query = (id: string, type: string, namespace = "AWS/Outposts") => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: namespace,
          MetricName: "AvailableInstanceType_Count",
          Dimensions: [
            { Name: "OutpostId", Value: OUTPOST },
            { Name: "InstanceType", Value: type },
          ],
        },
        Period: 300,
        Stat: "Minimum",
      },
    });
    const out = await cw<{ MetricDataResults: { Id: string; Values: number[] }[] }>(a, "GetMetricData", {
      MetricDataQueries: [query("a", "c5.xlarge"), query("b", "m5.xlarge"), query("c", "c5.xlarge", "Other")],
      StartTime: new Date(Date.parse("2026-11-21T11:45:00Z")),
      EndTime: new Date(Date.parse("2026-11-21T12:00:00Z")),
    });
    // One datapoint per 5-minute period of the window, newest first.
    expect(out.MetricDataResults.map((r) => [r.Id, r.Values])).toEqual([
      ["a", [2, 2, 2]],
      ["b", [0, 0, 0]],
      ["c", []],
    ]);
  });

  it("a local gateway route to an ENI is active only while it is attached to a running instance", async () => {
    const a = load();
    const search = async () =>
      (
        await ec2<{ Routes: { State: string }[] }>(a, "SearchLocalGatewayRoutes", {
          LocalGatewayRouteTableId: LGW,
          Filters: [{ Name: "type", Values: ["static"] }],
        })
      ).Routes[0]?.State;
    expect(await search()).toBe("blackhole"); // the old instance is shutting down
    a.advance(2000);
    await attach(a, EXPOSED, NEW, 3);
    expect(await search()).toBe("blackhole"); // attaching
    a.advance(300);
    expect(await search()).toBe("active");
  });

  it("ModifyLocalGatewayRoute retargets a static route; unknown route → InvalidRoute.NotFound", async () => {
    const a = released();
    await attach(a, IT, NEW, 1);
    a.advance(300);
    const out = await ec2<{ Route: { NetworkInterfaceId: string; State: string } }>(
      a,
      "ModifyLocalGatewayRoute",
      {
        LocalGatewayRouteTableId: LGW,
        DestinationCidrBlock: "10.40.0.0/16",
        NetworkInterfaceId: IT,
      },
    );
    expect(out.Route).toMatchObject({ NetworkInterfaceId: IT, State: "active" });
    await awsError(
      ec2(a, "ModifyLocalGatewayRoute", {
        LocalGatewayRouteTableId: LGW,
        DestinationCidrBlock: "10.99.0.0/16",
        NetworkInterfaceId: IT,
      }),
      "InvalidRoute.NotFound",
    );
    await awsError(
      ec2(a, "ModifyLocalGatewayRoute", {
        LocalGatewayRouteTableId: LGW,
        DestinationCidrBlock: "10.40.0.0/16",
      }),
      "InvalidParameterCombination",
    );
  });
});
