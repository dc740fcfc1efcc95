import { readFileSync } from "node:fs";
import { join } from "node:path";
import type {
  AssignPrivateIpAddressesResult,
  DescribeNetworkInterfacesResult,
  DescribeRouteTablesResult,
  DescribeSubnetsResult,
} from "@aws-sdk/client-ec2";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AccountFixtureInput, parseFixture, SimulatedAccount } from "../../../sim";
import { awsError, ec2, ROOT } from "./helpers";

/** Secondary private IPs, /32 routes and subnets of the simulated account (test/fixtures/accounts/vfxt.json). */

const VFXT_PATH = join(ROOT, "test", "fixtures", "accounts", "vfxt.json");
const ENI_A1 = "eni-0af7c0de000000a01";
const ENI_A2 = "eni-0af7c0de000000a02";
const ENI_B1 = "eni-0af7c0de000000b01";
const ENI_B2 = "eni-0af7c0de000000b02";
const NODE_A1 = "i-0af7c0de000000a01";
const NODE_B1 = "i-0af7c0de000000b01";
const RTB_B1 = "rtb-0af7c0de000000b01";
const SUBNET_A = "subnet-0af7c0de000000a01";

const vfxtJson = (): AccountFixtureInput =>
  JSON.parse(readFileSync(VFXT_PATH, "utf8")) as AccountFixtureInput;

const account = (edit: (f: AccountFixtureInput) => void = () => undefined): SimulatedAccount => {
  const raw = vfxtJson();
  edit(raw);
  return SimulatedAccount.fromFixture(parseFixture(raw, VFXT_PATH));
};

const addressesOf = async (a: SimulatedAccount, eniId: string): Promise<string[]> => {
  const r = await ec2<DescribeNetworkInterfacesResult>(a, "DescribeNetworkInterfaces", {
    NetworkInterfaceIds: [eniId],
  });
  return (r.NetworkInterfaces?.[0]?.PrivateIpAddresses ?? []).map((x) => x.PrivateIpAddress ?? "");
};

const routeTo = async (a: SimulatedAccount, table: string, destination: string) => {
  const r = await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", { RouteTableIds: [table] });
  return r.RouteTables?.[0]?.Routes?.find((route) => route.DestinationCidrBlock === destination);
};

describe("EC2 AssignPrivateIpAddresses", () => {
  it("assigns a free in-subnet address asynchronously (after behaviour.privateIpRemapMs)", async () => {
    const a = account();
    const out = await ec2<AssignPrivateIpAddressesResult>(a, "AssignPrivateIpAddresses", {
      NetworkInterfaceId: ENI_A1,
      PrivateIpAddresses: ["10.20.1.200"],
    });
    expect(out).toEqual({
      NetworkInterfaceId: ENI_A1,
      AssignedPrivateIpAddresses: [{ PrivateIpAddress: "10.20.1.200" }],
    });
    expect(await addressesOf(a, ENI_A1)).toEqual(["10.20.1.11", "10.20.1.101", "10.20.1.102"]);
    a.advance(299);
    expect(await addressesOf(a, ENI_A1)).not.toContain("10.20.1.200");
    a.advance(1);
    expect(await addressesOf(a, ENI_A1)).toEqual(["10.20.1.11", "10.20.1.101", "10.20.1.102", "10.20.1.200"]);
  });

  it("refuses an address held by another ENI without AllowReassignment: PrivateIpAddressInUse", async () => {
    const a = account();
    await awsError(
      ec2(a, "AssignPrivateIpAddresses", { NetworkInterfaceId: ENI_A2, PrivateIpAddresses: ["10.20.1.101"] }),
      "PrivateIpAddressInUse",
      400,
    );
    expect(await addressesOf(a, ENI_A1)).toContain("10.20.1.101");
  });

  it("moves the address with AllowReassignment: it leaves the old ENI when it shows on the new one", async () => {
    const a = account();
    await ec2(a, "AssignPrivateIpAddresses", {
      NetworkInterfaceId: ENI_A2,
      PrivateIpAddresses: ["10.20.1.101"],
      AllowReassignment: true,
    });
    expect(await addressesOf(a, ENI_A1)).toContain("10.20.1.101");
    expect(await addressesOf(a, ENI_A2)).not.toContain("10.20.1.101");
    a.advance(300);
    expect(await addressesOf(a, ENI_A1)).toEqual(["10.20.1.11", "10.20.1.102"]);
    expect(await addressesOf(a, ENI_A2)).toEqual(["10.20.1.12", "10.20.1.103", "10.20.1.104", "10.20.1.101"]);
    expect(a.snapshot().networkInterfaces[ENI_A2]?.PrivateIpAddresses).toContain("10.20.1.101");
  });

  it("moves the address off a stopped node's ENI too", async () => {
    const a = account((f) => {
      const node = f.instances?.find((i) => i.id === NODE_A1);
      if (node) node.state = "stopped";
    });
    await ec2(a, "AssignPrivateIpAddresses", {
      NetworkInterfaceId: ENI_A2,
      PrivateIpAddresses: ["10.20.1.101", "10.20.1.102"],
      AllowReassignment: true,
    });
    a.advance(300);
    expect(await addressesOf(a, ENI_A1)).toEqual(["10.20.1.11"]);
  });

  it("an address already on the ENI is accepted and changes nothing", async () => {
    const a = account();
    await ec2(a, "AssignPrivateIpAddresses", {
      NetworkInterfaceId: ENI_A1,
      PrivateIpAddresses: ["10.20.1.101"],
    });
    a.advance(300);
    expect(await addressesOf(a, ENI_A1)).toEqual(["10.20.1.11", "10.20.1.101", "10.20.1.102"]);
  });

  it.each([
    ["outside the subnet", "10.20.2.5"],
    ["outside the VPC", "10.250.0.11"],
    ["the subnet's network address", "10.20.1.0"],
    ["an address AWS reserves (.3)", "10.20.1.3"],
    ["the broadcast address", "10.20.1.255"],
    ["not an address", "10.20.1.x"],
  ])("refuses %s: InvalidParameterValue", async (_case, ip) => {
    await awsError(
      ec2(account(), "AssignPrivateIpAddresses", { NetworkInterfaceId: ENI_A1, PrivateIpAddresses: [ip] }),
      "InvalidParameterValue",
    );
  });

  it("refuses to take another ENI's primary address, even with AllowReassignment", async () => {
    await awsError(
      ec2(account(), "AssignPrivateIpAddresses", {
        NetworkInterfaceId: ENI_A1,
        PrivateIpAddresses: ["10.20.1.12"],
        AllowReassignment: true,
      }),
      "PrivateIpAddressInUse",
    );
  });

  it("enforces the instance type's Ipv4AddressesPerInterface, counting assignments in flight", async () => {
    // t3.small: 4 IPv4 addresses per interface (primary included); ENI_A1 has 1 + 2.
    const a = account((f) => {
      const node = f.instances?.find((i) => i.id === NODE_A1);
      if (node) node.instanceType = "t3.small";
    });
    await ec2(a, "AssignPrivateIpAddresses", {
      NetworkInterfaceId: ENI_A1,
      PrivateIpAddresses: ["10.20.1.150"],
    });
    const error = await awsError(
      ec2(a, "AssignPrivateIpAddresses", { NetworkInterfaceId: ENI_A1, PrivateIpAddresses: ["10.20.1.151"] }),
      "PrivateIpAddressLimitExceeded",
    );
    expect(error.message).toContain("limit of 4");
    a.advance(300);
    expect(await addressesOf(a, ENI_A1)).toHaveLength(4);
  });

  it("SecondaryPrivateIpAddressCount picks free addresses; both or neither parameter is refused", async () => {
    const a = account();
    const out = await ec2<AssignPrivateIpAddressesResult>(a, "AssignPrivateIpAddresses", {
      NetworkInterfaceId: ENI_A1,
      SecondaryPrivateIpAddressCount: 2,
    });
    expect(out.AssignedPrivateIpAddresses).toEqual([
      { PrivateIpAddress: "10.20.1.4" },
      { PrivateIpAddress: "10.20.1.5" },
    ]);
    await awsError(
      ec2(a, "AssignPrivateIpAddresses", {
        NetworkInterfaceId: ENI_A1,
        PrivateIpAddresses: ["10.20.1.9"],
        SecondaryPrivateIpAddressCount: 1,
      }),
      "InvalidParameterCombination",
    );
    await awsError(ec2(a, "AssignPrivateIpAddresses", { NetworkInterfaceId: ENI_A1 }), "MissingParameter");
  });

  it("unknown and malformed ENI ids", async () => {
    const a = account();
    await awsError(
      ec2(a, "AssignPrivateIpAddresses", {
        NetworkInterfaceId: "eni-0000000000000000f",
        PrivateIpAddresses: ["10.20.1.9"],
      }),
      "InvalidNetworkInterfaceID.NotFound",
    );
    await awsError(
      ec2(a, "AssignPrivateIpAddresses", {
        NetworkInterfaceId: "eni-xyz",
        PrivateIpAddresses: ["10.20.1.9"],
      }),
      "InvalidNetworkInterfaceId.Malformed",
    );
  });
});

describe("EC2 UnassignPrivateIpAddresses", () => {
  it("removes a secondary address at once", async () => {
    const a = account();
    expect(
      await ec2(a, "UnassignPrivateIpAddresses", {
        NetworkInterfaceId: ENI_A1,
        PrivateIpAddresses: ["10.20.1.101"],
      }),
    ).toEqual({});
    expect(await addressesOf(a, ENI_A1)).toEqual(["10.20.1.11", "10.20.1.102"]);
  });

  it("refuses an address not on the ENI and the primary address: InvalidParameterValue", async () => {
    const a = account();
    await awsError(
      ec2(a, "UnassignPrivateIpAddresses", {
        NetworkInterfaceId: ENI_A1,
        PrivateIpAddresses: ["10.20.1.103"],
      }),
      "InvalidParameterValue",
    );
    await awsError(
      ec2(a, "UnassignPrivateIpAddresses", {
        NetworkInterfaceId: ENI_A1,
        PrivateIpAddresses: ["10.20.1.11"],
      }),
      "InvalidParameterValue",
    );
  });
});

describe("EC2 CreateRoute / ReplaceRoute / DeleteRoute (/32 routes to ENIs)", () => {
  it("ReplaceRoute points a /32 route at another ENI; it is active while that ENI's instance runs", async () => {
    const a = account();
    await ec2(a, "ReplaceRoute", {
      RouteTableId: RTB_B1,
      DestinationCidrBlock: "10.250.0.11/32",
      NetworkInterfaceId: ENI_B2,
    });
    expect(await routeTo(a, RTB_B1, "10.250.0.11/32")).toMatchObject({
      NetworkInterfaceId: ENI_B2,
      InstanceId: "i-0af7c0de000000b02",
      Origin: "CreateRoute",
      State: "active",
    });
  });

  it("a /32 route to a stopped node's ENI is a blackhole", async () => {
    const a = account((f) => {
      const node = f.instances?.find((i) => i.id === NODE_B1);
      if (node) node.state = "stopped";
    });
    expect((await routeTo(a, RTB_B1, "10.250.0.11/32"))?.State).toBe("blackhole");
  });

  it("ReplaceRoute with no route for the destination: InvalidParameterValue", async () => {
    const error = await awsError(
      ec2(account(), "ReplaceRoute", {
        RouteTableId: RTB_B1,
        DestinationCidrBlock: "10.250.0.99/32",
        NetworkInterfaceId: ENI_B2,
      }),
      "InvalidParameterValue",
    );
    expect(error.message).toContain("Use CreateRoute instead");
  });

  it("CreateRoute adds a missing route; a second time: RouteAlreadyExists", async () => {
    const a = account();
    const input = {
      RouteTableId: RTB_B1,
      DestinationCidrBlock: "10.250.0.99/32",
      NetworkInterfaceId: ENI_B1,
    };
    expect(await ec2(a, "CreateRoute", input)).toEqual({ Return: true });
    expect(await routeTo(a, RTB_B1, "10.250.0.99/32")).toMatchObject({
      NetworkInterfaceId: ENI_B1,
      State: "active",
    });
    await awsError(ec2(a, "CreateRoute", input), "RouteAlreadyExists");
  });

  it("DeleteRoute removes it; a missing route: InvalidRoute.NotFound", async () => {
    const a = account();
    const input = { RouteTableId: RTB_B1, DestinationCidrBlock: "10.250.0.11/32" };
    expect(await ec2(a, "DeleteRoute", input)).toEqual({});
    expect(await routeTo(a, RTB_B1, "10.250.0.11/32")).toBeUndefined();
    await awsError(ec2(a, "DeleteRoute", input), "InvalidRoute.NotFound");
  });

  it("DryRun answers DryRunOperation after validation and changes nothing", async () => {
    const a = account();
    await awsError(
      ec2(a, "ReplaceRoute", {
        RouteTableId: RTB_B1,
        DestinationCidrBlock: "10.250.0.11/32",
        NetworkInterfaceId: ENI_B2,
        DryRun: true,
      }),
      "DryRunOperation",
      412,
    );
    expect((await routeTo(a, RTB_B1, "10.250.0.11/32"))?.NetworkInterfaceId).toBe(ENI_B1);
  });

  it("validates the table, the target and the destination", async () => {
    const a = account();
    await awsError(
      ec2(a, "CreateRoute", {
        RouteTableId: "rtb-00000000000000000",
        DestinationCidrBlock: "10.250.0.99/32",
        NetworkInterfaceId: ENI_B1,
      }),
      "InvalidRouteTableID.NotFound",
    );
    await awsError(
      ec2(a, "CreateRoute", {
        RouteTableId: RTB_B1,
        DestinationCidrBlock: "10.250.0.99/32",
        NetworkInterfaceId: "eni-00000000000000000",
      }),
      "InvalidNetworkInterfaceID.NotFound",
    );
    await awsError(
      ec2(a, "CreateRoute", {
        RouteTableId: RTB_B1,
        DestinationCidrBlock: "10.250.0.99/33",
        NetworkInterfaceId: ENI_B1,
      }),
      "InvalidParameterValue",
    );
    await awsError(
      ec2(a, "CreateRoute", { RouteTableId: RTB_B1, DestinationCidrBlock: "10.250.0.99/32" }),
      "MissingParameter",
    );
  });
});

describe("EC2 DescribeSubnets", () => {
  it("lists subnets by id and filter", async () => {
    const a = account();
    const r = await ec2<DescribeSubnetsResult>(a, "DescribeSubnets", { SubnetIds: [SUBNET_A] });
    expect(r.Subnets).toEqual([
      expect.objectContaining({
        SubnetId: SUBNET_A,
        CidrBlock: "10.20.1.0/24",
        AvailabilityZone: "us-east-1a",
        State: "available",
      }),
    ]);
    const byAz = await ec2<DescribeSubnetsResult>(a, "DescribeSubnets", {
      Filters: [{ Name: "availability-zone", Values: ["us-east-1b"] }],
    });
    expect(byAz.Subnets?.map((s) => s.CidrBlock)).toEqual(["10.20.12.0/24"]);
    await awsError(
      ec2(a, "DescribeSubnets", { SubnetIds: ["subnet-00000000000000000"] }),
      "InvalidSubnetID.NotFound",
    );
  });
});

describe("AssignPrivateIpAddresses while a move is in flight (counterexamples found by the property test)", () => {
  const IP = "10.20.1.150";
  const REMAP = 2000;
  const assign = (a: SimulatedAccount, eni: string, allow: boolean, ips = [IP]) =>
    ec2(a, "AssignPrivateIpAddresses", {
      NetworkInterfaceId: eni,
      PrivateIpAddresses: ips,
      AllowReassignment: allow,
    });

  it("asking for an address back without AllowReassignment while it moves away: PrivateIpAddressInUse", async () => {
    const a = account((f) => {
      f.behaviour = { ...f.behaviour, privateIpRemapMs: REMAP };
    });
    await assign(a, ENI_A1, false);
    a.advance(REMAP);
    await assign(a, ENI_A2, true);
    await awsError(assign(a, ENI_A1, false), "PrivateIpAddressInUse");
    a.advance(REMAP);
    expect(await addressesOf(a, ENI_A2)).toContain(IP);
    expect(await addressesOf(a, ENI_A1)).not.toContain(IP);
  });

  it("asking for it back with AllowReassignment cancels the move: the last accepted call decides", async () => {
    const a = account((f) => {
      f.behaviour = { ...f.behaviour, privateIpRemapMs: REMAP };
    });
    await assign(a, ENI_A1, false);
    a.advance(REMAP);
    await assign(a, ENI_A2, true);
    await assign(a, ENI_A1, true);
    a.advance(REMAP);
    expect(await addressesOf(a, ENI_A1)).toContain(IP);
    expect(await addressesOf(a, ENI_A2)).not.toContain(IP);
  });
});

describe("secondary private IPs: properties over random call sequences", () => {
  const POOL = ["10.20.1.150", "10.20.1.151", "10.20.1.152", "10.20.1.153", "10.20.1.154"];
  const ENIS = [ENI_A1, ENI_A2, "eni-0af7c0de000000a03"];
  const LIMIT = 6; // t3.medium
  type Step =
    | { kind: "assign"; eni: number; ips: string[]; allow: boolean }
    | { kind: "unassign"; eni: number; ip: string }
    | { kind: "advance"; ms: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({
      kind: fc.constant("assign" as const),
      eni: fc.integer({ min: 0, max: 2 }),
      ips: fc.uniqueArray(fc.constantFrom(...POOL), { minLength: 1, maxLength: 3 }),
      allow: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant("unassign" as const),
      eni: fc.integer({ min: 0, max: 2 }),
      ip: fc.constantFrom(...POOL),
    }),
    fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 400 }) }),
  );

  it("an address is never on two ENIs, no ENI exceeds its limit, and once settled every address is where the last successful call put it", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
        const a = account((f) => {
          for (const i of f.instances ?? [])
            if (i.id.startsWith("i-0af7c0de000000a")) i.instanceType = "t3.medium";
        });
        const model = new Map<string, string>();
        const holders = async () => {
          const r = await ec2<DescribeNetworkInterfacesResult>(a, "DescribeNetworkInterfaces", {
            NetworkInterfaceIds: ENIS,
          });
          return r.NetworkInterfaces ?? [];
        };
        for (const s of steps) {
          if (s.kind === "advance") a.advance(s.ms);
          else if (s.kind === "assign") {
            const eni = ENIS[s.eni] as string;
            try {
              await ec2(a, "AssignPrivateIpAddresses", {
                NetworkInterfaceId: eni,
                PrivateIpAddresses: s.ips,
                AllowReassignment: s.allow,
              });
              for (const ip of s.ips) model.set(ip, eni);
            } catch (error) {
              expect(["PrivateIpAddressInUse", "PrivateIpAddressLimitExceeded"]).toContain(
                (error as { code?: string }).code,
              );
            }
          } else {
            const eni = ENIS[s.eni] as string;
            try {
              await ec2(a, "UnassignPrivateIpAddresses", {
                NetworkInterfaceId: eni,
                PrivateIpAddresses: [s.ip],
              });
              if (model.get(s.ip) === eni) model.delete(s.ip);
            } catch (error) {
              expect((error as { code?: string }).code).toBe("InvalidParameterValue");
            }
          }
          const enis = await holders();
          for (const ip of POOL) {
            const on = enis.filter((n) => n.PrivateIpAddresses?.some((x) => x.PrivateIpAddress === ip));
            expect(on.length, ip).toBeLessThanOrEqual(1);
          }
          for (const n of enis) expect(n.PrivateIpAddresses?.length ?? 0).toBeLessThanOrEqual(LIMIT);
        }
        a.advance(300);
        const enis = await holders();
        for (const ip of POOL) {
          const on = enis
            .filter((n) => n.PrivateIpAddresses?.some((x) => x.PrivateIpAddress === ip))
            .map((n) => n.NetworkInterfaceId);
          expect(on, ip).toEqual(model.has(ip) ? [model.get(ip)] : []);
        }
      }),
      { numRuns: 150 },
    );
  });
});
