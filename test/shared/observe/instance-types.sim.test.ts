/**
 * Instance-type facts are described once per client (a warm container) and by the `instance-type`
 * filter: a type the Region does not know is absent (never cached) instead of failing the read, so
 * eni-reattach's network limits no longer fail on one unknown type.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadNetworkLimits } from "../../../shared/observe/attachments";
import { describeInstanceTypes } from "../../../shared/observe/loaders";
import type { SimulatedAccount } from "../../../sim";
import { type SimServer, startSimServer } from "../../../sim/wire";
import { demoAccount } from "../../sim/account/helpers";

let account: SimulatedAccount;
let server: SimServer;

beforeAll(async () => {
  account = demoAccount();
  server = await startSimServer(account.dispatch, { control: account.control, strict: true });
});
afterAll(async () => {
  await server.close();
});

const client = () =>
  new EC2Client({
    endpoint: server.url,
    region: account.region,
    credentials: { accessKeyId: "AKIDSIMULATED", secretAccessKey: "x" },
    maxAttempts: 1,
  });
const typeCalls = () => account.calls.filter((c) => c.operation === "DescribeInstanceTypes");

describe("describeInstanceTypes", () => {
  it("asks each known type once per client, by filter; an unknown type is absent and asked again", async () => {
    const ec2 = client();
    const before = typeCalls().length;
    const first = await describeInstanceTypes(ec2, ["m5.large", "x9.huge", "m5.large"]);
    expect([...first.keys()]).toEqual(["m5.large"]);
    const second = await describeInstanceTypes(ec2, ["m5.large", "x9.huge"]);
    expect(second.get("m5.large")).toBe(first.get("m5.large"));
    expect(
      typeCalls()
        .slice(before)
        .map((c) => c.input),
    ).toEqual([
      { Filters: [{ Name: "instance-type", Values: ["m5.large", "x9.huge"] }] },
      { Filters: [{ Name: "instance-type", Values: ["x9.huge"] }] },
    ]);
    await describeInstanceTypes(client(), ["m5.large"]);
    expect(typeCalls().length - before).toBe(3);
    ec2.destroy();
  });

  it("network limits: an unknown type is absent instead of failing the read (InvalidInstanceType)", async () => {
    const limits = await loadNetworkLimits(client(), ["m5.large", "x9.huge"]);
    expect([...limits.keys()]).toEqual(["m5.large"]);
    expect(limits.get("m5.large")?.maximumNetworkInterfaces).toBeGreaterThan(1);
  });
});
