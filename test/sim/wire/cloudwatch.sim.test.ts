import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  type DescribeAlarmsOutput,
  LimitExceededFault,
  PutMetricAlarmCommand,
  ResourceNotFound,
} from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SimAwsError } from "../../../sim/types";
import type { SimServer } from "../../../sim/wire";
import {
  authHeader,
  body,
  clientConfig,
  output,
  rejection,
  type StubAccount,
  startStubServer,
} from "./helpers";

let server: SimServer;
let account: StubAccount;
let cw: CloudWatchClient;

beforeAll(async () => {
  ({ server, account } = await startStubServer());
  cw = new CloudWatchClient(clientConfig(server, "eu-central-1"));
});
afterAll(async () => {
  cw.destroy();
  await server.close();
});
beforeEach(() => account.reset());

const ALARMS: DescribeAlarmsOutput = {
  MetricAlarms: [
    {
      AlarmName: "idle-i-1",
      AlarmArn: "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:idle-i-1",
      AlarmDescription: "CPU idle for an hour",
      AlarmConfigurationUpdatedTimestamp: new Date("2026-11-01T00:00:00.000Z"),
      ActionsEnabled: true,
      OKActions: [],
      AlarmActions: ["arn:aws:sns:eu-central-1:123456789012:ops"],
      InsufficientDataActions: [],
      StateValue: "ALARM",
      StateReason:
        "Threshold Crossed: 12 datapoints [0.5 (21/11/26 10:00:00)] were less than the threshold (2.5).",
      StateReasonData: '{"version":"1.0","queryDate":"2026-11-21T10:15:30.123+0000"}',
      StateUpdatedTimestamp: new Date("2026-11-21T10:15:30.123Z"),
      StateTransitionedTimestamp: new Date("2026-11-21T10:15:30.123Z"),
      MetricName: "CPUUtilization",
      Namespace: "AWS/EC2",
      Statistic: "Average",
      Dimensions: [{ Name: "InstanceId", Value: "i-1" }],
      Period: 300,
      EvaluationPeriods: 12,
      DatapointsToAlarm: 12,
      Threshold: 2.5,
      ComparisonOperator: "LessThanThreshold",
      TreatMissingData: "notBreaching",
    },
  ],
  CompositeAlarms: [],
};

describe("CloudWatch (awsJson1_0, query-compatible) round trips through the real CloudWatchClient", () => {
  it("DescribeAlarms: Dimensions, timestamps with milliseconds as Dates, numbers", async () => {
    account.on("monitoring:DescribeAlarms", (input) => {
      expect(input).toStrictEqual({
        AlarmNames: ["idle-i-1", "idle-i-2"],
        AlarmTypes: ["MetricAlarm"],
        StateValue: "ALARM",
        MaxRecords: 100,
      });
      return output(ALARMS);
    });
    const res = await cw.send(
      new DescribeAlarmsCommand({
        AlarmNames: ["idle-i-1", "idle-i-2"],
        AlarmTypes: ["MetricAlarm"],
        StateValue: "ALARM",
        MaxRecords: 100,
      }),
    );
    expect(body(res)).toStrictEqual(ALARMS);
    const alarm = res.MetricAlarms?.[0];
    expect(alarm?.StateUpdatedTimestamp).toBeInstanceOf(Date);
    expect(alarm?.StateUpdatedTimestamp?.toISOString()).toBe("2026-11-21T10:15:30.123Z");
    expect(alarm?.Threshold).toBe(2.5);
    const { ctx } = account.only();
    expect(ctx).toMatchObject({ service: "monitoring", operation: "DescribeAlarms", region: "eu-central-1" });
    expect(res.$metadata.requestId).toBe(ctx.requestId);
  });

  it("PutMetricAlarm: Dimensions, Tags, numbers and booleans decode with their JS types", async () => {
    const request = {
      AlarmName: "idle-i-1",
      AlarmDescription: "idle",
      ActionsEnabled: false,
      AlarmActions: ["arn:aws:swf:eu-central-1:123456789012:action/actions/AWS_EC2.InstanceId.Stop/1.0"],
      MetricName: "CPUUtilization",
      Namespace: "AWS/EC2",
      Statistic: "Maximum" as const,
      Dimensions: [
        { Name: "InstanceId", Value: "i-1" },
        { Name: "AutoScalingGroupName", Value: "grp" },
      ],
      Period: 60,
      EvaluationPeriods: 60,
      DatapointsToAlarm: 55,
      Threshold: 0.5,
      ComparisonOperator: "LessThanOrEqualToThreshold" as const,
      TreatMissingData: "missing",
      Tags: [
        { Key: "ops:managed-by", Value: "ops-toolkit" },
        { Key: "ops:hibernate", Value: "idle" },
      ],
    };
    account.on("monitoring:PutMetricAlarm", (input) => {
      expect(input).toStrictEqual(request);
      return {};
    });
    const res = await cw.send(new PutMetricAlarmCommand(request));
    expect(body(res)).toStrictEqual({});
  });

  it("DeleteAlarms", async () => {
    account.on("monitoring:DeleteAlarms", (input) => {
      expect(input).toStrictEqual({ AlarmNames: ["a", "b"] });
      return {};
    });
    const res = await cw.send(new DeleteAlarmsCommand({ AlarmNames: ["a", "b"] }));
    expect(res.$metadata.httpStatusCode).toBe(200);
  });

  it("ResourceNotFound (404) surfaces as the modelled exception with Code and Type", async () => {
    account.on("monitoring:DeleteAlarms", () => {
      throw new SimAwsError("ResourceNotFound", "Alarm a does not exist", 404);
    });
    const err = await rejection(cw.send(new DeleteAlarmsCommand({ AlarmNames: ["a"] })));
    expect(err).toBeInstanceOf(ResourceNotFound);
    expect(err.name).toBe("ResourceNotFound");
    expect(err.message).toBe("Alarm a does not exist");
    expect(err.Code).toBe("ResourceNotFound");
    expect(err.Type).toBe("Sender");
    expect(err.Error).toMatchObject({
      Code: "ResourceNotFound",
      Type: "Sender",
      Message: "Alarm a does not exist",
    });
    expect(err.$metadata).toMatchObject({ httpStatusCode: 404, requestId: account.only().ctx.requestId });
  });

  it("a query error code (LimitExceeded) maps to its shape (LimitExceededFault), as from real CloudWatch", async () => {
    account.on("monitoring:PutMetricAlarm", () => {
      throw new SimAwsError("LimitExceeded", "The maximum number of alarms has been reached.", 400);
    });
    const err = await rejection(
      cw.send(
        new PutMetricAlarmCommand({
          AlarmName: "x",
          EvaluationPeriods: 1,
          ComparisonOperator: "GreaterThanThreshold",
        }),
      ),
    );
    expect(err).toBeInstanceOf(LimitExceededFault);
    expect(err.name).toBe("LimitExceededFault");
    expect(err.Code).toBe("LimitExceeded");
  });

  it("Throttling (400) is retried by the SDK, and surfaces with its name when attempts run out", async () => {
    const retrying = new CloudWatchClient(clientConfig(server, "eu-central-1", 2));
    account.on("monitoring:DescribeAlarms", (_input, _ctx, attempt) => {
      if (attempt === 1) throw new SimAwsError("Throttling", "Rate exceeded", 400);
      return output({ MetricAlarms: [] });
    });
    const ok = await retrying.send(new DescribeAlarmsCommand({}));
    expect(ok.MetricAlarms).toStrictEqual([]);
    expect(ok.$metadata.attempts).toBe(2);
    expect(account.calls).toHaveLength(2);
    retrying.destroy();

    account.reset();
    account.on("monitoring:DescribeAlarms", () => {
      throw new SimAwsError("Throttling", "Rate exceeded", 400);
    });
    const err = await rejection(cw.send(new DescribeAlarmsCommand({})));
    expect(err.name).toBe("Throttling");
    expect(err.Code).toBe("Throttling");
    expect(err.message).toBe("Rate exceeded");
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400 });
  });

  it("also answers the legacy awsQuery form of the API (form in, XML out)", async () => {
    account.on("monitoring:DescribeAlarms", (input) => {
      expect(input).toStrictEqual({ AlarmNames: ["a"], MaxRecords: 5 });
      return output({
        MetricAlarms: [
          { AlarmName: "a", Threshold: 1.5, Dimensions: [{ Name: "InstanceId", Value: "i-1" }] },
        ],
      });
    });
    const res = await fetch(server.url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        authorization: authHeader("monitoring"),
      },
      body: "Action=DescribeAlarms&Version=2010-08-01&AlarmNames.member.1=a&MaxRecords=5",
    });
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toContain('<DescribeAlarmsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">');
    expect(xml).toContain(
      "<DescribeAlarmsResult><MetricAlarms><member><AlarmName>a</AlarmName><Dimensions><member><Name>InstanceId</Name><Value>i-1</Value></member></Dimensions><Threshold>1.5</Threshold></member></MetricAlarms></DescribeAlarmsResult>",
    );
  });
});
