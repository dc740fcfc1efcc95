/**
 * DescribeVolumes of the instances' EBS root volumes, through the real SDK client on the wire (strict: every
 * output member must be in the SDK's schema). Hibernation prerequisites (EC2 User Guide): the root volume
 * is encrypted ("enforced at instance launch"), large enough for the RAM, of a supported type.
 */
import { DescribeVolumesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFixture, SimulatedAccount } from "../../../sim";
import { type SimServer, startSimServer } from "../../../sim/wire";
import { H, hibernationFixtureJson } from "./hibernation-fixture";

let server: SimServer;
let ec2c: EC2Client;

beforeAll(async () => {
  const json = hibernationFixtureJson();
  const basic = json.instances?.find((i) => i.id === H.basic);
  if (basic) basic.rootVolume = { sizeGiB: 30, volumeType: "io2" };
  const account = SimulatedAccount.fromFixture(parseFixture(json, "volumes"));
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

const rootOf = async (instanceId: string) =>
  (
    await ec2c.send(
      new DescribeVolumesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [instanceId] }] }),
    )
  ).Volumes ?? [];

describe("DescribeVolumes: the instances' root volumes", () => {
  it("defaults: gp3, encrypted and room for the RAM (8 GiB m5.large: 16 GiB) exactly when hibernation is configured", async () => {
    const [configured] = await rootOf(H.onDemand);
    const [plain] = await rootOf(H.protected);
    expect(configured).toMatchObject({ Size: 16, Encrypted: true, VolumeType: "gp3", State: "in-use" });
    expect(configured?.Attachments?.[0]).toMatchObject({ InstanceId: H.onDemand, State: "attached" });
    expect(plain).toMatchObject({ Size: 8, Encrypted: false });
  });

  it("the fixture's rootVolume, and none for an instance store root", async () => {
    expect(await rootOf(H.basic)).toMatchObject([{ Size: 30, VolumeType: "io2", Encrypted: true }]);
    expect(await rootOf(H.storeRoot)).toEqual([]);
  });

  it("by id; an unknown id is InvalidVolume.NotFound", async () => {
    const [volume] = await rootOf(H.onDemand);
    const byId = await ec2c.send(new DescribeVolumesCommand({ VolumeIds: [volume?.VolumeId ?? ""] }));
    expect(byId.Volumes?.map((v) => v.VolumeId)).toEqual([volume?.VolumeId]);
    await expect(
      ec2c.send(new DescribeVolumesCommand({ VolumeIds: ["vol-0123456789abcdef0"] })),
    ).rejects.toMatchObject({ name: "InvalidVolume.NotFound" });
  });

  it("a fixture refuses an unencrypted root volume with hibernation configured", () => {
    const json = hibernationFixtureJson();
    const configured = json.instances?.find((i) => i.id === H.onDemand);
    if (configured) configured.rootVolume = { encrypted: false };
    expect(() => parseFixture(json, "bad")).toThrow(/rootVolume\.encrypted/);
  });
});
