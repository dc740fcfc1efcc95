import {
  DescribeVirtualInterfacesCommand,
  DirectConnectClient,
  DirectConnectClientException,
} from "@aws-sdk/client-direct-connect";
import {
  CreateRouteCommand,
  DeleteRouteCommand,
  DescribeRouteTablesCommand,
  type DescribeRouteTablesResult,
  EC2Client,
  type Route,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import type { SimulatedAccount } from "../../../sim";
import { startSimServer } from "../../../sim/wire";
import { DX, dxAccount } from "./dx-fixture";
import { awsError, call, ec2 } from "./helpers";

async function routesOf(a: SimulatedAccount, table: string): Promise<Route[]> {
  const r = await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", { RouteTableIds: [table] });
  return r.RouteTables?.[0]?.Routes ?? [];
}

const propagated = (cidr: string): Route => ({
  DestinationCidrBlock: cidr,
  GatewayId: DX.vgw,
  Origin: "EnableVgwRoutePropagation",
  State: "active",
});

describe("VGW route propagation follows BGP", () => {
  it("lists one propagated route per advertised prefix while BGP is up, in every propagating table", async () => {
    const a = dxAccount();
    for (const table of [DX.prodA, DX.prodB, DX.probe]) {
      expect(await routesOf(a, table)).toEqual([
        {
          DestinationCidrBlock: "10.0.0.0/16",
          GatewayId: "local",
          Origin: "CreateRouteTable",
          State: "active",
        },
        propagated(DX.onPrem),
        propagated(DX.onPrem2),
      ]);
    }
    const r = await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", { RouteTableIds: [DX.prodA] });
    expect(r.RouteTables?.[0]?.PropagatingVgws).toEqual([{ GatewayId: DX.vgw }]);
  });

  it("withdraws the routes when every BGP session of the gateway is down, and brings them back", async () => {
    const a = dxAccount();
    a.setBgpStatus(DX.vif1, "down");
    expect(await routesOf(a, DX.prodA)).toHaveLength(3); // the second VIF still advertises
    a.setBgpStatus(DX.vif2, "down");
    expect((await routesOf(a, DX.prodA)).map((r) => r.Origin)).toEqual(["CreateRouteTable"]);
    const filtered = await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", {
      Filters: [{ Name: "route.origin", Values: ["EnableVgwRoutePropagation"] }],
    });
    expect(filtered.RouteTables).toEqual([]);
    a.setBgpStatus(DX.vif2, "up");
    expect(await routesOf(a, DX.prodA)).toContainEqual(propagated(DX.onPrem));
    const events = a.serviceEvents.filter((e) => e.source === "aws.directconnect");
    expect(events.map((e) => e.detail.bgpStatus)).toEqual(["down", "down", "up"]);
    expect(events[0]?.detail).toMatchObject({ virtualInterfaceId: DX.vif1, virtualGatewayId: DX.vgw });
  });

  it("has a control route: POST /__sim/virtual-interfaces/<id>/bgp", async () => {
    const a = dxAccount();
    const down = await a.control("POST", `/__sim/virtual-interfaces/${DX.vif1}/bgp`, { status: "down" });
    expect(down).toEqual({ status: 200, body: { virtualInterfaceId: DX.vif1, bgpStatus: "down" } });
    await a.control("POST", `/__sim/virtual-interfaces/${DX.vif2}/bgp`, '{"status":"down"}');
    expect(await routesOf(a, DX.probe)).toHaveLength(1);
    expect(
      (await a.control("POST", `/__sim/virtual-interfaces/${DX.vif2}/bgp`, { status: "sideways" })).status,
    ).toBe(400);
    const unknown = await a.control("POST", "/__sim/virtual-interfaces/dxvif-ffffffff/bgp", { status: "up" });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: "DirectConnectClientException" });
  });
});

describe("static routes beside propagated routes", () => {
  it("CreateRoute beside a propagated route succeeds; both are listed; static to a running appliance is active", async () => {
    const a = dxAccount();
    await ec2(a, "CreateRoute", {
      RouteTableId: DX.prodA,
      DestinationCidrBlock: DX.onPrem,
      NetworkInterfaceId: DX.applianceEni,
    });
    const routes = await routesOf(a, DX.prodA);
    expect(routes.filter((r) => r.DestinationCidrBlock === DX.onPrem)).toEqual([
      expect.objectContaining({
        Origin: "CreateRoute",
        NetworkInterfaceId: DX.applianceEni,
        State: "active",
      }),
      propagated(DX.onPrem),
    ]);
    // The static route stays while BGP is down; the propagated one is withdrawn.
    a.setBgpStatus(DX.vif1, "down");
    a.setBgpStatus(DX.vif2, "down");
    expect((await routesOf(a, DX.prodA)).filter((r) => r.DestinationCidrBlock === DX.onPrem)).toEqual([
      expect.objectContaining({ Origin: "CreateRoute", State: "active" }),
    ]);
  });

  it("CreateRoute over a static route → RouteAlreadyExists; ReplaceRoute of a propagated-only destination → InvalidParameterValue", async () => {
    const a = dxAccount();
    const input = {
      RouteTableId: DX.prodA,
      DestinationCidrBlock: DX.onPrem,
      NetworkInterfaceId: DX.applianceEni,
    };
    await awsError(ec2(a, "ReplaceRoute", input), "InvalidParameterValue", 400);
    await ec2(a, "CreateRoute", input);
    await awsError(ec2(a, "CreateRoute", input), "RouteAlreadyExists", 400);
    await ec2(a, "ReplaceRoute", { ...input, NetworkInterfaceId: DX.spareEni });
    expect((await routesOf(a, DX.prodA)).find((r) => r.Origin === "CreateRoute")).toMatchObject({
      NetworkInterfaceId: DX.spareEni,
      State: "blackhole", // the spare ENI is not attached
    });
  });

  it("DeleteRoute deletes the static route only; without one → InvalidRoute.NotFound", async () => {
    const a = dxAccount();
    await awsError(
      ec2(a, "DeleteRoute", { RouteTableId: DX.prodA, DestinationCidrBlock: DX.onPrem }),
      "InvalidRoute.NotFound",
      400,
    );
    await ec2(a, "CreateRoute", {
      RouteTableId: DX.prodA,
      DestinationCidrBlock: DX.onPrem,
      NetworkInterfaceId: DX.applianceEni,
    });
    await ec2(a, "DeleteRoute", { RouteTableId: DX.prodA, DestinationCidrBlock: DX.onPrem });
    expect((await routesOf(a, DX.prodA)).filter((r) => r.DestinationCidrBlock === DX.onPrem)).toEqual([
      propagated(DX.onPrem),
    ]);
    await awsError(
      ec2(a, "DeleteRoute", { RouteTableId: DX.prodA, DestinationCidrBlock: DX.onPrem }),
      "InvalidRoute.NotFound",
    );
  });

  it("a static route to the appliance ENI is a blackhole while its instance is stopped", async () => {
    const a = dxAccount();
    await ec2(a, "CreateRoute", {
      RouteTableId: DX.prodA,
      DestinationCidrBlock: DX.onPrem,
      NetworkInterfaceId: DX.applianceEni,
    });
    await ec2(a, "StopInstances", { InstanceIds: [DX.appliance] });
    const state = async () => (await routesOf(a, DX.prodA)).find((r) => r.Origin === "CreateRoute")?.State;
    expect(await state()).toBe("blackhole"); // stopping
    a.advance(60_000);
    expect(await state()).toBe("blackhole"); // stopped
    expect(a.snapshot().routeTables[DX.prodA]?.Routes).toMatchObject({
      [DX.onPrem]: { Origin: "CreateRoute", State: "blackhole" },
      [`${DX.onPrem} (propagated)`]: { Origin: "EnableVgwRoutePropagation", State: "active" },
    });
  });
});

describe("Direct Connect DescribeVirtualInterfaces", () => {
  it("lists the interfaces with their BGP peers; filters by interface and connection", async () => {
    const a = dxAccount();
    a.setBgpStatus(DX.vif2, "down");
    const all = await call<{ virtualInterfaces: Record<string, unknown>[] }>(
      a,
      "directconnect",
      "DescribeVirtualInterfaces",
    );
    expect(all.virtualInterfaces.map((v) => v.virtualInterfaceId)).toEqual([DX.vif1, DX.vif2]);
    expect(all.virtualInterfaces[0]).toMatchObject({
      ownerAccount: "111122223333",
      virtualInterfaceId: DX.vif1,
      connectionId: DX.connection1,
      virtualInterfaceType: "private",
      virtualInterfaceState: "available",
      vlan: 101,
      virtualGatewayId: DX.vgw,
      amazonSideAsn: 64512,
      bgpPeers: [
        {
          bgpPeerId: "dxpeer-fg000001",
          addressFamily: "ipv4",
          bgpStatus: "up",
          bgpPeerState: "available",
          asn: 65000,
          asnLong: 65000,
        },
      ],
    });
    const one = await call<{ virtualInterfaces: Record<string, unknown>[] }>(
      a,
      "directconnect",
      "DescribeVirtualInterfaces",
      { virtualInterfaceId: DX.vif2 },
    );
    expect(one.virtualInterfaces).toHaveLength(1);
    expect(one.virtualInterfaces[0]?.bgpPeers).toEqual([expect.objectContaining({ bgpStatus: "down" })]);
    const byConnection = await call<{ virtualInterfaces: Record<string, unknown>[] }>(
      a,
      "directconnect",
      "DescribeVirtualInterfaces",
      { connectionId: DX.connection1 },
    );
    expect(byConnection.virtualInterfaces.map((v) => v.virtualInterfaceId)).toEqual([DX.vif1]);
  });

  it("an unknown interface → DirectConnectClientException (400)", async () => {
    const a = dxAccount();
    await awsError(
      call(a, "directconnect", "DescribeVirtualInterfaces", { virtualInterfaceId: "dxvif-ffffffff" }),
      "DirectConnectClientException",
      400,
    );
    expect(() => a.setBgpStatus("dxvif-ffffffff", "down")).toThrow(/does not exist/);
  });

  it("validates the fixture's references", async () => {
    const { parseFixture } = await import("../../../sim");
    const { dxFixtureJson } = await import("./dx-fixture");
    const json = dxFixtureJson();
    json.virtualPrivateGateways = [
      {
        id: DX.vgw,
        vpcId: "vpc-0d0000000000000ff",
        virtualInterfaceIds: ["dxvif-fg999999"],
        propagatedCidrs: [],
      },
    ];
    expect(() => parseFixture(json)).toThrow(
      /unknown VPC vpc-0d0000000000000ff[\s\S]*unknown virtual interface/,
    );
  });
});

describe("through the real SDK clients on the wire", () => {
  it("DescribeVirtualInterfaces, DescribeRouteTables, CreateRoute/DeleteRoute errors", async () => {
    const a = dxAccount();
    const server = await startSimServer(a.dispatch, { control: a.control, strict: true });
    const config = {
      endpoint: server.url,
      region: "us-west-2",
      credentials: { accessKeyId: "AKIDSIMULATED", secretAccessKey: "x" },
      maxAttempts: 1,
    };
    const dx = new DirectConnectClient(config);
    const ec2c = new EC2Client(config);
    try {
      const vifs = await dx.send(new DescribeVirtualInterfacesCommand({ virtualInterfaceId: DX.vif1 }));
      expect(vifs.virtualInterfaces?.[0]?.bgpPeers?.[0]?.bgpStatus).toBe("up");
      const error = await dx
        .send(new DescribeVirtualInterfacesCommand({ virtualInterfaceId: "dxvif-ffffffff" }))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(DirectConnectClientException);

      a.setBgpStatus(DX.vif1, "down");
      a.setBgpStatus(DX.vif2, "down");
      const down = await ec2c.send(new DescribeRouteTablesCommand({ RouteTableIds: [DX.prodA] }));
      expect(down.RouteTables?.[0]?.Routes).toHaveLength(1);
      a.setBgpStatus(DX.vif1, "up");
      const up = await ec2c.send(new DescribeRouteTablesCommand({ RouteTableIds: [DX.prodA] }));
      expect(up.RouteTables?.[0]?.Routes?.[1]).toEqual(propagated(DX.onPrem));

      const input = {
        RouteTableId: DX.prodA,
        DestinationCidrBlock: DX.onPrem,
        NetworkInterfaceId: DX.applianceEni,
      };
      expect((await ec2c.send(new CreateRouteCommand(input))).Return).toBe(true);
      const exists = await ec2c.send(new CreateRouteCommand(input)).then(
        () => undefined,
        (e: unknown) => e as { name?: string; $metadata?: { httpStatusCode?: number } },
      );
      expect(exists?.name).toBe("RouteAlreadyExists");
      await ec2c.send(new DeleteRouteCommand({ RouteTableId: DX.prodA, DestinationCidrBlock: DX.onPrem }));
      const missing = await ec2c
        .send(new DeleteRouteCommand({ RouteTableId: DX.prodA, DestinationCidrBlock: DX.onPrem }))
        .then(
          () => undefined,
          (e: unknown) => e as { name?: string },
        );
      expect(missing?.name).toBe("InvalidRoute.NotFound");
    } finally {
      dx.destroy();
      ec2c.destroy();
      await server.close();
    }
  });
});
