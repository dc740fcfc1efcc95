/**
 * The issue-12 shapes through the real SDK clients on the wire (strict: every output member must be
 * in the SDK's schema): instance and instance type fields, StopInstances refusals, metric-math alarms,
 * alarm actions, tags and GetMetricData on instance metrics.
 */
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  DisableAlarmActionsCommand,
  GetMetricDataCommand,
  ListTagsForResourceCommand,
  PutMetricAlarmCommand,
  TagResourceCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  EC2Client,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimulatedAccount } from "../../../sim";
import { type SimServer, startSimServer } from "../../../sim/wire";
import { H, hibernationAccount, START_MS } from "./hibernation-fixture";

let account: SimulatedAccount;
let server: SimServer;
let ec2c: EC2Client;
let cwc: CloudWatchClient;

beforeAll(async () => {
  account = hibernationAccount();
  server = await startSimServer(account.dispatch, { control: account.control, strict: true });
  const config = {
    endpoint: server.url,
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDSIMULATED", secretAccessKey: "x" },
    maxAttempts: 1,
  };
  ec2c = new EC2Client(config);
  cwc = new CloudWatchClient(config);
});
afterAll(async () => {
  ec2c.destroy();
  cwc.destroy();
  await server.close();
});

async function rejectionOf(p: Promise<unknown>): Promise<{ name?: string; Code?: string; message?: string }> {
  return p.then(
    () => ({}),
    (e: unknown) => e as { name?: string; Code?: string; message?: string },
  );
}

describe("issue-12 shapes on the wire", () => {
  it("DescribeInstances carries root device, block devices, capacity, Spot, operator fields", async () => {
    const r = await ec2c.send(
      new DescribeInstancesCommand({ InstanceIds: [H.storeRoot, H.reserved, H.spotPersistent, H.managed] }),
    );
    const byId = new Map(r.Reservations?.flatMap((x) => x.Instances ?? []).map((i) => [i.InstanceId, i]));
    expect(byId.get(H.storeRoot)).toMatchObject({
      RootDeviceType: "instance-store",
      BlockDeviceMappings: [],
    });
    expect(byId.get(H.reserved)).toMatchObject({
      CapacityReservationId: H.reservation,
      CapacityReservationSpecification: { CapacityReservationPreference: "open" },
      BlockDeviceMappings: [
        { DeviceName: "/dev/xvda", Ebs: { Status: "attached", DeleteOnTermination: true } },
      ],
    });
    expect(byId.get(H.spotPersistent)).toMatchObject({ InstanceLifecycle: "spot" });
    expect(byId.get(H.managed)?.Operator).toEqual({ Managed: true, Principal: "eks.amazonaws.com" });
  });

  it("DescribeInstanceTypes carries InstanceStorageInfo", async () => {
    const r = await ec2c.send(new DescribeInstanceTypesCommand({ InstanceTypes: ["i3.large"] }));
    expect(r.InstanceTypes?.[0]).toMatchObject({
      InstanceStorageSupported: true,
      InstanceStorageInfo: { TotalSizeInGB: 475, Disks: [{ Count: 1, SizeInGB: 475, Type: "ssd" }] },
    });
  });

  it("StopInstances refusals reach the SDK with their code", async () => {
    const spot = await rejectionOf(ec2c.send(new StopInstancesCommand({ InstanceIds: [H.spotOneTime] })));
    expect(spot).toMatchObject({ name: "UnsupportedOperation" });
    expect(spot.message).toContain("one-time Spot Instance request");
    const store = await rejectionOf(
      ec2c.send(new StopInstancesCommand({ InstanceIds: [H.storeRoot], Hibernate: true })),
    );
    expect(store.name).toBe("UnsupportedOperation");
  });

  it("metric-math alarm, DisableAlarmActions, TagResource, GetMetricData", async () => {
    await cwc.send(
      new PutMetricAlarmCommand({
        AlarmName: "wire-idle",
        EvaluationPeriods: 3,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        Metrics: [
          {
            Id: "cpu",
            ReturnData: false,
            MetricStat: {
              Metric: {
                Namespace: "AWS/EC2",
                MetricName: "CPUUtilization",
                Dimensions: [{ Name: "InstanceId", Value: H.basic }],
              },
              Period: 300,
              Stat: "Average",
            },
          },
          { Id: "idle", Expression: "IF(cpu < 10, 1, 0)", ReturnData: true },
        ],
      }),
    );
    await cwc.send(new DisableAlarmActionsCommand({ AlarmNames: ["wire-idle"] }));
    const arn = "arn:aws:cloudwatch:eu-west-1:444455556666:alarm:wire-idle";
    await cwc.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: "k", Value: "v" }] }));
    expect((await cwc.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([
      { Key: "k", Value: "v" },
    ]);
    account.advance(5 * 60_000);
    const alarms = await cwc.send(new DescribeAlarmsCommand({ AlarmNames: ["wire-idle"] }));
    expect(alarms.MetricAlarms?.[0]).toMatchObject({ StateValue: "ALARM", ActionsEnabled: false });
    const bad = await rejectionOf(
      cwc.send(
        new PutMetricAlarmCommand({
          AlarmName: "wire-bad",
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: "GreaterThanThreshold",
          Metrics: [{ Id: "e1", Expression: "NOPE(1)", ReturnData: true }],
        }),
      ),
    );
    expect(bad).toMatchObject({
      Code: "ValidationError",
      message: "Error in expression 'e1': Function 'NOPE' not found",
    });
    const data = await cwc.send(
      new GetMetricDataCommand({
        StartTime: new Date(START_MS - 10 * 60_000),
        EndTime: new Date(START_MS),
        MetricDataQueries: [
          {
            Id: "m",
            MetricStat: {
              Metric: {
                Namespace: "AWS/EC2",
                MetricName: "NetworkIn",
                Dimensions: [{ Name: "InstanceId", Value: H.basic }],
              },
              Period: 300,
              Stat: "Sum",
            },
          },
        ],
      }),
    );
    expect(data.MetricDataResults?.[0]?.Values).toEqual([30_000, 30_000]);
  });
});
