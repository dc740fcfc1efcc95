import type { DescribeRouteTablesResult, Route } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { type AccountFixtureInput, FixtureError, parseFixture, type SimulatedAccount } from "../../../sim";
import { DX, dxAccount, dxFixtureJson } from "./dx-fixture";
import { awsError, ec2 } from "./helpers";

const IPV6_VPC = "2600:1f14:abc:de00::/56";
const IPV6_SUBNET = "2600:1f14:abc:de01::/64";

/** The dx account with a secondary IPv4 block and an IPv6 block on its VPC, and a second subnet. */
function dualStackJson(extra: Partial<AccountFixtureInput> = {}): AccountFixtureInput {
  const base = dxFixtureJson();
  return {
    ...base,
    vpcs: [
      {
        id: DX.vpc,
        cidrBlock: "10.0.0.0/16",
        secondaryCidrBlocks: ["10.30.0.0/16"],
        ipv6CidrBlocks: [IPV6_VPC],
      },
    ],
    subnets: [
      {
        ...(base.subnets?.[0] as NonNullable<AccountFixtureInput["subnets"]>[number]),
        ipv6CidrBlock: IPV6_SUBNET,
      },
      {
        id: "subnet-0d0000000000000b2",
        vpcId: DX.vpc,
        availabilityZone: "us-west-2a",
        cidrBlock: "10.30.5.0/24",
      },
    ],
    ...extra,
  };
}

function dualStack(extra: Partial<AccountFixtureInput> = {}): SimulatedAccount {
  return dxAccount(dualStackJson(extra));
}

async function routesOf(a: SimulatedAccount, table: string): Promise<Route[]> {
  const r = await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", { RouteTableIds: [table] });
  return r.RouteTables?.[0]?.Routes ?? [];
}

const toEni = (destination: Record<string, string>) => ({
  RouteTableId: DX.prodA,
  NetworkInterfaceId: DX.applianceEni,
  ...destination,
});

describe("routes more specific than the VPC's blocks (VPC User Guide, Route tables → Routes)", () => {
  it("refuses a /32 inside the VPC CIDR: the destination must be exactly a subnet's block", async () => {
    const a = dualStack();
    const e = await awsError(
      ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: "10.0.1.77/32" })),
      "InvalidParameterValue",
      400,
    );
    expect(e.message).toBe("Route destination doesn't match any subnet CIDR blocks.");
    await awsError(
      ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: "10.0.0.0/17" })),
      "InvalidParameterValue",
    );
    expect((await routesOf(a, DX.prodA)).some((r) => r.DestinationCidrBlock === "10.0.1.77/32")).toBe(false);
  });

  it("applies to secondary blocks too, and accepts exactly a subnet's block towards an interface", async () => {
    const a = dualStack();
    const e = await awsError(
      ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: "10.30.5.5/32" })),
      "InvalidParameterValue",
    );
    expect(e.message).toBe("Route destination doesn't match any subnet CIDR blocks.");
    await ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: "10.30.5.0/24" }));
    await ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: "10.0.1.0/24" }));
    expect(await routesOf(a, DX.prodA)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          DestinationCidrBlock: "10.30.5.0/24",
          NetworkInterfaceId: DX.applianceEni,
        }),
        expect.objectContaining({ DestinationCidrBlock: "10.0.1.0/24", Origin: "CreateRoute" }),
      ]),
    );
  });

  it("accepts a subnet's block only towards an interface, an instance or a NAT gateway", async () => {
    const a = dualStack();
    const e = await awsError(
      ec2(a, "CreateRoute", {
        RouteTableId: DX.prodA,
        DestinationCidrBlock: "10.0.1.0/24",
        TransitGatewayId: "tgw-0123456789abcdef0",
      }),
      "InvalidParameterValue",
    );
    expect(e.message).toBe(
      "The destination CIDR block 10.0.1.0/24 is equal to or more specific than one of this VPC's CIDR blocks. This route can target only an interface or an instance.",
    );
    await ec2(a, "CreateRoute", {
      RouteTableId: DX.prodA,
      DestinationCidrBlock: "10.0.1.0/24",
      NatGatewayId: "nat-0123456789abcdef0",
    });
  });

  it("leaves destinations outside every VPC block alone (a /32 outside: created)", async () => {
    const a = dualStack();
    await ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: "10.250.0.11/32" }));
    await ec2(a, "CreateRoute", {
      RouteTableId: DX.prodA,
      DestinationCidrBlock: "10.250.0.12/32",
      TransitGatewayId: "tgw-0123456789abcdef0",
    });
    expect((await routesOf(a, DX.prodA)).filter((r) => r.Origin === "CreateRoute")).toHaveLength(2);
  });

  it("answers RouteAlreadyExists for a VPC block itself (its local route), secondary blocks included", async () => {
    const a = dualStack();
    for (const block of ["10.0.0.0/16", "10.30.0.0/16"]) {
      await awsError(ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: block })), "RouteAlreadyExists");
    }
    const locals = (await routesOf(a, DX.prodA)).filter((r) => r.GatewayId === "local");
    expect(locals).toEqual([
      {
        DestinationCidrBlock: "10.0.0.0/16",
        GatewayId: "local",
        Origin: "CreateRouteTable",
        State: "active",
      },
      {
        DestinationCidrBlock: "10.30.0.0/16",
        GatewayId: "local",
        Origin: "CreateRouteTable",
        State: "active",
      },
      { DestinationIpv6CidrBlock: IPV6_VPC, GatewayId: "local", Origin: "CreateRouteTable", State: "active" },
    ]);
  });

  it("holds for IPv6: a block inside the VPC's IPv6 block is accepted only when it is a subnet's", async () => {
    const a = dualStack();
    const e = await awsError(
      ec2(a, "CreateRoute", toEni({ DestinationIpv6CidrBlock: "2600:1f14:abc:de01::10/128" })),
      "InvalidParameterValue",
    );
    expect(e.message).toBe("Route destination doesn't match any subnet CIDR blocks.");
    await ec2(a, "CreateRoute", toEni({ DestinationIpv6CidrBlock: IPV6_SUBNET }));
  });

  it("checks ReplaceRoute the same way", async () => {
    const a = dualStack();
    await ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: "10.0.1.0/24" }));
    const e = await awsError(
      ec2(a, "ReplaceRoute", {
        RouteTableId: DX.prodA,
        DestinationCidrBlock: "10.0.1.0/24",
        GatewayId: "igw-0123456789abcdef0",
      }),
      "InvalidParameterValue",
    );
    expect(e.message).toMatch(/is equal to or more specific than one of this VPC's CIDR blocks/);
  });

  it("refuses a fixture whose routes break the rule", () => {
    const json = dualStackJson({
      routeTables: [
        {
          id: DX.prodA,
          vpcId: DX.vpc,
          routes: [{ destinationCidrBlock: "10.0.1.77/32", target: DX.applianceEni }],
        },
      ],
    });
    expect(() => parseFixture(json)).toThrow(FixtureError);
    try {
      parseFixture(json);
    } catch (error) {
      expect((error as FixtureError).issues).toEqual([
        "routeTables.0.routes.0: EC2 refuses this route: Route destination doesn't match any subnet CIDR blocks.",
      ]);
    }
  });
});

describe("route targets", () => {
  it("refuses an instance target with more than one attached interface (InvalidInstanceID)", async () => {
    const a = dxAccount({
      networkInterfaces: [
        {
          id: DX.spareEni,
          subnetId: DX.subnet,
          privateIpAddress: "10.0.1.20",
          attachment: { instanceId: DX.appliance, deviceIndex: 1 },
        },
      ],
    });
    const e = await awsError(
      ec2(a, "CreateRoute", {
        RouteTableId: DX.prodA,
        DestinationCidrBlock: "10.250.0.0/24",
        InstanceId: DX.appliance,
      }),
      "InvalidInstanceID",
    );
    expect(e.message).toBe(
      `There are multiple interfaces attached to instance '${DX.appliance}'. Please specify an interface ID for the operation instead.`,
    );
    await ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: "10.250.0.0/24" }));
  });
});
