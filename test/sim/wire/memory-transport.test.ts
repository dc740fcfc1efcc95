import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { GetOutpostCommand, OutpostsClient } from "@aws-sdk/client-outposts";
import { beforeAll, describe, expect, it } from "vitest";
import { GatedHttpHandler, MemoryHttpHandler, operationOf } from "../../../sim/wire/memory-transport";
import { ServiceRegistry } from "../../../sim/wire/services";
import { credentials, output, rejection, StubAccount } from "./helpers";

/**
 * The in-memory transport: the SDK builds, signs and serialises the request as for AWS, the wire codec
 * decodes it and encodes the answer, the SDK parses it — no socket. Same stub dispatcher as the server tests.
 */

const stub = new StubAccount();
const registry = new ServiceRegistry();
let settled = 0;
const transport = new MemoryHttpHandler(registry, stub.dispatch, () => {
  settled += 1;
});
const config = {
  region: "eu-west-1",
  credentials,
  maxAttempts: 1,
  endpoint: "http://127.0.0.1:9",
  requestHandler: transport,
};

beforeAll(async () => {
  await registry.preload();
});

describe("MemoryHttpHandler", () => {
  it("decodes an ec2Query call with its region and list members, and the SDK parses the XML answer", async () => {
    stub.reset();
    stub.on("ec2:DescribeInstances", () =>
      output({ Reservations: [{ ReservationId: "r-1", Instances: [{ InstanceId: "i-1" }] }] }),
    );
    const before = settled;
    const answer = await new EC2Client(config).send(
      new DescribeInstancesCommand({ InstanceIds: ["i-1", "i-2"] }),
    );
    expect(answer.Reservations?.[0]?.Instances?.[0]?.InstanceId).toBe("i-1");
    const call = stub.only();
    expect(call.ctx).toMatchObject({ service: "ec2", operation: "DescribeInstances", region: "eu-west-1" });
    expect(call.input).toEqual({ InstanceIds: ["i-1", "i-2"] });
    expect(settled).toBe(before + 1);
    expect(transport.busy).toBe(false);
  });

  it("answers an AWS error in the service's protocol: the SDK raises it with its code and status", async () => {
    stub.reset();
    const error = await rejection(
      new EventBridgeClient(config).send(
        new PutEventsCommand({ Entries: [{ Source: "s", DetailType: "d" }] }),
      ),
    );
    expect(error.name).toBe("NotStubbed");
    expect((error.$metadata as { httpStatusCode?: number }).httpStatusCode).toBe(501);
  });

  it("passes a compressed body (CloudWatch PutMetricData over the SDK's size threshold) to the codec", async () => {
    stub.reset();
    stub.on("monitoring:PutMetricData", () => output({}));
    const data = Array.from({ length: 400 }, (_, k) => ({
      MetricName: "PathHealthy",
      Value: k % 2,
      Timestamp: new Date(1_700_000_000_000 + k * 5000),
    }));
    await new CloudWatchClient(config).send(new PutMetricDataCommand({ Namespace: "Ns", MetricData: data }));
    const input = stub.only().input as { MetricData: unknown[] };
    expect(input.MetricData).toHaveLength(400);
  });

  it("gives each request its own request id, in sequence", async () => {
    stub.reset();
    stub.on("ec2:DescribeInstances", () => output({ Reservations: [] }));
    const ec2 = new EC2Client(config);
    const ids = [
      (await ec2.send(new DescribeInstancesCommand({}))).$metadata.requestId,
      (await ec2.send(new DescribeInstancesCommand({}))).$metadata.requestId,
    ];
    expect(stub.calls.map((c) => c.ctx.requestId)).toEqual(ids);
    expect(ids[0]).not.toBe(ids[1]);
  });
});

describe("GatedHttpHandler: the gate sees each request before the transport", () => {
  it("names the operation of an ec2Query and an awsJson call (operationOf), none of a REST route", async () => {
    stub.reset();
    stub.on("ec2:DescribeInstances", () => output({ Reservations: [] }));
    stub.on("events:PutEvents", () => output({ FailedEntryCount: 0, Entries: [] }));
    stub.on("outposts:GetOutpost", () => output({ Outpost: { OutpostId: "op-1" } }));
    const operations: Array<string | undefined> = [];
    const gated = new GatedHttpHandler(transport, async (request) => {
      operations.push(operationOf(request));
    });
    const gatedConfig = { ...config, requestHandler: gated };
    await new EC2Client(gatedConfig).send(new DescribeInstancesCommand({}));
    await new EventBridgeClient(gatedConfig).send(
      new PutEventsCommand({ Entries: [{ Source: "s", DetailType: "d", Detail: "{}" }] }),
    );
    await new OutpostsClient(gatedConfig).send(new GetOutpostCommand({ OutpostId: "op-1" }));
    expect(operations).toEqual(["DescribeInstances", "PutEvents", undefined]);
    expect(stub.calls.map((c) => c.ctx.operation)).toEqual(["DescribeInstances", "PutEvents", "GetOutpost"]);
  });
});
