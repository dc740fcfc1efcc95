/**
 * Issue 12 in the simulated account: StopInstances with and without Hibernate (refusal order and codes,
 * current Spot rules, hibernation falling back to a normal shutdown), StateReason/StateTransitionReason,
 * instance store, Capacity Reservation, lifecycle and operator fields, reserved `aws:` tags.
 */
import type {
  DescribeInstancesResult,
  DescribeInstanceTypesResult,
  Instance,
  StopInstancesResult,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { FixtureError, parseFixture, type SimulatedAccount } from "../../../sim";
import { awsError, ec2 } from "./helpers";
import { H, hibernationAccount, hibernationFixtureJson, START_MS } from "./hibernation-fixture";

async function describe1(a: SimulatedAccount, id: string): Promise<Instance> {
  const r = await ec2<DescribeInstancesResult>(a, "DescribeInstances", { InstanceIds: [id] });
  const inst = r.Reservations?.[0]?.Instances?.[0];
  if (inst === undefined) throw new Error(`no ${id}`);
  return inst;
}

async function idsMatching(a: SimulatedAccount, name: string, values: string[]): Promise<string[]> {
  const r = await ec2<DescribeInstancesResult>(a, "DescribeInstances", {
    Filters: [{ Name: name, Values: values }],
  });
  return (r.Reservations ?? [])
    .flatMap((x) => x.Instances ?? [])
    .map((i) => i.InstanceId ?? "")
    .sort();
}

function stop(a: SimulatedAccount, ids: string[], hibernate: boolean) {
  return ec2<StopInstancesResult>(a, "StopInstances", { InstanceIds: ids, Hibernate: hibernate });
}

describe("StopInstances refusals (order and codes)", () => {
  it("refuses an instance store root with UnsupportedOperation, with or without Hibernate", async () => {
    const a = hibernationAccount();
    for (const hibernate of [false, true]) {
      const e = await awsError(stop(a, [H.storeRoot], hibernate), "UnsupportedOperation", 400);
      expect(e.message).toBe(
        `The instance '${H.storeRoot}' does not have an 'ebs' root device type and cannot be stopped.`,
      );
    }
    expect(a.snapshot().instances[H.storeRoot]?.State).toBe("running");
  });

  it("refuses a one-time Spot request's instance with UnsupportedOperation, also for a plain stop", async () => {
    const a = hibernationAccount();
    for (const hibernate of [false, true]) {
      const e = await awsError(stop(a, [H.spotOneTime], hibernate), "UnsupportedOperation");
      expect(e.message).toBe(
        `You can't stop the Spot Instance '${H.spotOneTime}' because it is associated with a one-time Spot Instance request. You can only stop Spot Instances associated with persistent Spot Instance requests.`,
      );
    }
  });

  it("hibernates a persistent Spot request's instance configured for hibernation, as On-Demand", async () => {
    const a = hibernationAccount();
    const r = await stop(a, [H.spotPersistent], true);
    expect(r.StoppingInstances?.[0]?.CurrentState).toEqual({ Code: 64, Name: "stopping" });
    a.advance(60_000);
    const inst = await describe1(a, H.spotPersistent);
    expect(inst).toMatchObject({
      InstanceLifecycle: "spot",
      State: { Name: "stopped" },
      StateReason: { Code: "Client.UserInitiatedHibernate" },
    });
    expect(inst.SpotInstanceRequestId).toMatch(/^sir-[0-9a-f]{8}$/);
  });

  it('refuses a Scheduled Instance ("You can\'t stop or reboot a Scheduled Instance")', async () => {
    const a = hibernationAccount();
    await awsError(stop(a, [H.scheduled], false), "UnsupportedOperation");
  });

  it("refuses to hibernate within two minutes of LaunchTime, accepts it after; the knob 0 disables it", async () => {
    const a = hibernationAccount();
    const e = await awsError(stop(a, [H.fresh], true), "UnsupportedOperation");
    expect(e.message).toContain(H.fresh);
    await expect(stop(a, [H.fresh], false)).resolves.toBeDefined();
    const b = hibernationAccount();
    b.advance(60_000);
    await expect(stop(b, [H.fresh], true)).resolves.toBeDefined();
    const c = hibernationAccount({ behaviour: { hibernateMinUptimeMs: 0 } });
    await expect(stop(c, [H.fresh], true)).resolves.toBeDefined();
  });

  it("checks in order: root device, stop protection, Spot request, lifecycle, state, hibernation configuration", async () => {
    const a = hibernationAccount();
    // instance store before "not configured"; one-time Spot before "not configured"
    await awsError(stop(a, [H.storeRoot], true), "UnsupportedOperation");
    await awsError(stop(a, [H.spotOneTime], true), "UnsupportedOperation");
    await awsError(stop(a, [H.protected], true), "OperationNotPermitted");
    await awsError(stop(a, [H.reserved], true), "UnsupportedHibernationConfiguration");
    await awsError(stop(a, [H.longHibernated], true), "IncorrectInstanceState");
  });

  it("fails the whole batch on the first refusal and stops none", async () => {
    const a = hibernationAccount();
    await awsError(stop(a, [H.onDemand, H.spotOneTime, H.nvme], false), "UnsupportedOperation");
    const s = a.snapshot().instances;
    expect([s[H.onDemand]?.State, s[H.nvme]?.State]).toEqual(["running", "running"]);
    expect(a.serviceEvents).toEqual([]);
  });
});

describe("hibernation outcome", () => {
  it("a successful hibernation keeps the RAM: stopped after hibernatingToStoppedMs, MemoryPreserved", async () => {
    const a = hibernationAccount();
    await stop(a, [H.onDemand], true);
    a.advance(59_999);
    expect(a.snapshot().instances[H.onDemand]?.State).toBe("stopping");
    a.advance(1);
    const s = a.snapshot().instances[H.onDemand];
    expect(s).toMatchObject({
      State: "stopped",
      StateReason: "Client.UserInitiatedHibernate",
      MemoryPreserved: true,
    });
  });

  it("a failing hibernation ends as a normal shutdown after failedHibernationToStoppedMs, reason unchanged by default", async () => {
    const a = hibernationAccount();
    await stop(a, [H.failing], true);
    expect((await describe1(a, H.failing)).StateReason?.Code).toBe("Client.UserInitiatedHibernate");
    a.advance(179_999);
    expect(a.snapshot().instances[H.failing]?.State).toBe("stopping");
    a.advance(1);
    expect(a.snapshot().instances[H.failing]).toMatchObject({
      State: "stopped",
      StateReason: "Client.UserInitiatedHibernate",
      MemoryPreserved: false,
    });
  });

  it("with fallbackStateReason Client.UserInitiatedShutdown the stopped instance shows a plain stop's reason", async () => {
    const a = hibernationAccount();
    await stop(a, [H.failingVisible], true);
    a.advance(180_000);
    const inst = await describe1(a, H.failingVisible);
    expect(inst.StateReason).toEqual({
      Code: "Client.UserInitiatedShutdown",
      Message: "Client.UserInitiatedShutdown: User initiated shutdown",
    });
    expect(await idsMatching(a, "state-reason-code", ["Client.UserInitiatedHibernate"])).not.toContain(
      H.failingVisible,
    );
  });

  it("the control endpoint switches an instance's outcome", async () => {
    const a = hibernationAccount();
    const r = await a.control("POST", `/__sim/hibernation/${H.onDemand}`, {
      outcome: "normal-shutdown",
      fallbackStateReason: "Client.UserInitiatedShutdown",
    });
    expect(r.status).toBe(200);
    await stop(a, [H.onDemand], true);
    a.advance(180_000);
    expect(a.snapshot().instances[H.onDemand]).toMatchObject({
      StateReason: "Client.UserInitiatedShutdown",
      MemoryPreserved: false,
    });
    expect((await a.control("POST", "/__sim/hibernation/i-0e00000000000ffff", {})).status).toBe(404);
    expect((await a.control("POST", `/__sim/hibernation/${H.onDemand}`, { outcome: "x" })).status).toBe(400);
  });

  it("any stop of an instance with instance store loses that data (hibernation included)", async () => {
    const a = hibernationAccount();
    await stop(a, [H.nvme, H.onDemand], true);
    a.advance(60_000);
    const s = a.snapshot().instances;
    expect(s[H.nvme]).toMatchObject({ State: "stopped", MemoryPreserved: true, InstanceStoreDataLost: true });
    expect(s[H.onDemand]?.InstanceStoreDataLost).toBeUndefined();
  });
});

describe("StateReason and StateTransitionReason", () => {
  it("writes the stop time into StateTransitionReason as Cloud Custodian's state-age filter reads it", async () => {
    const a = hibernationAccount();
    a.advance(125_000);
    await stop(a, [H.onDemand], true);
    const inst = await describe1(a, H.onDemand);
    expect(inst.StateTransitionReason).toBe("User initiated (2026-03-02 09:02:05 GMT)");
    const inner = /\((.*)\)/.exec(inst.StateTransitionReason ?? "")?.[1] ?? "";
    expect(Date.parse(inner.replace(" GMT", "Z").replace(" ", "T"))).toBe(START_MS + 125_000);
  });

  it("a fixture instance hibernated 56 days ago shows its hibernation time and reason", async () => {
    const a = hibernationAccount();
    const inst = await describe1(a, H.longHibernated);
    expect(inst).toMatchObject({
      State: { Code: 80, Name: "stopped" },
      StateReason: { Code: "Client.UserInitiatedHibernate" },
      StateTransitionReason: "User initiated (2026-01-05 09:00:00 GMT)",
    });
    expect(await idsMatching(a, "state-reason-code", ["Client.UserInitiatedHibernate"])).toEqual([
      H.longHibernated,
    ]);
    expect(a.snapshot().instances[H.longHibernated]?.MemoryPreserved).toBe(true);
  });
});

describe("DescribeInstances: root device, capacity, lifecycle, operator, monitoring", () => {
  it("shows the EBS root volume, and no block device for an instance store root", async () => {
    const a = hibernationAccount();
    const ebs = await describe1(a, H.onDemand);
    expect(ebs).toMatchObject({ RootDeviceType: "ebs", RootDeviceName: "/dev/xvda" });
    expect(ebs.BlockDeviceMappings).toEqual([
      {
        DeviceName: "/dev/xvda",
        Ebs: {
          AttachTime: ebs.LaunchTime,
          DeleteOnTermination: true,
          Status: "attached",
          VolumeId: expect.stringMatching(/^vol-[0-9a-f]{17}$/),
        },
      },
    ]);
    const store = await describe1(a, H.storeRoot);
    expect(store).toMatchObject({
      RootDeviceType: "instance-store",
      RootDeviceName: "/dev/sda1",
      BlockDeviceMappings: [],
    });
    expect(await idsMatching(a, "root-device-type", ["instance-store"])).toEqual([H.storeRoot]);
  });

  it("shows Capacity Reservation fields (preference open by default) and filters on them", async () => {
    const a = hibernationAccount();
    expect(await describe1(a, H.reserved)).toMatchObject({
      CapacityReservationId: H.reservation,
      CapacityReservationSpecification: { CapacityReservationPreference: "open" },
    });
    const plain = await describe1(a, H.onDemand);
    expect(plain.CapacityReservationId).toBeUndefined();
    expect(plain.CapacityReservationSpecification).toEqual({ CapacityReservationPreference: "open" });
    expect(await idsMatching(a, "capacity-reservation-id", ["cr-*"])).toEqual(
      [H.reserved, H.capacityBlock].sort(),
    );
  });

  it("shows InstanceLifecycle (spot, scheduled, capacity-block), SpotInstanceRequestId and Operator", async () => {
    const a = hibernationAccount();
    expect(await idsMatching(a, "instance-lifecycle", ["spot"])).toEqual(
      [H.spotOneTime, H.spotPersistent].sort(),
    );
    expect((await describe1(a, H.capacityBlock)).InstanceLifecycle).toBe("capacity-block");
    expect((await describe1(a, H.scheduled)).InstanceLifecycle).toBe("scheduled");
    expect((await describe1(a, H.onDemand)).InstanceLifecycle).toBeUndefined();
    expect(await idsMatching(a, "spot-instance-request-id", ["sir-*"])).toHaveLength(2);
    expect((await describe1(a, H.managed)).Operator).toEqual({
      Managed: true,
      Principal: "eks.amazonaws.com",
    });
    expect((await describe1(a, H.onDemand)).Operator).toBeUndefined();
    expect(await idsMatching(a, "operator.managed", ["true"])).toEqual([H.managed]);
  });

  it("shows Monitoring.State and filters on monitoring-state", async () => {
    const a = hibernationAccount();
    expect((await describe1(a, H.detailed)).Monitoring).toEqual({ State: "enabled" });
    expect((await describe1(a, H.basic)).Monitoring).toEqual({ State: "disabled" });
    expect(await idsMatching(a, "monitoring-state", ["enabled"])).toEqual([H.detailed]);
  });
});

describe("DescribeInstances filter value limit", () => {
  it("answers FilterLimitExceeded above 200 filter values in one call, and accepts 200", async () => {
    const a = hibernationAccount();
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `i-${i.toString(16).padStart(17, "0")}`);
    const e = await awsError(
      ec2(a, "DescribeInstances", { Filters: [{ Name: "instance-id", Values: ids(201) }] }),
      "FilterLimitExceeded",
      400,
    );
    expect(e.message).toBe("The maximum number of filter values specified on a single call is 200");
    await expect(
      ec2(a, "DescribeInstances", {
        Filters: [
          { Name: "instance-id", Values: ids(199) },
          { Name: "instance-state-name", Values: ["running"] },
        ],
      }),
    ).resolves.toBeDefined();
  });
});

describe("DescribeInstanceTypes: instance store", () => {
  it("answers InstanceStorageSupported / InstanceStorageInfo per type, from the EC2 User Guide's figures", async () => {
    const a = hibernationAccount();
    const r = await ec2<DescribeInstanceTypesResult>(a, "DescribeInstanceTypes", {
      InstanceTypes: ["m5.large", "m5d.large", "d3.xlarge", "m3.medium"],
    });
    const byName = new Map(r.InstanceTypes?.map((t) => [t.InstanceType, t]));
    expect(byName.get("m5.large")).toMatchObject({
      InstanceStorageSupported: false,
      SupportedRootDeviceTypes: ["ebs"],
    });
    expect(byName.get("m5.large")?.InstanceStorageInfo).toBeUndefined();
    expect(byName.get("m5d.large")).toMatchObject({
      InstanceStorageSupported: true,
      HibernationSupported: true,
      InstanceStorageInfo: {
        TotalSizeInGB: 75,
        Disks: [{ SizeInGB: 75, Count: 1, Type: "ssd" }],
        NvmeSupport: "required",
        EncryptionSupport: "required",
      },
    });
    expect(byName.get("d3.xlarge")?.InstanceStorageInfo).toMatchObject({
      TotalSizeInGB: 5940,
      Disks: [{ SizeInGB: 1980, Count: 3, Type: "hdd" }],
    });
    expect(byName.get("m3.medium")).toMatchObject({
      SupportedRootDeviceTypes: ["ebs", "instance-store"],
      InstanceStorageInfo: { NvmeSupport: "unsupported" },
      CurrentGeneration: false,
      Hypervisor: "xen",
    });
  });

  it("filters on instance-storage-supported, disk type and supported root device type", async () => {
    const a = hibernationAccount();
    const names = async (name: string, values: string[]) =>
      (
        await ec2<DescribeInstanceTypesResult>(a, "DescribeInstanceTypes", {
          Filters: [{ Name: name, Values: values }],
        })
      ).InstanceTypes?.map((t) => t.InstanceType);
    expect(await names("instance-storage-supported", ["true"])).toEqual([
      "c5d.large",
      "d3.xlarge",
      "i3.large",
      "i4i.large",
      "m3.medium",
      "m5d.large",
      "r5d.large",
    ]);
    expect(await names("instance-storage-info.disk.type", ["hdd"])).toEqual(["d3.xlarge"]);
    expect(await names("supported-root-device-type", ["instance-store"])).toEqual(["m3.medium"]);
  });

  it("computes TotalSizeInGB of a fixture type's disks", async () => {
    const a = hibernationAccount({
      instanceTypes: [
        {
          name: "x9d.large",
          memoryMiB: 8192,
          maximumNetworkInterfaces: 3,
          ipv4AddressesPerInterface: 10,
          instanceStorage: { disks: [{ count: 2, sizeInGB: 100, type: "ssd" }] },
        },
      ],
    });
    const r = await ec2<DescribeInstanceTypesResult>(a, "DescribeInstanceTypes", {
      InstanceTypes: ["x9d.large"],
    });
    expect(r.InstanceTypes?.[0]?.InstanceStorageInfo).toMatchObject({
      TotalSizeInGB: 200,
      NvmeSupport: "required",
    });
  });
});

describe("fixture checks of the issue-12 fields", () => {
  function issuesOf(patch: (json: ReturnType<typeof hibernationFixtureJson>) => void): string[] {
    const json = hibernationFixtureJson();
    patch(json);
    try {
      parseFixture(json);
    } catch (error) {
      if (error instanceof FixtureError) return error.issues;
      throw error;
    }
    return [];
  }
  const at = (json: ReturnType<typeof hibernationFixtureJson>, i: number) => {
    const inst = json.instances?.[i];
    if (inst === undefined) throw new Error("no instance");
    return inst;
  };

  it("accepts the account (a persistent Spot configured for hibernation is valid now)", () => {
    expect(issuesOf(() => undefined)).toEqual([]);
  });

  it("refuses an instance store root the type cannot boot, with hibernation, stop protection or stopped", () => {
    const issues = issuesOf((j) => {
      Object.assign(at(j, 0), { rootDeviceType: "instance-store", disableApiStop: true, state: "stopped" });
    });
    expect(issues).toEqual([
      "instances.0.rootDeviceType: instance type m5.large cannot boot from an instance store volume",
      "instances.0.hibernationConfigured: hibernation needs an EBS root volume, not an instance store volume",
      "instances.0.disableApiStop: stop protection cannot be enabled for instance store-backed instances",
      "instances.0.state: an instance store-backed instance cannot be stopped: it is running or terminated",
    ]);
  });

  it("refuses Spot combinations AWS refuses at launch", () => {
    const issues = issuesOf((j) => {
      Object.assign(at(j, 2), { hibernationConfigured: true, disableApiStop: true, state: "stopped" });
      Object.assign(at(j, 3), {
        spot: { spotInstanceType: "persistent", instanceInterruptionBehavior: "terminate" },
      });
    });
    expect(issues).toEqual([
      "instances.2.disableApiStop: stop protection cannot be enabled for Spot Instances",
      "instances.2.spot.spotInstanceType: interruption behavior hibernate needs a persistent Spot request",
      "instances.2.state: a Spot Instance of a one-time request cannot be stopped",
      "instances.3.spot.instanceInterruptionBehavior: must be hibernate when hibernation is configured",
    ]);
  });

  it("refuses a hibernation knob or a hibernate reason on an instance not configured for hibernation", () => {
    const issues = issuesOf((j) => {
      Object.assign(at(j, 9), {
        hibernation: { outcome: "normal-shutdown" },
        state: "stopped",
        stateReason: { code: "Client.UserInitiatedHibernate", message: "x" },
      });
    });
    expect(issues).toEqual([
      "instances.9.hibernation: only applies to an instance launched with hibernationConfigured",
      "instances.9.stateReason: Client.UserInitiatedHibernate needs hibernationConfigured",
    ]);
  });
});

describe("aws: tags are reserved (managed-fleet tags cannot be forged or removed)", () => {
  it("CreateTags and DeleteTags refuse aws: keys with InvalidParameterValue; DeleteTags without Tags keeps them", async () => {
    const a = hibernationAccount({
      instances: [
        {
          id: H.onDemand,
          instanceType: "m5.large",
          launchTime: "2026-03-01T09:00:00.000Z",
          subnetId: H.subnet,
          privateIpAddress: "10.0.1.11",
          tags: { "aws:ec2:fleet-id": "fleet-0123", Name: "x" },
        },
      ],
    });
    for (const op of ["CreateTags", "DeleteTags"]) {
      const e = await awsError(
        ec2(a, op, {
          Resources: [H.onDemand],
          Tags: [{ Key: "aws:ec2spot:fleet-request-id", Value: "sfr-1" }],
        }),
        "InvalidParameterValue",
      );
      expect(e.message).toContain("Tag keys starting with 'aws:' are reserved for internal use");
    }
    await ec2(a, "DeleteTags", { Resources: [H.onDemand] });
    expect(a.snapshot().instances[H.onDemand]?.Tags).toEqual({ "aws:ec2:fleet-id": "fleet-0123" });
  });
});
