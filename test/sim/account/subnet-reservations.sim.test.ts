import {
  type AssignPrivateIpAddressesResult,
  CreateNetworkInterfaceCommand,
  type CreateNetworkInterfaceResult,
  CreateSubnetCidrReservationCommand,
  type CreateSubnetCidrReservationResult,
  type DeleteSubnetCidrReservationResult,
  EC2Client,
  GetSubnetCidrReservationsCommand,
  type GetSubnetCidrReservationsResult,
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
import {
  addressesOf,
  overlappingAccount,
  sdkConfig,
  V,
  VFXT_PATH,
  vfxtAccount,
  vfxtJson,
} from "./vfxt-fixture";

/** Issue 11: subnet CIDR reservations and addresses AWS picks on its own (VPC User Guide, "Subnet CIDR reservations"). */

const reserve = (a: SimulatedAccount, cidr: string, type = "explicit", subnetId: string = V.subnetA) =>
  ec2<CreateSubnetCidrReservationResult>(a, "CreateSubnetCidrReservation", {
    SubnetId: subnetId,
    Cidr: cidr,
    ReservationType: type,
  });

const reservations = async (a: SimulatedAccount, subnetId: string = V.subnetA) =>
  (await ec2<GetSubnetCidrReservationsResult>(a, "GetSubnetCidrReservations", { SubnetId: subnetId }))
    .SubnetIpv4CidrReservations ?? [];

const createEni = (a: SimulatedAccount, input: Record<string, unknown> = {}) =>
  ec2<CreateNetworkInterfaceResult>(a, "CreateNetworkInterface", { SubnetId: V.subnetA, ...input });

describe("CreateSubnetCidrReservation / GetSubnetCidrReservations / DeleteSubnetCidrReservation", () => {
  it("creates, lists and deletes a reservation", async () => {
    const a = vfxtAccount();
    const before = a.snapshot();
    const created = await ec2<CreateSubnetCidrReservationResult>(a, "CreateSubnetCidrReservation", {
      SubnetId: V.subnetA,
      Cidr: "10.20.1.96/28",
      ReservationType: "explicit",
      Description: "vfxt-a client addresses",
      TagSpecifications: [
        { ResourceType: "subnet-cidr-reservation", Tags: [{ Key: "ops:vfxt-cluster", Value: "vfxt-a" }] },
      ],
    });
    const reservation = created.SubnetCidrReservation;
    expect(reservation).toEqual({
      SubnetCidrReservationId: expect.stringMatching(/^scr-[0-9a-f]{17}$/),
      SubnetId: V.subnetA,
      Cidr: "10.20.1.96/28",
      ReservationType: "explicit",
      OwnerId: "123456789012",
      Description: "vfxt-a client addresses",
      Tags: [{ Key: "ops:vfxt-cluster", Value: "vfxt-a" }],
    });
    expect(await reservations(a)).toEqual([reservation]);
    expect(diffSnapshots(before, a.snapshot())).toEqual([
      expect.objectContaining({ resourceType: "subnetCidrReservations", change: "added" }),
    ]);
    const id = reservation?.SubnetCidrReservationId;
    const deleted = await ec2<DeleteSubnetCidrReservationResult>(a, "DeleteSubnetCidrReservation", {
      SubnetCidrReservationId: id,
    });
    expect(deleted.DeletedSubnetCidrReservation).toEqual(reservation);
    expect(await reservations(a)).toEqual([]);
    const again = await awsError(
      ec2(a, "DeleteSubnetCidrReservation", { SubnetCidrReservationId: id }),
      "InvalidSubnetCidrReservationID.NotFound",
    );
    expect(again.message).toContain(id);
  });

  it("refuses an overlapping reservation in the same VPC with EC2's text; another VPC may reuse the CIDR", async () => {
    const a = overlappingAccount();
    await reserve(a, "10.20.1.96/28");
    const error = await awsError(reserve(a, "10.20.1.100/30", "prefix"), "InvalidParameterValue", 400);
    expect(error.message).toBe(
      "Reservation CIDR 10.20.1.100/30 has overlap with existing reserved CIDR block",
    );
    await reserve(a, "10.20.1.96/28", "explicit", V.subnetOther);
    expect(await reservations(a, V.subnetOther)).toHaveLength(1);
    expect(await reservations(a)).toHaveLength(1);
  });

  it("validates subnet, CIDR and type; DryRun creates nothing; filters by type", async () => {
    const a = vfxtAccount();
    await awsError(
      reserve(a, "10.20.1.96/28", "explicit", "subnet-00000000000000000"),
      "InvalidSubnetID.NotFound",
    );
    await awsError(reserve(a, "10.20.2.0/28"), "InvalidParameterValue");
    await awsError(reserve(a, "10.20.1.97/28"), "InvalidParameterValue");
    await awsError(reserve(a, "10.20.1.96/28", "shared"), "InvalidParameterValue");
    await awsError(
      ec2(a, "CreateSubnetCidrReservation", { SubnetId: V.subnetA, ReservationType: "explicit" }),
      "MissingParameter",
    );
    await awsError(
      ec2(a, "CreateSubnetCidrReservation", {
        SubnetId: V.subnetA,
        Cidr: "10.20.1.96/28",
        ReservationType: "explicit",
        DryRun: true,
      }),
      "DryRunOperation",
      412,
    );
    expect(await reservations(a)).toEqual([]);
    await reserve(a, "10.20.1.96/28");
    await reserve(a, "10.20.1.128/28", "prefix");
    const prefixes = await ec2<GetSubnetCidrReservationsResult>(a, "GetSubnetCidrReservations", {
      SubnetId: V.subnetA,
      Filters: [{ Name: "reservationType", Values: ["prefix"] }],
    });
    expect(prefixes.SubnetIpv4CidrReservations?.map((r) => r.Cidr)).toEqual(["10.20.1.128/28"]);
    expect(prefixes.SubnetIpv6CidrReservations).toEqual([]);
  });

  it("loads fixture reservations and checks them", async () => {
    const a = vfxtAccount((f) => {
      f.subnetCidrReservations = [
        { subnetId: V.subnetA, cidr: "10.20.1.96/28", reservationType: "explicit" },
      ];
    });
    expect((await reservations(a)).map((r) => r.Cidr)).toEqual(["10.20.1.96/28"]);
    const raw = vfxtJson();
    raw.subnetCidrReservations = [
      { subnetId: V.subnetA, cidr: "10.20.1.96/28", reservationType: "explicit" },
      { subnetId: V.subnetA, cidr: "10.20.1.96/27", reservationType: "prefix" },
      { subnetId: V.subnetA, cidr: "10.20.2.0/28", reservationType: "prefix" },
    ];
    let issues: string[] = [];
    try {
      parseFixture(raw, VFXT_PATH);
    } catch (error) {
      issues = (error as FixtureError).issues;
    }
    expect(issues).toEqual([
      "subnetCidrReservations.1.cidr: 10.20.1.96/27 overlaps another reservation of vpc-0af7c0de000000a00",
      "subnetCidrReservations.2.cidr: 10.20.2.0/28 is not inside 10.20.1.0/24",
    ]);
  });
});

describe("addresses AWS assigns on its own skip reservations; explicit ones do not", () => {
  it("SecondaryPrivateIpAddressCount skips an explicit reservation", async () => {
    const a = vfxtAccount();
    await reserve(a, "10.20.1.0/26");
    const out = await ec2<AssignPrivateIpAddressesResult>(a, "AssignPrivateIpAddresses", {
      NetworkInterfaceId: V.eniA1,
      SecondaryPrivateIpAddressCount: 2,
    });
    expect(out.AssignedPrivateIpAddresses?.map((x) => x.PrivateIpAddress)).toEqual([
      "10.20.1.64",
      "10.20.1.65",
    ]);
  });

  it("an explicit address inside an explicit reservation is assigned", async () => {
    const a = vfxtAccount();
    await reserve(a, "10.20.1.96/28");
    await ec2(a, "AssignPrivateIpAddresses", {
      NetworkInterfaceId: V.eniA1,
      PrivateIpAddresses: ["10.20.1.107"],
    });
    a.advance(300);
    expect(await addressesOf(a, V.eniA1)).toContain("10.20.1.107");
  });

  it("inside a prefix reservation: refused by default, allowed with behaviour.prefixReservationAssignment", async () => {
    const refused = vfxtAccount();
    await reserve(refused, "10.20.1.128/28", "prefix");
    await awsError(
      ec2(refused, "AssignPrivateIpAddresses", {
        NetworkInterfaceId: V.eniA1,
        PrivateIpAddresses: ["10.20.1.130"],
      }),
      "InvalidParameterValue",
    );
    const allowed = vfxtAccount((f) => {
      f.behaviour = { ...f.behaviour, prefixReservationAssignment: "allow" };
    });
    await reserve(allowed, "10.20.1.128/28", "prefix");
    await ec2(allowed, "AssignPrivateIpAddresses", {
      NetworkInterfaceId: V.eniA1,
      PrivateIpAddresses: ["10.20.1.130"],
    });
  });
});

describe("CreateNetworkInterface (a foreign ENI takes an address)", () => {
  it("without an address it gets the lowest free one; with addresses, those", async () => {
    const a = vfxtAccount();
    const auto = await createEni(a, { Description: "foreign", SecondaryPrivateIpAddressCount: 1 });
    expect(auto.NetworkInterface).toMatchObject({
      NetworkInterfaceId: expect.stringMatching(/^eni-[0-9a-f]{17}$/),
      SubnetId: V.subnetA,
      VpcId: V.vpcA,
      Status: "available",
      Description: "foreign",
      PrivateIpAddress: "10.20.1.4",
      PrivateIpAddresses: [
        expect.objectContaining({ PrivateIpAddress: "10.20.1.4", Primary: true }),
        expect.objectContaining({ PrivateIpAddress: "10.20.1.5", Primary: false }),
      ],
    });
    const explicit = await createEni(a, {
      PrivateIpAddresses: [
        { PrivateIpAddress: "10.20.1.200", Primary: true },
        { PrivateIpAddress: "10.20.1.201" },
      ],
      TagSpecifications: [{ ResourceType: "network-interface", Tags: [{ Key: "Name", Value: "x" }] }],
    });
    expect(explicit.NetworkInterface?.PrivateIpAddresses?.map((x) => x.PrivateIpAddress)).toEqual([
      "10.20.1.200",
      "10.20.1.201",
    ]);
    expect(explicit.NetworkInterface?.TagSet).toEqual([{ Key: "Name", Value: "x" }]);
  });

  it("refuses an address in use in the VPC, reserved by AWS, or refused; DryRun creates nothing", async () => {
    const a = overlappingAccount();
    const inUse = await awsError(
      createEni(a, { PrivateIpAddress: "10.20.1.101" }),
      "InvalidIPAddress.InUse",
      400,
    );
    expect(inUse.message).toBe("Address 10.20.1.101 is in use.");
    const reserved = await awsError(createEni(a, { PrivateIpAddress: "10.20.1.3" }), "InvalidParameterValue");
    expect(reserved.message).toBe("Address 10.20.1.3 is in subnet's reserved address range");
    await awsError(createEni(a, { PrivateIpAddress: "10.20.1.150", DryRun: true }), "DryRunOperation", 412);
    await awsError(createEni(a, { SubnetId: "subnet-00000000000000000" }), "InvalidSubnetID.NotFound");
    a.refuseAddress(V.subnetA, "10.20.1.150");
    await awsError(createEni(a, { PrivateIpAddress: "10.20.1.150" }), "InvalidParameterValue");
    const free = await createEni(a, { SubnetId: V.subnetOther, PrivateIpAddress: "10.20.1.150" });
    expect(free.NetworkInterface?.VpcId).toBe(V.vpcOther);
  });

  it("a released address returns to the pool: the next ENI may take it, unless a reservation covers it", async () => {
    const released = () =>
      vfxtAccount((f: AccountFixtureInput) => {
        f.behaviour = { ...f.behaviour, autoAssignOrder: "recently-released" };
      });
    const a = released();
    await ec2(a, "UnassignPrivateIpAddresses", {
      NetworkInterfaceId: V.eniA1,
      PrivateIpAddresses: ["10.20.1.101"],
    });
    expect((await createEni(a)).NetworkInterface?.PrivateIpAddress).toBe("10.20.1.101");

    const kept = released();
    await reserve(kept, "10.20.1.96/28");
    await ec2(kept, "UnassignPrivateIpAddresses", {
      NetworkInterfaceId: V.eniA1,
      PrivateIpAddresses: ["10.20.1.101"],
    });
    expect((await createEni(kept)).NetworkInterface?.PrivateIpAddress).toBe("10.20.1.4");
    const foreign = await createEni(kept, { PrivateIpAddress: "10.20.1.101" });
    expect(foreign.NetworkInterface?.PrivateIpAddress).toBe("10.20.1.101");

    const lowest = vfxtAccount();
    await ec2(lowest, "UnassignPrivateIpAddresses", {
      NetworkInterfaceId: V.eniA1,
      PrivateIpAddresses: ["10.20.1.101"],
    });
    expect((await createEni(lowest)).NetworkInterface?.PrivateIpAddress).toBe("10.20.1.4");
  });

  it("addresses of a terminated instance's deleted ENI are released too", async () => {
    const a = vfxtAccount((f) => {
      f.behaviour = { ...f.behaviour, autoAssignOrder: "recently-released" };
      const node = f.instances?.find((i) => i.id === V.nodeA3);
      if (node) {
        node.state = "shutting-down";
        node.stateSince = "2026-03-02T09:00:00.000Z";
      }
    });
    a.advance(45_000);
    const out = await createEni(a, { SecondaryPrivateIpAddressCount: 2 });
    expect(out.NetworkInterface?.PrivateIpAddresses?.map((x) => x.PrivateIpAddress).sort()).toEqual([
      "10.20.1.105",
      "10.20.1.106",
      "10.20.1.13",
    ]);
  });
});

describe("through the real SDK client on the wire", () => {
  it("CreateSubnetCidrReservation, GetSubnetCidrReservations, CreateNetworkInterface", async () => {
    const a = vfxtAccount();
    const server = await startSimServer(a.dispatch, { control: a.control, strict: true });
    const client = new EC2Client(sdkConfig(server.url));
    try {
      const created = await client.send(
        new CreateSubnetCidrReservationCommand({
          SubnetId: V.subnetA,
          Cidr: "10.20.1.0/26",
          ReservationType: "explicit",
        }),
      );
      expect(created.SubnetCidrReservation?.ReservationType).toBe("explicit");
      const listed = await client.send(new GetSubnetCidrReservationsCommand({ SubnetId: V.subnetA }));
      expect(listed.SubnetIpv4CidrReservations?.map((r) => r.Cidr)).toEqual(["10.20.1.0/26"]);
      const overlap = await client
        .send(
          new CreateSubnetCidrReservationCommand({
            SubnetId: V.subnetA,
            Cidr: "10.20.1.32/27",
            ReservationType: "prefix",
          }),
        )
        .then(
          () => undefined,
          (e: unknown) => e as { name?: string; message?: string },
        );
      expect(overlap).toMatchObject({
        name: "InvalidParameterValue",
        message: "Reservation CIDR 10.20.1.32/27 has overlap with existing reserved CIDR block",
      });
      const eni = await client.send(new CreateNetworkInterfaceCommand({ SubnetId: V.subnetA }));
      expect(eni.NetworkInterface?.PrivateIpAddress).toBe("10.20.1.64");
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
