/**
 * Micro-benchmark (printed, not asserted): DescribeInstances through the real EC2Client over keep-alive,
 * the server-side share of it (decode + dispatch + encode, no sockets), and a trivial node:http round trip
 * on the same machine as the floor.
 */
import { Agent, createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { expect, it } from "vitest";
import type { SimOutput } from "../../../sim/types";
import { handleWireRequest, ServiceRegistry, startSimServer, type WireRequest } from "../../../sim/wire";
import { credentials } from "./helpers";

const N = 400;
const WARMUP = 100;

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `p50 ${at(0.5).toFixed(3)} ms | p90 ${at(0.9).toFixed(3)} ms | p99 ${at(0.99).toFixed(3)} ms | mean ${mean.toFixed(3)} ms`;
}

async function measure(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

const instance = (i: number) => ({
  InstanceId: `i-0${i}aaaaaaaaaaaaaaa`,
  InstanceType: "m5.large",
  LaunchTime: new Date("2026-11-20T08:15:42.000Z"),
  State: { Code: 16, Name: "running" },
  HibernationOptions: { Configured: true },
  Placement: { AvailabilityZone: "eu-west-1a" },
  PrivateIpAddress: `10.0.1.${i}`,
  SubnetId: "subnet-1",
  VpcId: "vpc-1",
  Tags: [
    { Key: "Name", Value: `web-${i}` },
    { Key: "ops:hibernate", Value: "idle" },
  ],
  NetworkInterfaces: [
    {
      NetworkInterfaceId: `eni-${i}`,
      Attachment: { AttachmentId: `a-${i}`, DeviceIndex: 0, Status: "attached", AttachTime: new Date(0) },
      PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: `10.0.1.${i}` }],
      Groups: [{ GroupId: "sg-1", GroupName: "default" }],
    },
  ],
});
const OUTPUT: SimOutput = {
  Reservations: [{ ReservationId: "r-1", OwnerId: "123456789012", Instances: [1, 2, 3].map(instance) }],
};

it("prints DescribeInstances round-trip latency over keep-alive", { timeout: 120_000 }, async () => {
  const server = await startSimServer(async () => OUTPUT);
  const ec2 = new EC2Client({
    endpoint: server.url,
    region: "eu-west-1",
    credentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: 2000 }),
  });
  const cmd = () =>
    ec2.send(
      new DescribeInstancesCommand({
        InstanceIds: ["i-01aaaaaaaaaaaaaaa"],
        Filters: [{ Name: "tag:ops:hibernate", Values: ["idle"] }],
      }),
    );
  const sdk = await measure(cmd);
  expect((await cmd()).Reservations?.[0]?.Instances).toHaveLength(3);

  // Server-side share: the same request, decoded, dispatched and encoded without sockets.
  const registry = new ServiceRegistry();
  await registry.preload();
  const body = new Uint8Array(
    Buffer.from(
      "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-01aaaaaaaaaaaaaaa&Filter.1.Name=tag%3Aops%3Ahibernate&Filter.1.Value.1=idle",
    ),
  );
  const wire: WireRequest = {
    method: "POST",
    url: "/",
    headers: {
      "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIDSIMULATED/20261121/eu-west-1/ec2/aws4_request, SignedHeaders=host, Signature=0",
    },
    body,
  };
  const serverSide = await measure(() => handleWireRequest(registry, async () => OUTPUT, wire, "rid"));

  // Floor: a trivial node:http server and a keep-alive agent on the same machine.
  const trivial = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.end("<ok/>"));
  });
  await new Promise<void>((r) => trivial.listen(0, "127.0.0.1", r));
  const agent = new Agent({ keepAlive: true });
  const port = (trivial.address() as AddressInfo).port;
  const floor = await measure(
    () =>
      new Promise<void>((resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port, method: "POST", path: "/", agent }, (res) => {
          res.resume();
          res.on("end", resolve);
        });
        req.on("error", reject);
        req.end("Action=DescribeInstances");
      }),
  );

  console.log(
    [
      `sim/wire micro-benchmark (${N} samples after ${WARMUP} warm-up; 3 instances in the response)`,
      `  EC2Client DescribeInstances round trip : ${stats(sdk)}`,
      `  server side (decode+dispatch+encode)   : ${stats(serverSide)}`,
      `  trivial node:http round trip (floor)   : ${stats(floor)}`,
    ].join("\n"),
  );

  agent.destroy();
  trivial.close();
  ec2.destroy();
  await server.close();
});
