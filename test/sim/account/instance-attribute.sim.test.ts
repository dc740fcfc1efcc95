/**
 * DescribeInstanceAttribute through the real SDK client on the wire (strict): stop protection, which
 * DescribeInstances does not show, and the other attributes the model holds.
 */
import { DescribeInstanceAttributeCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimulatedAccount } from "../../../sim";
import { type SimServer, startSimServer } from "../../../sim/wire";
import { H, hibernationAccount } from "./hibernation-fixture";

let account: SimulatedAccount;
let server: SimServer;
let ec2c: EC2Client;

beforeAll(async () => {
  account = hibernationAccount();
  server = await startSimServer(account.dispatch, { control: account.control, strict: true });
  ec2c = new EC2Client({
    endpoint: server.url,
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDSIMULATED", secretAccessKey: "x" },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  ec2c.destroy();
  await server.close();
});

const attribute = (InstanceId: string, Attribute: string) =>
  ec2c.send(new DescribeInstanceAttributeCommand({ InstanceId, Attribute: Attribute as "disableApiStop" }));

describe("DescribeInstanceAttribute", () => {
  it("disableApiStop: the stop protection StopInstances honours", async () => {
    expect(await attribute(H.protected, "disableApiStop")).toMatchObject({
      InstanceId: H.protected,
      DisableApiStop: { Value: true },
    });
    expect((await attribute(H.onDemand, "disableApiStop")).DisableApiStop).toEqual({ Value: false });
  });

  it("instanceType, rootDeviceName, sourceDestCheck (the primary ENI's)", async () => {
    expect((await attribute(H.onDemand, "instanceType")).InstanceType).toEqual({ Value: "m5.large" });
    expect((await attribute(H.onDemand, "rootDeviceName")).RootDeviceName).toEqual({ Value: "/dev/xvda" });
    expect((await attribute(H.onDemand, "sourceDestCheck")).SourceDestCheck).toEqual({ Value: true });
  });

  it("an unknown instance is InvalidInstanceID.NotFound; an unknown attribute InvalidParameterValue", async () => {
    await expect(attribute("i-0fffffffffffffff0", "disableApiStop")).rejects.toMatchObject({
      name: "InvalidInstanceID.NotFound",
    });
    await expect(attribute(H.onDemand, "colour")).rejects.toMatchObject({ name: "InvalidParameterValue" });
  });
});
