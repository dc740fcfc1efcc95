import { CreateRouteCommand, EC2Client } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { EC2_DOCUMENTED_BUCKETS } from "../../../sim/account/faults";
import { startSimServer } from "../../../sim/wire";
import { DX, dxAccount } from "./dx-fixture";
import { awsError, ec2 } from "./helpers";

const route = (i: number) => ({
  RouteTableId: DX.prodA,
  DestinationCidrBlock: `192.168.${i}.0/24`,
  NetworkInterfaceId: DX.applianceEni,
});

describe("EC2 token-bucket throttling", () => {
  it("empties the bucket, answers RequestLimitExceeded (503), and refills on the simulated clock", async () => {
    const a = dxAccount();
    const bucket = a.faults.tokenBucket({
      service: "ec2",
      operations: ["CreateRoute"],
      capacity: 3,
      refillPerSecond: 2,
    });
    for (let i = 0; i < 3; i += 1) await ec2(a, "CreateRoute", route(i));
    const e = await awsError(ec2(a, "CreateRoute", route(3)), "RequestLimitExceeded", 503);
    expect(e.message).toBe("Request limit exceeded.");
    // Other operations have their own buckets (here: none).
    await ec2(a, "DescribeRouteTables");
    a.advance(499);
    await awsError(ec2(a, "CreateRoute", route(3)), "RequestLimitExceeded");
    a.advance(1);
    await ec2(a, "CreateRoute", route(3)); // one token after 500 ms at 2/s
    await awsError(ec2(a, "CreateRoute", route(4)), "RequestLimitExceeded");
    a.advance(10_000); // refills up to the capacity only
    for (let i = 4; i < 7; i += 1) await ec2(a, "CreateRoute", route(i));
    await awsError(ec2(a, "CreateRoute", route(7)), "RequestLimitExceeded");
    expect(a.faults.tokenBuckets()).toEqual([expect.objectContaining({ id: bucket.id, throttled: 4 })]);
    expect(a.calls.filter((c) => c.error?.code === "RequestLimitExceeded").map((c) => c.faults)).toEqual([
      [bucket.id],
      [bucket.id],
      [bucket.id],
      [bucket.id],
    ]);
    expect(a.faults.remove(bucket.id)).toBe(true);
    await ec2(a, "CreateRoute", route(7));
  });

  it("behaviour.ec2Throttling: documented → the documented buckets (Describe* 100 + 20/s, route writes 200 + 5/s)", async () => {
    expect(EC2_DOCUMENTED_BUCKETS).toEqual([
      expect.objectContaining({ operations: ["Describe*"], capacity: 100, refillPerSecond: 20 }),
      expect.objectContaining({ capacity: 200, refillPerSecond: 5 }),
    ]);
    // 201 routes in one table: the route quota (50 by default) raised to its maximum, 1,000.
    const a = dxAccount({ behaviour: { ec2Throttling: "documented", routesPerTable: 1000 } });
    for (let i = 0; i < 100; i += 1) await ec2(a, "DescribeRouteTables");
    await awsError(ec2(a, "DescribeRouteTables"), "RequestLimitExceeded", 503);
    // Per API: DescribeInstances has its own bucket.
    await ec2(a, "DescribeInstances");
    a.advance(50); // 20/s → one token
    await ec2(a, "DescribeRouteTables");
    await awsError(ec2(a, "DescribeRouteTables"), "RequestLimitExceeded");
    for (let i = 0; i < 200; i += 1) await ec2(a, "CreateRoute", route(i));
    await awsError(ec2(a, "CreateRoute", route(200)), "RequestLimitExceeded");
    a.advance(200); // 5/s → one token
    await ec2(a, "CreateRoute", route(200));
    // reset() restores the fixture's buckets, full.
    a.reset();
    await ec2(a, "DescribeRouteTables");
  });

  it("POST /__sim/token-buckets adds a bucket; DELETE /__sim/faults/<id> removes it", async () => {
    const a = dxAccount();
    const added = await a.control("POST", "/__sim/token-buckets", {
      service: "ec2",
      operations: ["DeleteRoute"],
      capacity: 1,
      refillPerSecond: 0,
    });
    expect(added.status).toBe(201);
    const id = (added.body as { bucket: { id: string } }).bucket.id;
    await awsError(
      ec2(a, "DeleteRoute", { RouteTableId: DX.prodA, DestinationCidrBlock: DX.onPrem }),
      "InvalidRoute.NotFound",
    );
    await awsError(
      ec2(a, "DeleteRoute", { RouteTableId: DX.prodA, DestinationCidrBlock: DX.onPrem }),
      "RequestLimitExceeded",
    );
    expect((await a.control("GET", "/__sim/token-buckets")).body).toEqual({
      buckets: [expect.objectContaining({ id, throttled: 1 })],
    });
    expect(
      (await a.control("POST", "/__sim/token-buckets", { service: "ec2", capacity: 0, refillPerSecond: 1 }))
        .status,
    ).toBe(400);
    expect((await a.control("DELETE", `/__sim/faults/${id}`)).status).toBe(200);
    expect(a.faults.tokenBuckets()).toEqual([]);
  });

  it("the SDK sees RequestLimitExceeded through the wire", async () => {
    const a = dxAccount();
    a.faults.tokenBucket({ service: "ec2", operations: ["CreateRoute"], capacity: 1, refillPerSecond: 1 });
    const server = await startSimServer(a.dispatch, { control: a.control });
    const client = new EC2Client({
      endpoint: server.url,
      region: "us-west-2",
      credentials: { accessKeyId: "AKIDSIMULATED", secretAccessKey: "x" },
      maxAttempts: 1,
    });
    try {
      await client.send(new CreateRouteCommand(route(1)));
      const e = await client.send(new CreateRouteCommand(route(2))).then(
        () => undefined,
        (err: unknown) => err as { name?: string; $metadata?: { httpStatusCode?: number } },
      );
      expect(e?.name).toBe("RequestLimitExceeded");
      expect(e?.$metadata?.httpStatusCode).toBe(503);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
