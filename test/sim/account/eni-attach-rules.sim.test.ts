import { describe, expect, it } from "vitest";
import type { SimulatedAccount } from "../../../sim";
import {
  attachmentOf,
  ENIS,
  firewall,
  GROUP,
  groupOf,
  launched,
  OLD,
  OUTPOST_SUBNET,
  type Raw,
  REGION_SUBNET_B,
} from "./asg-fixture";
import { awsError, ec2 } from "./helpers";

/**
 * AttachNetworkInterface / DetachNetworkInterface rules added for issue 9: Availability Zone and
 * Outpost of the ENI and the instance, a plain detach hanging on an impaired instance until Force,
 * and the device index a forced detach leaves unusable until the instance is started again.
 */

const REGION_SUBNET_A = "subnet-0f0e0d0c0b0a00013";
const REGION_ENI = "eni-0e1d2c3b4a5f60009";

/** A Region (non-Outpost) subnet in the Outpost's zone, us-east-1a, in the group. */
const withRegionSubnetA = (raw: Raw) => {
  raw.subnets = [
    ...(raw.subnets ?? []),
    {
      id: REGION_SUBNET_A,
      vpcId: "vpc-0f0e0d0c0b0a00001",
      availabilityZone: "us-east-1a",
      cidrBlock: "10.10.3.0/24",
    },
  ];
  groupOf(raw).vpcZoneIdentifier = [OUTPOST_SUBNET, REGION_SUBNET_A, REGION_SUBNET_B];
  raw.networkInterfaces = [
    ...(raw.networkInterfaces ?? []),
    { id: REGION_ENI, subnetId: REGION_SUBNET_A, privateIpAddress: "10.10.3.5" },
  ];
};

const detach = (a: SimulatedAccount, eni: string, force?: boolean) =>
  ec2(a, "DetachNetworkInterface", {
    AttachmentId: a.state().networkInterfaces.get(eni)?.attachment?.attachmentId,
    ...(force === undefined ? {} : { Force: force }),
  });

/** Frees ENIS[0] (plain detach) and replaces OLD by an instance in `subnetId`, running 2 s later. */
async function replacementIn(a: SimulatedAccount, subnetId: string): Promise<string> {
  await detach(a, ENIS[0]);
  const r = await a.control("POST", `/__sim/autoscaling-groups/${GROUP}/replace`, {
    instanceId: OLD,
    subnetId,
  });
  expect(r.status).toBe(200);
  a.advance(2000);
  const [id] = launched(a);
  if (id === undefined) throw new Error("no replacement launched");
  return id;
}

const attach = (a: SimulatedAccount, eni: string, instance: string, index: number) =>
  ec2(a, "AttachNetworkInterface", { NetworkInterfaceId: eni, InstanceId: instance, DeviceIndex: index });

const impair = (a: SimulatedAccount, id = OLD) => a.setInstanceStatus(id, { instance: "impaired" });

describe("where an ENI may be attached", () => {
  it("another Availability Zone → InvalidParameterCombination (the text AWS answers)", async () => {
    const a = firewall(withRegionSubnetA);
    const id = await replacementIn(a, REGION_SUBNET_B);
    const e = await awsError(attach(a, ENIS[0], id, 1), "InvalidParameterCombination");
    expect(e.message).toBe(
      "You may not attach a network interface to an instance if they are not in the same availability zone",
    );
  });

  it("same zone, but the ENI on the Outpost and the instance in the Region (or the reverse) → refused", async () => {
    const a = firewall(withRegionSubnetA);
    const id = await replacementIn(a, REGION_SUBNET_A);
    expect(a.state().instances.get(id)?.availabilityZone).toBe("us-east-1a");
    const e = await awsError(attach(a, ENIS[0], id, 1), "InvalidParameterCombination");
    expect(e.message).toBe(
      "You may not attach a network interface to an instance if they are not on the same Outpost",
    );
    // The reverse: an ENI of the Region subnet onto the Outpost instance OLD.
    await awsError(attach(a, REGION_ENI, OLD, 4), "InvalidParameterCombination");
    await attach(a, REGION_ENI, id, 1);
  });
});

describe("detach from an impaired instance", () => {
  it("a plain detach hangs in detaching; Force completes it after eniDetachMs", async () => {
    const a = firewall();
    impair(a);
    await detach(a, ENIS[0]);
    a.advance(3_600_000);
    const described = await ec2<{ NetworkInterfaces: { Status: string; Attachment: { Status: string } }[] }>(
      a,
      "DescribeNetworkInterfaces",
      { NetworkInterfaceIds: [ENIS[0]] },
    );
    expect([
      described.NetworkInterfaces[0]?.Status,
      described.NetworkInterfaces[0]?.Attachment.Status,
    ]).toEqual(["in-use", "detaching"]);
    await detach(a, ENIS[0], false);
    a.advance(3_600_000);
    expect(attachmentOf(a, ENIS[0])).toBe(`${OLD}/detaching`);
    await detach(a, ENIS[0], true);
    a.advance(399);
    expect(attachmentOf(a, ENIS[0])).toBe(`${OLD}/detaching`);
    a.advance(1);
    expect(attachmentOf(a, ENIS[0])).toBe("available");
  });

  it("the hang ends when the instance stops or terminates; behaviour.impairedDetach normal does not hang", async () => {
    const a = firewall();
    impair(a);
    await detach(a, ENIS[0]);
    await ec2(a, "StopInstances", { InstanceIds: [OLD], Force: true });
    a.advance(30_000);
    expect(attachmentOf(a, ENIS[0])).toBe("available");

    const b = firewall();
    impair(b);
    await detach(b, ENIS[1]);
    await b.control("POST", `/__sim/autoscaling-groups/${GROUP}/instances/${OLD}/terminate`, {});
    b.advance(120_000 + 2000);
    expect(attachmentOf(b, ENIS[1])).toBe("available");

    const c = firewall((raw) => Object.assign(raw.behaviour ?? {}, { impairedDetach: "normal" }));
    impair(c);
    await detach(c, ENIS[2]);
    c.advance(400);
    expect(attachmentOf(c, ENIS[2])).toBe("available");
  });
});

describe("Force detach", () => {
  it("leaves the device index unusable for another ENI until the instance is started again; the same ENI may come back", async () => {
    const a = firewall();
    await detach(a, ENIS[0], true);
    await detach(a, ENIS[1]);
    a.advance(400);
    const e = await awsError(attach(a, ENIS[1], OLD, 1), "InvalidParameterValue");
    expect(e.message).toContain("forced detach");
    // A plain detach leaves no such mark.
    await attach(a, ENIS[0], OLD, 2);
    a.advance(300);
    await detach(a, ENIS[0]);
    a.advance(400);
    await attach(a, ENIS[1], OLD, 2);
    await attach(a, ENIS[0], OLD, 1);
    a.advance(300);
    expect([attachmentOf(a, ENIS[0]), attachmentOf(a, ENIS[1])]).toEqual([
      `${OLD}/attached`,
      `${OLD}/attached`,
    ]);

    const b = firewall();
    await detach(b, ENIS[0], true);
    b.advance(400);
    await detach(b, ENIS[1]);
    b.advance(400);
    await awsError(attach(b, ENIS[1], OLD, 1), "InvalidParameterValue");
    // Stop and start (a new LaunchTime): the mark is gone; a stopped instance takes a warm attach too.
    await ec2(b, "StopInstances", { InstanceIds: [OLD] });
    b.advance(30_000);
    await ec2(b, "StartInstances", { InstanceIds: [OLD] });
    b.advance(1000);
    await attach(b, ENIS[1], OLD, 1);
    b.advance(300);
    expect(attachmentOf(b, ENIS[1])).toBe(`${OLD}/attached`);
  });
});
