import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ActivitiesType } from "@aws-sdk/client-auto-scaling";
import { describe, expect, it } from "vitest";
import { SimulatedAccount as Account, parseFixture, type SimulatedAccount } from "../../../sim";
import { firewall, GROUP, groupOf, memberState, OLD, OUTPOST_SUBNET, type Raw } from "./asg-fixture";
import { asg, ROOT } from "./helpers";

/**
 * Launches EC2 refuses (issue 14): a capacity shortage of the group's type on its Outpost, a subnet without
 * free addresses. Auto Scaling records a Failed activity, sends "EC2 Instance Launch Unsuccessful", and tries
 * again with a backoff (10 s doubling, at most 300 s: the fixture knobs) until the launch succeeds.
 */

const OUTPOST = "op-0a1b2c3d4e5f60001";

const shortage = async (a: SimulatedAccount, what: "start" | "end") => {
  const r = await a.control("POST", `/__sim/outposts/${OUTPOST}/capacity-shortage`, {
    instanceType: "c5.xlarge",
    shortage: what,
  });
  expect(r.status).toBe(200);
  return r.body as { availableCount: number | null };
};

const activities = async (a: SimulatedAccount) =>
  (await asg<ActivitiesType>(a, "DescribeScalingActivities", { AutoScalingGroupName: GROUP })).Activities ??
  [];

const unsuccessful = (a: SimulatedAccount) =>
  a.serviceEvents.filter((e) => e["detail-type"] === "EC2 Instance Launch Unsuccessful");

const members = (a: SimulatedAccount) => {
  a.settle();
  return (
    a
      .state()
      .autoScalingGroups.get(GROUP)
      ?.instances.map((m) => m.instanceId) ?? []
  );
};

describe("Auto Scaling launches EC2 refuses", () => {
  it("a capacity shortage on the Outpost: the scale-out launch fails (activity + event), is retried with a backoff, and launches once it ends", async () => {
    const a = firewall((raw) => {
      groupOf(raw).maxSize = 2;
    });
    expect(await shortage(a, "start")).toEqual({ outpostId: OUTPOST, availableCount: 0 });
    await asg(a, "SetDesiredCapacity", { AutoScalingGroupName: GROUP, DesiredCapacity: 2 });
    expect(members(a)).toEqual([OLD]);
    const [first] = await activities(a);
    expect(first).toMatchObject({
      AutoScalingGroupName: GROUP,
      StatusCode: "Failed",
      Progress: 100,
      StatusMessage: expect.stringContaining("not enough c5.xlarge capacity on the Outpost"),
      Cause: expect.stringContaining("from 1 to 2"),
    });
    expect(JSON.parse(first?.Details ?? "{}")).toEqual({
      "Availability Zone": "us-east-1a",
      "Subnet ID": OUTPOST_SUBNET,
    });
    const [event] = unsuccessful(a);
    expect(event).toMatchObject({
      source: "aws.autoscaling",
      "detail-type": "EC2 Instance Launch Unsuccessful",
      detail: {
        StatusCode: "Failed",
        AutoScalingGroupName: GROUP,
        ActivityId: first?.ActivityId,
        EC2InstanceId: "",
        Details: { "Availability Zone": "us-east-1a", "Subnet ID": OUTPOST_SUBNET },
      },
    });
    // Tries again 10 s, then 20 s, then 40 s later: each a failed activity.
    a.advance(10_000);
    expect(await activities(a)).toHaveLength(2);
    a.advance(19_000);
    expect(await activities(a)).toHaveLength(2);
    a.advance(1_000);
    expect(await activities(a)).toHaveLength(3);
    a.advance(40_000);
    expect(await activities(a)).toHaveLength(4);
    expect(await shortage(a, "end")).toEqual({ outpostId: OUTPOST, availableCount: 2 });
    a.advance(80_000);
    expect(members(a)).toHaveLength(2);
    expect(await activities(a)).toHaveLength(4);
  });

  it("the backoff stops growing at launchRetryMaxMs", async () => {
    const a = firewall((raw) => {
      groupOf(raw).maxSize = 2;
      (raw as Raw & { behaviour: Record<string, unknown> }).behaviour.launchRetryMaxMs = 30_000;
    });
    await shortage(a, "start");
    await asg(a, "SetDesiredCapacity", { AutoScalingGroupName: GROUP, DesiredCapacity: 2 });
    a.advance(10_000 + 20_000 + 30_000 + 30_000);
    const times = (await activities(a)).map((x) => x.StartTime?.getTime() ?? 0).reverse();
    expect(times.slice(1).map((t, i) => t - (times[i] ?? 0))).toEqual([10_000, 20_000, 30_000, 30_000]);
  });

  it("terminate then launch on a full rack: the replacement is refused until the old instance has terminated and given its slot back", async () => {
    const a = firewall();
    await shortage(a, "start");
    const r = await a.control("POST", `/__sim/autoscaling-groups/${GROUP}/replace`, { instanceId: OLD });
    expect(r.status).toBe(200);
    expect(members(a)).toEqual([OLD]);
    expect((await activities(a))[0]).toMatchObject({
      StatusCode: "Failed",
      Cause: expect.stringContaining(`to replace ${OLD}`),
    });
    // The old instance waits on its terminate hook, then terminates: its slot is free, the next try launches.
    a.advance(15 * 60_000);
    expect(a.state().instances.get(OLD)?.state).toBe("terminated");
    const launched = members(a).filter((id) => id !== OLD);
    expect(launched).toHaveLength(1);
    const started =
      a
        .state()
        .instances.get(launched[0] ?? "")
        ?.launchTime.getTime() ?? 0;
    expect(started).toBeGreaterThanOrEqual(
      a.state().instances.get(OLD)?.stateSince ?? Number.POSITIVE_INFINITY,
    );
  });

  it("a subnet without free addresses: InsufficientFreeAddressesInSubnet, not a simulator error", async () => {
    const a = firewall((raw) => {
      groupOf(raw).maxSize = 2;
      const subnet = raw.subnets?.find((s) => s.id === OUTPOST_SUBNET);
      // A /28 has 11 usable addresses: the old instance holds one, ENIs the other ten.
      if (subnet !== undefined) subnet.cidrBlock = "10.10.1.0/28";
      raw.networkInterfaces = [
        ...(raw.networkInterfaces ?? []).filter(
          (n) => n.subnetId !== OUTPOST_SUBNET || n.id.startsWith("eni-"),
        ),
        ...Array.from({ length: 10 }, (_, i) => ({
          id: `eni-0fffffffffff${i.toString(16).padStart(5, "0")}`,
          subnetId: OUTPOST_SUBNET,
          privateIpAddress: `10.10.1.${5 + i}`,
        })),
      ];
      const old = raw.instances?.find((i) => i.id === OLD);
      if (old !== undefined) old.privateIpAddress = "10.10.1.4";
    });
    await asg(a, "SetDesiredCapacity", { AutoScalingGroupName: GROUP, DesiredCapacity: 2 });
    expect((await activities(a))[0]?.StatusMessage).toContain(
      `not enough free addresses in subnet '${OUTPOST_SUBNET}'`,
    );
    expect(members(a)).toEqual([OLD]);
  });

  it("a member loaded in Terminating:Proceed leaves the group once its instance is terminated", () => {
    const raw = JSON.parse(
      readFileSync(join(ROOT, "test", "fixtures", "accounts", "eni-reattach.json"), "utf8"),
    ) as Raw;
    const a = Account.fromFixture(parseFixture(raw));
    expect(memberState(a, OLD)).toBe("Terminating:Proceed");
    a.advance(10_000);
    expect(memberState(a, OLD)).toBeUndefined();
    expect(a.state().instances.get(OLD)?.state).toBe("terminated");
  });

  it("a new launch template version (control): the next launch has its type and its network interfaces", async () => {
    const a = firewall((raw) => {
      groupOf(raw).maxSize = 2;
    });
    const r = await a.control("POST", `/__sim/autoscaling-groups/${GROUP}/launch-template`, {
      instanceType: "c5.large",
      networkInterfaces: [{ deviceIndex: 1 }],
    });
    expect(r.body).toEqual({
      instanceType: "c5.large",
      networkInterfaces: [
        { deviceIndex: 1, networkCardIndex: 0, deleteOnTermination: true, description: "" },
      ],
    });
    const unknown = await a.control("POST", `/__sim/autoscaling-groups/${GROUP}/launch-template`, {
      instanceType: "x9.huge",
    });
    expect(unknown.status).toBe(404);
    await asg(a, "SetDesiredCapacity", { AutoScalingGroupName: GROUP, DesiredCapacity: 2 });
    const id = members(a).find((m) => m !== OLD) ?? "";
    expect(a.state().instances.get(id)?.instanceType).toBe("c5.large");
    const indexes = [...a.state().networkInterfaces.values()]
      .filter((n) => n.attachment?.instanceId === id)
      .map((n) => n.attachment?.deviceIndex)
      .sort();
    expect(indexes).toEqual([0, 1]);
  });

  it("suspended processes: resuming ReplaceUnhealthy replaces the Unhealthy member; resuming Launch launches the held replacement", async () => {
    for (const process of ["ReplaceUnhealthy", "Launch"]) {
      const a = firewall();
      await asg(a, "SuspendProcesses", { AutoScalingGroupName: GROUP, ScalingProcesses: [process] });
      await asg(a, "SetInstanceHealth", { InstanceId: OLD, HealthStatus: "Unhealthy" });
      a.advance(10_000);
      expect(members(a).filter((id) => id !== OLD)).toEqual([]);
      await asg(a, "ResumeProcesses", { AutoScalingGroupName: GROUP, ScalingProcesses: [process] });
      a.advance(10_000);
      expect(members(a).filter((id) => id !== OLD)).toHaveLength(1);
    }
  });
});
