import {
  DescribeAddressesCommand,
  type DescribeAddressesResult,
  DescribeNetworkInterfacesCommand,
  type DescribeNetworkInterfacesResult,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import {
  type AccountFixtureInput,
  diffSnapshots,
  type FixtureError,
  parseFixture,
  type SimulatedAccount,
} from "../../../sim";
import { startSimServer } from "../../../sim/wire";
import { awsError, ec2 } from "./helpers";
import { addressesOf, overlappingAccount, sdkConfig, V, VFXT_PATH, vfxtJson } from "./vfxt-fixture";

/** Issue 11: Elastic IPs on secondary addresses follow their address (EC2 User Guide, "Multiple IP addresses"). */

const EIP_A = "eipalloc-0e1000000000000a1";
const EIP_OTHER = "eipalloc-0e1000000000000b1";
const EIP_FREE = "eipalloc-0e1000000000000c1";

function withElasticIps(f: AccountFixtureInput): void {
  f.elasticIps = [
    {
      allocationId: EIP_A,
      publicIp: "203.0.113.10",
      association: { networkInterfaceId: V.eniA1, privateIpAddress: "10.20.1.101" },
      tags: { Name: "vfxt-a-client" },
    },
    {
      allocationId: EIP_OTHER,
      publicIp: "203.0.113.20",
      association: { networkInterfaceId: V.eniOther, privateIpAddress: "10.20.1.101" },
    },
    { allocationId: EIP_FREE, publicIp: "203.0.113.30" },
  ];
}

const account = (edit: (f: AccountFixtureInput) => void = () => undefined) =>
  overlappingAccount((f) => {
    withElasticIps(f);
    edit(f);
  });

const addressOf = async (a: SimulatedAccount, allocationId: string) =>
  (await ec2<DescribeAddressesResult>(a, "DescribeAddresses", { AllocationIds: [allocationId] }))
    .Addresses?.[0];

describe("DescribeAddresses", () => {
  it("lists the Elastic IPs with their association, instance and tags", async () => {
    const a = account();
    const all = await ec2<DescribeAddressesResult>(a, "DescribeAddresses");
    expect(all.Addresses?.map((x) => x.AllocationId)).toEqual([EIP_A, EIP_OTHER, EIP_FREE]);
    expect(all.Addresses?.[0]).toEqual({
      AllocationId: EIP_A,
      AssociationId: expect.stringMatching(/^eipassoc-[0-9a-f]{17}$/),
      Domain: "vpc",
      InstanceId: V.nodeA1,
      NetworkInterfaceId: V.eniA1,
      NetworkInterfaceOwnerId: "123456789012",
      PrivateIpAddress: "10.20.1.101",
      PublicIp: "203.0.113.10",
      PublicIpv4Pool: "amazon",
      NetworkBorderGroup: "us-east-1",
      Tags: [{ Key: "Name", Value: "vfxt-a-client" }],
    });
    expect(all.Addresses?.[2]).not.toHaveProperty("AssociationId");
  });

  it("selects by id, public IP and filter; unknown ones are errors", async () => {
    const a = account();
    const byIp = await ec2<DescribeAddressesResult>(a, "DescribeAddresses", { PublicIps: ["203.0.113.20"] });
    expect(byIp.Addresses?.map((x) => x.AllocationId)).toEqual([EIP_OTHER]);
    const byFilter = await ec2<DescribeAddressesResult>(a, "DescribeAddresses", {
      Filters: [
        { Name: "private-ip-address", Values: ["10.20.1.101"] },
        { Name: "network-interface-id", Values: [V.eniOther] },
      ],
    });
    expect(byFilter.Addresses?.map((x) => x.AllocationId)).toEqual([EIP_OTHER]);
    const byTag = await ec2<DescribeAddressesResult>(a, "DescribeAddresses", {
      Filters: [{ Name: "tag:Name", Values: ["vfxt-*"] }],
    });
    expect(byTag.Addresses?.map((x) => x.AllocationId)).toEqual([EIP_A]);
    const missing = await awsError(
      ec2(a, "DescribeAddresses", { AllocationIds: ["eipalloc-00000000000000000"] }),
      "InvalidAllocationID.NotFound",
      400,
    );
    expect(missing.message).toBe("The allocation ID 'eipalloc-00000000000000000' does not exist");
    await awsError(ec2(a, "DescribeAddresses", { PublicIps: ["198.51.100.1"] }), "InvalidAddress.NotFound");
    await awsError(ec2(a, "DescribeAddresses", { DryRun: true }), "DryRunOperation", 412);
  });

  it("DescribeNetworkInterfaces shows the association on its address; association.public-ip finds the ENI", async () => {
    const a = account();
    const r = await ec2<DescribeNetworkInterfacesResult>(a, "DescribeNetworkInterfaces", {
      Filters: [{ Name: "association.public-ip", Values: ["203.0.113.10"] }],
    });
    expect(r.NetworkInterfaces?.map((n) => n.NetworkInterfaceId)).toEqual([V.eniA1]);
    const eni = r.NetworkInterfaces?.[0];
    expect(
      eni?.PrivateIpAddresses?.find((x) => x.PrivateIpAddress === "10.20.1.101")?.Association,
    ).toMatchObject({
      AllocationId: EIP_A,
      PublicIp: "203.0.113.10",
      IpOwnerId: "123456789012",
    });
    expect(eni?.Association).toBeUndefined();
  });
});

describe("an Elastic IP follows its secondary address", () => {
  it("moves with the address when the remap shows, not before; the other VPC's Elastic IP stays", async () => {
    const a = account();
    const before = a.snapshot();
    await ec2(a, "AssignPrivateIpAddresses", {
      NetworkInterfaceId: V.eniA2,
      PrivateIpAddresses: ["10.20.1.101"],
      AllowReassignment: true,
    });
    expect((await addressOf(a, EIP_A))?.NetworkInterfaceId).toBe(V.eniA1);
    a.advance(300);
    expect(await addressOf(a, EIP_A)).toMatchObject({
      NetworkInterfaceId: V.eniA2,
      InstanceId: V.nodeA2,
      PrivateIpAddress: "10.20.1.101",
    });
    expect((await addressOf(a, EIP_OTHER))?.NetworkInterfaceId).toBe(V.eniOther);
    expect(diffSnapshots(before, a.snapshot())).toEqual(
      expect.arrayContaining([
        {
          resourceType: "elasticIps",
          resource: EIP_A,
          field: "NetworkInterfaceId",
          change: "changed",
          from: V.eniA1,
          to: V.eniA2,
        },
      ]),
    );
  });

  it("is disassociated when its address is unassigned; the allocation stays", async () => {
    const a = account();
    await ec2(a, "UnassignPrivateIpAddresses", {
      NetworkInterfaceId: V.eniA1,
      PrivateIpAddresses: ["10.20.1.101"],
    });
    const eip = await addressOf(a, EIP_A);
    expect(eip).toMatchObject({ AllocationId: EIP_A, PublicIp: "203.0.113.10" });
    expect(eip).not.toHaveProperty("AssociationId");
    expect(eip).not.toHaveProperty("NetworkInterfaceId");
    expect(await addressesOf(a, V.eniA1)).toEqual(["10.20.1.11", "10.20.1.102"]);
  });

  it("is disassociated when its ENI is deleted with a terminated instance", async () => {
    const a = account((f) => {
      const node = f.instances?.find((i) => i.id === V.nodeA1);
      if (node) {
        node.state = "shutting-down";
        node.stateSince = "2026-03-02T09:00:00.000Z";
      }
    });
    a.advance(45_000);
    expect(await addressOf(a, EIP_A)).not.toHaveProperty("AssociationId");
    expect(a.snapshot().networkInterfaces[V.eniA1]).toBeUndefined();
  });

  it("the fixture checks associations: known ENI, one of its addresses, one Elastic IP per address", () => {
    const raw = vfxtJson();
    raw.elasticIps = [
      {
        allocationId: EIP_A,
        publicIp: "203.0.113.10",
        association: { networkInterfaceId: V.eniA1, privateIpAddress: "10.20.1.103" },
      },
      {
        allocationId: EIP_A,
        publicIp: "203.0.113.10",
        association: { networkInterfaceId: "eni-00000000000000000", privateIpAddress: "10.20.1.101" },
      },
    ];
    let issues: string[] = [];
    try {
      parseFixture(raw, VFXT_PATH);
    } catch (error) {
      issues = (error as FixtureError).issues;
    }
    expect(issues).toEqual([
      "elasticIps.0.association.privateIpAddress: 10.20.1.103 is not an address of eni-0af7c0de000000a01",
      `elasticIps.1.allocationId: duplicate id ${EIP_A}`,
      "elasticIps.1.publicIp: duplicate public IP 203.0.113.10",
      "elasticIps.1.association.networkInterfaceId: unknown ENI eni-00000000000000000",
    ]);
  });
});

describe("through the real SDK client on the wire", () => {
  it("DescribeAddresses and the association in DescribeNetworkInterfaces decode with the SDK's schema", async () => {
    const a = account();
    const server = await startSimServer(a.dispatch, { control: a.control, strict: true });
    const client = new EC2Client(sdkConfig(server.url));
    try {
      const out = await client.send(new DescribeAddressesCommand({ AllocationIds: [EIP_A] }));
      expect(out.Addresses?.[0]).toMatchObject({ PublicIp: "203.0.113.10", NetworkInterfaceId: V.eniA1 });
      const missing = await client
        .send(new DescribeAddressesCommand({ AllocationIds: ["eipalloc-00000000000000000"] }))
        .then(
          () => undefined,
          (e: unknown) => e as { name?: string },
        );
      expect(missing?.name).toBe("InvalidAllocationID.NotFound");
      const enis = await client.send(
        new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [V.eniA1] }),
      );
      expect(enis.NetworkInterfaces?.[0]?.PrivateIpAddresses?.[1]).toMatchObject({
        PrivateIpAddress: "10.20.1.101",
        Association: { AllocationId: EIP_A, PublicIp: "203.0.113.10" },
      });
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
