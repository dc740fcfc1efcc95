import { CreateRouteCommand, EC2Client, ReplaceRouteCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { startSimServer } from "../../../sim/wire";
import { MemoryHttpHandler } from "../../../sim/wire/memory-transport";
import { ServiceRegistry } from "../../../sim/wire/services";
import { DX, dxAccount } from "./dx-fixture";
import { awsError, ec2 } from "./helpers";

/**
 * A fault that lands (EC2 API Reference, "Ensuring idempotency": a mutating request may "time out or
 * encounter other server issues before they complete, even though the request has already returned a
 * result"): the operation takes effect, then the caller sees a 5xx or no answer at all.
 */
const route = (i: number) => ({
  RouteTableId: DX.prodA,
  DestinationCidrBlock: `192.168.${i}.0/24`,
  NetworkInterfaceId: DX.applianceEni,
});

const routeTo = (a: ReturnType<typeof dxAccount>, cidr: string) =>
  a
    .state()
    .routeTables.get(DX.prodA)
    ?.routes.find((r) => r.destinationCidrBlock === cidr);

const credentials = { accessKeyId: "AKIDSIMULATED", secretAccessKey: "x" };

describe("faults that land (applied before the error)", () => {
  it("applies the write, answers the 5xx, and logs both", async () => {
    const a = dxAccount();
    a.faults.add({
      service: "ec2",
      operation: "CreateRoute",
      error: { code: "InternalError" },
      applied: true,
      times: 1,
    });
    await awsError(ec2(a, "CreateRoute", route(1)), "InternalError", 500);
    expect(routeTo(a, "192.168.1.0/24")?.target).toBe(DX.applianceEni);
    const [call] = a.calls.filter((c) => c.operation === "CreateRoute");
    expect(call).toMatchObject({ outcome: "error", applied: true, error: { code: "InternalError" } });
    expect(call?.output).toBeDefined();
    // The retry of a write that already happened: EC2 answers what it answers to a second CreateRoute.
    await awsError(ec2(a, "CreateRoute", route(1)), "RouteAlreadyExists");
  });

  it("without applied, a faulted write changes nothing (the default)", async () => {
    const a = dxAccount();
    a.faults.add({ service: "ec2", operation: "CreateRoute", error: { code: "InternalError" }, times: 1 });
    await awsError(ec2(a, "CreateRoute", route(2)), "InternalError", 500);
    expect(routeTo(a, "192.168.2.0/24")).toBeUndefined();
    expect(a.calls.at(-1)?.applied).toBeUndefined();
  });

  it("an operation that fails by itself answers its own error, not the fault's", async () => {
    const a = dxAccount();
    a.faults.add({
      service: "ec2",
      operation: "DeleteRoute",
      error: { code: "InternalError" },
      applied: true,
    });
    await awsError(
      ec2(a, "DeleteRoute", { RouteTableId: DX.prodA, DestinationCidrBlock: "192.168.9.0/24" }),
      "InvalidRoute.NotFound",
    );
    expect(a.calls.at(-1)?.applied).toBeUndefined();
  });

  it("refuses applied without an answer, and an error with dropConnection", () => {
    const a = dxAccount();
    expect(() => a.faults.add({ operation: "CreateRoute", applied: true, latencyMs: 5 })).toThrow(/applied/);
    expect(() =>
      a.faults.add({ operation: "CreateRoute", error: { code: "InternalError" }, dropConnection: true }),
    ).toThrow(/not both/);
  });

  it("POST /__sim/faults takes applied and dropConnection; a bad combination is a 400", async () => {
    const a = dxAccount();
    const ok = await a.control("POST", "/__sim/faults", {
      operation: "CreateRoute",
      dropConnection: true,
      applied: true,
    });
    expect(ok.status).toBe(201);
    expect(a.faults.list()).toEqual([expect.objectContaining({ dropConnection: true, applied: true })]);
    const bad = await a.control("POST", "/__sim/faults", {
      operation: "CreateRoute",
      applied: true,
      latencyMs: 1,
    });
    expect(bad.status).toBe(400);
  });

  it("over loopback, a dropped connection after the write: the SDK retries and meets RouteAlreadyExists", async () => {
    const a = dxAccount();
    a.faults.add({ service: "ec2", operation: "CreateRoute", dropConnection: true, applied: true, times: 1 });
    const server = await startSimServer(a.dispatch, { control: a.control });
    const client = new EC2Client({ endpoint: server.url, region: "us-west-2", credentials, maxAttempts: 3 });
    try {
      const error = await client.send(new CreateRouteCommand(route(3))).then(
        () => undefined,
        (e: unknown) => e as { name?: string; $metadata?: { attempts?: number } },
      );
      expect(error?.name).toBe("RouteAlreadyExists");
      expect(error?.$metadata?.attempts).toBe(2);
      const creates = a.calls.filter((c) => c.operation === "CreateRoute");
      expect(creates.map((c) => [c.applied ?? false, c.error?.code])).toEqual([
        [true, "ConnectionLost"],
        [false, "RouteAlreadyExists"],
      ]);
      expect(routeTo(a, "192.168.3.0/24")?.target).toBe(DX.applianceEni);
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it("in memory, a dropped connection is ECONNRESET: ReplaceRoute retried by the SDK succeeds (idempotent)", async () => {
    const a = dxAccount();
    await ec2(a, "CreateRoute", route(4));
    a.faults.add({
      service: "ec2",
      operation: "ReplaceRoute",
      dropConnection: true,
      applied: true,
      times: 1,
    });
    const handler = new MemoryHttpHandler(new ServiceRegistry(), a.dispatch);
    const request = { ...route(4), NetworkInterfaceId: DX.spareEni };
    const client = new EC2Client({
      region: "us-west-2",
      credentials,
      maxAttempts: 3,
      requestHandler: handler,
    });
    try {
      const out = await client.send(new ReplaceRouteCommand(request));
      expect(out.$metadata.attempts).toBe(2);
      const replaces = a.calls.filter((c) => c.operation === "ReplaceRoute");
      expect(replaces.map((c) => [c.applied ?? false, c.outcome])).toEqual([
        [true, "error"],
        [false, "ok"],
      ]);
      expect(routeTo(a, "192.168.4.0/24")?.target).toBe(DX.spareEni);
    } finally {
      client.destroy();
    }
  });
});
