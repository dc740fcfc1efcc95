import type { DescribeInstancesResult, Instance, StopInstancesResult } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { DRY_RUN_MESSAGE, parseFixture, SimulatedAccount } from "../../../sim";
import { awsError, DEMO, demoAccount, demoJson, ec2 } from "./helpers";

function instancesOf(result: DescribeInstancesResult): Instance[] {
  return (result.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

async function describeOne(account: SimulatedAccount, id: string): Promise<Instance> {
  const result = await ec2<DescribeInstancesResult>(account, "DescribeInstances", { InstanceIds: [id] });
  const [instance] = instancesOf(result);
  if (instance === undefined) throw new Error(`no ${id}`);
  return instance;
}

describe("EC2 DescribeInstances", () => {
  it("answers SDK-shaped instances with real state codes and HibernationOptions always present", async () => {
    const a = demoAccount();
    const all = instancesOf(await ec2<DescribeInstancesResult>(a, "DescribeInstances"));
    expect(all).toHaveLength(10);
    for (const i of all) {
      expect(i.HibernationOptions).toEqual({ Configured: expect.any(Boolean) });
      expect(i.LaunchTime).toBeInstanceOf(Date);
    }
    const notConfigured = all.find((i) => i.InstanceId === DEMO.notConfigured);
    expect(notConfigured?.HibernationOptions).toEqual({ Configured: false });
    const happy = all.find((i) => i.InstanceId === DEMO.happy);
    expect(happy).toMatchObject({
      State: { Code: 16, Name: "running" },
      StateTransitionReason: "",
      InstanceType: "m5.large",
      PrivateIpAddress: "10.0.1.10",
      PrivateDnsName: "ip-10-0-1-10.ec2.internal",
      SubnetId: DEMO.subnetA,
      VpcId: DEMO.vpc,
      Placement: { AvailabilityZone: "us-east-1a" },
      HibernationOptions: { Configured: true },
    });
    expect(happy?.StateReason).toBeUndefined();
    expect(happy?.Tags).toEqual([
      { Key: "Name", Value: "build-runner-01" },
      { Key: "ops:hibernate", Value: "idle" },
    ]);
    expect(happy?.NetworkInterfaces?.[0]).toMatchObject({
      Attachment: { DeviceIndex: 0, Status: "attached", DeleteOnTermination: true },
      Status: "in-use",
      PrivateIpAddress: "10.0.1.10",
    });
  });

  it("shows a stopped instance with code 80, its state reason and transition reason", async () => {
    const i = await describeOne(demoAccount(), DEMO.stopped);
    expect(i.State).toEqual({ Code: 80, Name: "stopped" });
    expect(i.StateReason).toEqual({
      Code: "Client.UserInitiatedHibernate",
      Message: "Client.UserInitiatedHibernate: User initiated hibernate",
    });
    expect(i.StateTransitionReason).toBe("User initiated (2019-10-02 17:11:00 GMT)");
  });

  it("lists a multi-ENI appliance with its ENIs by device index and SourceDestCheck false", async () => {
    const i = await describeOne(demoAccount(), DEMO.router);
    expect(i.SourceDestCheck).toBe(false);
    expect(i.NetworkInterfaces?.map((n) => [n.NetworkInterfaceId, n.Attachment?.DeviceIndex])).toEqual([
      [DEMO.routerEni, 0],
      [DEMO.routerInsideEni, 1],
    ]);
    expect(i.NetworkInterfaces?.[1]?.Attachment?.DeleteOnTermination).toBe(false);
  });

  it("answers InvalidInstanceID.NotFound for unknown ids (all of them in one message)", async () => {
    const a = demoAccount();
    const one = await awsError(
      ec2(a, "DescribeInstances", { InstanceIds: ["i-0000000000000000a"] }),
      "InvalidInstanceID.NotFound",
      400,
    );
    expect(one.message).toBe("The instance ID 'i-0000000000000000a' does not exist");
    const two = await awsError(
      ec2(a, "DescribeInstances", {
        InstanceIds: [DEMO.happy, "i-0000000000000000a", "i-0000000000000000b"],
      }),
      "InvalidInstanceID.NotFound",
    );
    expect(two.message).toBe("The instance IDs 'i-0000000000000000a, i-0000000000000000b' do not exist");
  });

  it("answers InvalidInstanceID.Malformed for a bad id (e.g. the SNS sample's TestInstance)", async () => {
    const e = await awsError(
      ec2(demoAccount(), "DescribeInstances", { InstanceIds: ["TestInstance"] }),
      "InvalidInstanceID.Malformed",
    );
    expect(e.message).toBe('Invalid id: "TestInstance"');
  });

  it("accepts the 8-hex-digit legacy id format", async () => {
    await awsError(
      ec2(demoAccount(), "DescribeInstances", { InstanceIds: ["i-12345678"] }),
      "InvalidInstanceID.NotFound",
    );
  });

  it("filters: instance-state-name, tag:<key>, tag-key, subnet-id, vpc-id, network-interface id, wildcards", async () => {
    const a = demoAccount();
    const ids = async (Filters: { Name: string; Values: string[] }[]) =>
      instancesOf(await ec2<DescribeInstancesResult>(a, "DescribeInstances", { Filters }))
        .map((i) => i.InstanceId)
        .sort();
    expect(await ids([{ Name: "instance-state-name", Values: ["stopped"] }])).toEqual([DEMO.stopped]);
    expect(await ids([{ Name: "tag:ops:hibernate", Values: ["never"] }])).toEqual([DEMO.optedOut]);
    expect(await ids([{ Name: "tag-key", Values: ["aws:autoscaling:groupName"] }])).toEqual([
      DEMO.asgMember,
      DEMO.asgOther,
    ]);
    expect(
      await ids([
        { Name: "subnet-id", Values: [DEMO.subnetB] },
        { Name: "tag:ops:hibernate", Values: ["idle"] },
      ]),
    ).toEqual([DEMO.notConfigured, DEMO.stopped, DEMO.recent]);
    expect(
      await ids([{ Name: "network-interface.network-interface-id", Values: [DEMO.routerInsideEni] }]),
    ).toEqual([DEMO.router]);
    expect(await ids([{ Name: "tag:Name", Values: ["web-asg-*"] }])).toEqual([DEMO.asgMember, DEMO.asgOther]);
    expect(await ids([{ Name: "instance-id", Values: [DEMO.happy, "i-0000000000000000a"] }])).toEqual([
      DEMO.happy,
    ]);
    expect(await ids([{ Name: "hibernation-options.configured", Values: ["false"] }])).toEqual([
      DEMO.notConfigured,
    ]);
    expect(await ids([{ Name: "vpc-id", Values: ["vpc-0000000000000000f"] }])).toEqual([]);
    const bad = await awsError(
      ec2(a, "DescribeInstances", { Filters: [{ Name: "colour", Values: ["red"] }] }),
      "InvalidParameterValue",
    );
    expect(bad.message).toBe("The filter 'colour' is invalid");
  });

  it("paginates with MaxResults/NextToken and groups by reservation", async () => {
    const a = demoAccount();
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ec2<DescribeInstancesResult>(a, "DescribeInstances", {
        MaxResults: 5,
        NextToken: token,
      });
      for (const r of page.Reservations ?? []) {
        expect(r.OwnerId).toBe("123456789012");
        expect(r.ReservationId).toMatch(/^r-[0-9a-f]{17}$/);
      }
      seen.push(...instancesOf(page).map((i) => i.InstanceId ?? ""));
      token = page.NextToken;
      pages += 1;
    } while (token !== undefined);
    expect(pages).toBe(2);
    expect(new Set(seen).size).toBe(10);
    await awsError(ec2(a, "DescribeInstances", { NextToken: "garbage" }), "InvalidPaginationToken");
  });

  it("rejects MaxResults with InstanceIds (InvalidParameterCombination) and out-of-range MaxResults", async () => {
    const a = demoAccount();
    const combo = await awsError(
      ec2(a, "DescribeInstances", { InstanceIds: [DEMO.happy], MaxResults: 5 }),
      "InvalidParameterCombination",
    );
    expect(combo.message).toBe("The parameter instancesSet cannot be used with the parameter maxResults");
    const small = await awsError(ec2(a, "DescribeInstances", { MaxResults: 3 }), "InvalidParameterValue");
    expect(small.message).toBe(
      "Value ( 3 ) for parameter maxResults is invalid. Expecting a value greater than 5.",
    );
    await awsError(ec2(a, "DescribeInstances", { MaxResults: 1001 }), "InvalidParameterValue");
  });

  it("honours DryRun on describe calls too", async () => {
    await awsError(ec2(demoAccount(), "DescribeInstances", { DryRun: true }), "DryRunOperation", 412);
  });
});

describe("EC2 StopInstances", () => {
  it("hibernates a running, hibernation-configured instance: stopping now, stopped after the delay", async () => {
    const a = demoAccount();
    const result = await ec2<StopInstancesResult>(a, "StopInstances", {
      InstanceIds: [DEMO.happy],
      Hibernate: true,
    });
    expect(result.StoppingInstances).toEqual([
      {
        InstanceId: DEMO.happy,
        CurrentState: { Code: 64, Name: "stopping" },
        PreviousState: { Code: 16, Name: "running" },
      },
    ]);
    let i = await describeOne(a, DEMO.happy);
    expect(i.State).toEqual({ Code: 64, Name: "stopping" });
    expect(i.StateReason).toEqual({
      Code: "Client.UserInitiatedHibernate",
      Message: "Client.UserInitiatedHibernate: User initiated hibernate",
    });
    expect(i.StateTransitionReason).toBe("User initiated (2019-10-02 17:21:00 GMT)");

    a.clock.advance(59_999); // hibernatingToStoppedMs is 60 s in the demo account
    expect((await describeOne(a, DEMO.happy)).State?.Name).toBe("stopping");
    a.clock.advance(1);
    i = await describeOne(a, DEMO.happy);
    expect(i.State).toEqual({ Code: 80, Name: "stopped" });
    expect(i.StateReason?.Code).toBe("Client.UserInitiatedHibernate");

    expect(a.serviceEvents.map((e) => [e["detail-type"], e.detail.state, e.time])).toEqual([
      ["EC2 Instance State-change Notification", "stopping", "2019-10-02T17:21:00Z"],
      ["EC2 Instance State-change Notification", "stopped", "2019-10-02T17:22:00Z"],
    ]);
  });

  it("a plain stop uses Client.UserInitiatedShutdown and the stopping delay", async () => {
    const a = demoAccount();
    await ec2(a, "StopInstances", { InstanceIds: [DEMO.notConfigured] });
    expect((await describeOne(a, DEMO.notConfigured)).StateReason).toEqual({
      Code: "Client.UserInitiatedShutdown",
      Message: "Client.UserInitiatedShutdown: User initiated shutdown",
    });
    a.clock.advance(30_000);
    expect((await describeOne(a, DEMO.notConfigured)).State?.Name).toBe("stopped");
  });

  it("refuses to hibernate an instance not configured for hibernation: UnsupportedHibernationConfiguration", async () => {
    const a = demoAccount();
    const e = await awsError(
      ec2(a, "StopInstances", { InstanceIds: [DEMO.notConfigured], Hibernate: true }),
      "UnsupportedHibernationConfiguration",
      400,
    );
    expect(e.message).toBe(
      `The instance can't be hibernated because it was not configured at launch for hibernation: ${DEMO.notConfigured}`,
    );
    expect((await describeOne(a, DEMO.notConfigured)).State?.Name).toBe("running");
  });

  it("refuses to hibernate a stopped instance: IncorrectInstanceState; a plain stop of it is a no-op success", async () => {
    const a = demoAccount();
    await awsError(
      ec2(a, "StopInstances", { InstanceIds: [DEMO.stopped], Hibernate: true }),
      "IncorrectInstanceState",
    );
    const plain = await ec2<StopInstancesResult>(a, "StopInstances", { InstanceIds: [DEMO.stopped] });
    expect(plain.StoppingInstances).toEqual([
      {
        InstanceId: DEMO.stopped,
        CurrentState: { Code: 80, Name: "stopped" },
        PreviousState: { Code: 80, Name: "stopped" },
      },
    ]);
  });

  it("refuses to hibernate an instance already stopping (IncorrectInstanceState); a plain stop returns stopping", async () => {
    const a = demoAccount();
    await ec2(a, "StopInstances", { InstanceIds: [DEMO.happy], Hibernate: true });
    await awsError(
      ec2(a, "StopInstances", { InstanceIds: [DEMO.happy], Hibernate: true }),
      "IncorrectInstanceState",
    );
    const again = await ec2<StopInstancesResult>(a, "StopInstances", { InstanceIds: [DEMO.happy] });
    expect(again.StoppingInstances?.[0]?.CurrentState?.Name).toBe("stopping");
    expect(again.StoppingInstances?.[0]?.PreviousState?.Name).toBe("stopping");
  });

  it("refuses a stop-protected instance: OperationNotPermitted (with or without Force)", async () => {
    const a = demoAccount();
    const e = await awsError(
      ec2(a, "StopInstances", { InstanceIds: [DEMO.stopProtected], Hibernate: true }),
      "OperationNotPermitted",
    );
    expect(e.message).toBe(
      `The instance '${DEMO.stopProtected}' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.`,
    );
    await awsError(
      ec2(a, "StopInstances", { InstanceIds: [DEMO.stopProtected], Force: true }),
      "OperationNotPermitted",
    );
  });

  it("DryRun answers DryRunOperation (412) when the call would succeed, and changes nothing", async () => {
    const a = demoAccount();
    const before = a.snapshot();
    const e = await awsError(
      ec2(a, "StopInstances", { InstanceIds: [DEMO.happy], Hibernate: true, DryRun: true }),
      "DryRunOperation",
      412,
    );
    expect(e.message).toBe(DRY_RUN_MESSAGE);
    expect(e.message).toBe("Request would have succeeded, but DryRun flag is set.");
    expect(a.snapshot().instances).toEqual(before.instances);
    expect(a.serviceEvents).toEqual([]);
  });

  it("validates ids before DryRun: unknown id → InvalidInstanceID.NotFound, missing list → MissingParameter", async () => {
    const a = demoAccount();
    await awsError(
      ec2(a, "StopInstances", { InstanceIds: ["i-0000000000000000a"], DryRun: true }),
      "InvalidInstanceID.NotFound",
    );
    await awsError(ec2(a, "StopInstances", { InstanceIds: [] }), "MissingParameter");
    await awsError(ec2(a, "StopInstances", { InstanceIds: ["nope"] }), "InvalidInstanceID.Malformed");
  });

  it("fails the whole batch when one instance fails, stopping none of them", async () => {
    const a = demoAccount();
    await awsError(
      ec2(a, "StopInstances", {
        InstanceIds: [DEMO.happy, DEMO.notConfigured, DEMO.recent],
        Hibernate: true,
      }),
      "UnsupportedHibernationConfiguration",
    );
    const snap = a.snapshot();
    expect(snap.instances[DEMO.happy]?.State).toBe("running");
    expect(snap.instances[DEMO.recent]?.State).toBe("running");
    const ok = await ec2<StopInstancesResult>(a, "StopInstances", {
      InstanceIds: [DEMO.happy, DEMO.recent],
      Hibernate: true,
    });
    expect(ok.StoppingInstances?.map((s) => s.CurrentState?.Name)).toEqual(["stopping", "stopping"]);
  });

  it("refuses a pending instance and a terminated one with IncorrectInstanceState", async () => {
    const json = demoJson();
    json.instances = [
      ...(json.instances ?? []),
      {
        id: "i-0aaaaaaaaaaaaaaa1",
        instanceType: "t3.micro",
        state: "pending",
        launchTime: "2019-10-02T17:20:50.000Z",
        subnetId: "subnet-0a1b2c3d4e5f60101",
        privateIpAddress: "10.0.1.201",
      },
      {
        id: "i-0aaaaaaaaaaaaaaa2",
        instanceType: "t3.micro",
        state: "terminated",
        launchTime: "2019-10-01T17:20:50.000Z",
        subnetId: "subnet-0a1b2c3d4e5f60101",
        privateIpAddress: "10.0.1.202",
      },
    ];
    const a = SimulatedAccount.fromFixture(parseFixture(json));
    const pending = await awsError(
      ec2(a, "StopInstances", { InstanceIds: ["i-0aaaaaaaaaaaaaaa1"] }),
      "IncorrectInstanceState",
    );
    expect(pending.message).toBe(
      "Instance 'i-0aaaaaaaaaaaaaaa1' cannot be stopped as it has never reached the 'running' state.",
    );
    await awsError(
      ec2(a, "StopInstances", { InstanceIds: ["i-0aaaaaaaaaaaaaaa2"] }),
      "IncorrectInstanceState",
    );
    const terminated = await describeOne(a, "i-0aaaaaaaaaaaaaaa2");
    expect(terminated.State).toEqual({ Code: 48, Name: "terminated" });
    expect(terminated.NetworkInterfaces).toEqual([]);
    a.clock.advance(15_000);
    expect((await describeOne(a, "i-0aaaaaaaaaaaaaaa1")).State).toEqual({ Code: 16, Name: "running" });
  });

  it("Force shortens a stop in progress", async () => {
    const a = demoAccount();
    await ec2(a, "StopInstances", { InstanceIds: [DEMO.notConfigured] });
    a.clock.advance(1_000);
    await ec2(a, "StopInstances", { InstanceIds: [DEMO.notConfigured], Force: true });
    a.clock.advance(5_000);
    expect((await describeOne(a, DEMO.notConfigured)).State?.Name).toBe("stopped");
  });

  it("an Auto Scaling member can be hibernated (AWS allows it) and its group then sees it unhealthy", async () => {
    const a = demoAccount();
    await ec2(a, "StopInstances", { InstanceIds: [DEMO.asgMember], Hibernate: true });
    expect(a.snapshot().autoScalingGroups["web-asg"]?.Instances[DEMO.asgMember]?.HealthStatus).toBe(
      "Unhealthy",
    );
  });
});
