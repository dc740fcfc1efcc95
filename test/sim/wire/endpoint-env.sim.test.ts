import { AutoScalingClient, DescribeAutoScalingInstancesCommand } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimServer, simEndpointEnv } from "../../../sim/wire";
import { output, type StubAccount, startStubServer } from "./helpers";

let server: SimServer;
let account: StubAccount;

// The environment set here is put back after the file by test/support/setup.ts.
beforeAll(async () => {
  ({ server, account } = await startStubServer());
  Object.assign(process.env, simEndpointEnv(server));
});
afterAll(async () => {
  await server.close();
});

describe("simEndpointEnv: clients configured only by the environment reach the server", () => {
  it("returns the endpoint and fake credentials", () => {
    expect(simEndpointEnv(server)).toMatchObject({
      AWS_ENDPOINT_URL: server.url,
      AWS_ACCESS_KEY_ID: "AKIDSIMULATED",
      AWS_SECRET_ACCESS_KEY: "simulated",
      AWS_REGION: "us-east-1",
    });
  });

  it("every service client (no endpoint, no credentials in code) talks to the simulated account", async () => {
    account
      .on("ec2:DescribeInstances", () => output({ Reservations: [] }))
      .on("autoscaling:DescribeAutoScalingInstances", () => output({ AutoScalingInstances: [] }))
      .on("monitoring:DescribeAlarms", () => output({ MetricAlarms: [] }))
      .on("events:PutEvents", () => output({ FailedEntryCount: 0, Entries: [] }));
    const region = "eu-west-3";
    const ec2 = new EC2Client({ region });
    const asg = new AutoScalingClient({ region });
    const cw = new CloudWatchClient({ region });
    const ev = new EventBridgeClient({ region });
    await ec2.send(new DescribeInstancesCommand({}));
    await asg.send(new DescribeAutoScalingInstancesCommand({}));
    await cw.send(new DescribeAlarmsCommand({}));
    await ev.send(new PutEventsCommand({ Entries: [{ Source: "s", DetailType: "d", Detail: "{}" }] }));
    expect(account.calls.map((c) => `${c.ctx.service}:${c.ctx.operation}@${c.ctx.region}`)).toStrictEqual([
      "ec2:DescribeInstances@eu-west-3",
      "autoscaling:DescribeAutoScalingInstances@eu-west-3",
      "monitoring:DescribeAlarms@eu-west-3",
      "events:PutEvents@eu-west-3",
    ]);
    for (const c of [ec2, asg, cw, ev]) c.destroy();
  });
});
