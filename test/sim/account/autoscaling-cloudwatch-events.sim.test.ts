import type { AutoScalingGroupsType, AutoScalingInstancesType } from "@aws-sdk/client-auto-scaling";
import type { DescribeAlarmsOutput, ListTagsForResourceOutput } from "@aws-sdk/client-cloudwatch";
import type { PutEventsResponse } from "@aws-sdk/client-eventbridge";
import { describe, expect, it } from "vitest";
import type { SimulatedAccount } from "../../../sim";
import { asg, awsError, cw, DEMO, demoAccount, ec2, events } from "./helpers";

const IDLE_ALARM = {
  AlarmName: "ops-idle-i-0123456789abcdef7",
  Namespace: "AWS/EC2",
  MetricName: "CPUUtilization",
  Dimensions: [{ Name: "InstanceId", Value: DEMO.asgOther }],
  Statistic: "Average",
  Period: 300,
  EvaluationPeriods: 3,
  DatapointsToAlarm: 3,
  Threshold: 10,
  ComparisonOperator: "LessThanThreshold",
  Tags: [{ Key: "ops:capability", Value: "idle-hibernate" }],
};

async function alarmNames(a: SimulatedAccount, input: Record<string, unknown>): Promise<string[]> {
  const r = await cw<DescribeAlarmsOutput>(a, "DescribeAlarms", input);
  return [...(r.MetricAlarms ?? []), ...(r.CompositeAlarms ?? [])].map((x) => x.AlarmName ?? "");
}

describe("Auto Scaling", () => {
  it("DescribeAutoScalingInstances answers members only; non-members are simply absent", async () => {
    const a = demoAccount();
    const r = await asg<AutoScalingInstancesType>(a, "DescribeAutoScalingInstances", {
      InstanceIds: [DEMO.happy, DEMO.asgMember, "i-0000000000000000a"],
    });
    expect(r.AutoScalingInstances).toEqual([
      {
        InstanceId: DEMO.asgMember,
        InstanceType: "t3.medium",
        AutoScalingGroupName: "web-asg",
        AvailabilityZone: "us-east-1a",
        LifecycleState: "InService",
        HealthStatus: "HEALTHY",
        LaunchTemplate: {
          LaunchTemplateId: "lt-0a1b2c3d4e5f60718",
          LaunchTemplateName: "web",
          Version: "$Default",
        },
        ProtectedFromScaleIn: false,
      },
    ]);
    const none = await asg<AutoScalingInstancesType>(a, "DescribeAutoScalingInstances", {
      InstanceIds: [DEMO.happy],
    });
    expect(none.AutoScalingInstances).toEqual([]);
    await awsError(
      asg(a, "DescribeAutoScalingInstances", {
        InstanceIds: Array.from({ length: 51 }, (_, i) => `i-${String(i).padStart(17, "0")}`),
      }),
      "ValidationError",
    );
  });

  it("DescribeAutoScalingGroups answers the group with instances, tags and health", async () => {
    const a = demoAccount();
    await ec2(a, "StopInstances", { InstanceIds: [DEMO.asgOther] });
    const r = await asg<AutoScalingGroupsType>(a, "DescribeAutoScalingGroups", {
      AutoScalingGroupNames: ["web-asg"],
    });
    const g = r.AutoScalingGroups?.[0];
    expect(g).toMatchObject({
      AutoScalingGroupName: "web-asg",
      MinSize: 2,
      MaxSize: 4,
      DesiredCapacity: 2,
      AvailabilityZones: ["us-east-1a", "us-east-1b"],
      VPCZoneIdentifier: `${DEMO.subnetA},${DEMO.subnetB}`,
      HealthCheckType: "EC2",
    });
    expect(g?.AutoScalingGroupARN).toMatch(
      /^arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:[0-9a-f-]{36}:autoScalingGroupName\/web-asg$/,
    );
    expect(g?.Instances?.map((i) => [i.InstanceId, i.HealthStatus])).toEqual([
      [DEMO.asgMember, "Healthy"],
      [DEMO.asgOther, "Unhealthy"],
    ]);
    expect(g?.Tags).toEqual([
      {
        ResourceId: "web-asg",
        ResourceType: "auto-scaling-group",
        Key: "Name",
        Value: "web",
        PropagateAtLaunch: true,
      },
    ]);
    const byTag = await asg<AutoScalingGroupsType>(a, "DescribeAutoScalingGroups", {
      Filters: [{ Name: "tag:Name", Values: ["nope"] }],
    });
    expect(byTag.AutoScalingGroups).toEqual([]);
  });
});

describe("CloudWatch DescribeAlarms", () => {
  it("filters by prefix and state; metric alarms only unless AlarmTypes says otherwise", async () => {
    const a = demoAccount();
    const idle = await alarmNames(a, { AlarmNamePrefix: "ops-idle-" });
    expect(idle).toHaveLength(8);
    expect(idle).toContain(`ops-idle-${DEMO.happy}`);
    expect(await alarmNames(a, { AlarmNamePrefix: "ops-idle-", StateValue: "ALARM" })).toHaveLength(8);
    expect(await alarmNames(a, { StateValue: "INSUFFICIENT_DATA" })).toEqual(["my-alarm-name"]);
    expect(await alarmNames(a, { StateValue: "OK" })).toEqual([
      "EC2 CPU Utilization Anomaly",
      "ServiceMaintenanceAlarm",
    ]);
    expect(await alarmNames(a, { AlarmNames: ["ServiceAggregatedAlarm"] })).toEqual([]);
    expect(
      await alarmNames(a, { AlarmNames: ["ServiceAggregatedAlarm"], AlarmTypes: ["CompositeAlarm"] }),
    ).toEqual(["ServiceAggregatedAlarm"]);
    expect(await alarmNames(a, { AlarmNames: ["ServerCpuTooHigh", "nope"] })).toEqual(["ServerCpuTooHigh"]);
  });

  it("answers MetricAlarm fields as the SDK types them", async () => {
    const r = await cw<DescribeAlarmsOutput>(demoAccount(), "DescribeAlarms", {
      AlarmNames: [`ops-idle-${DEMO.happy}`],
    });
    expect(r.MetricAlarms?.[0]).toMatchObject({
      AlarmName: `ops-idle-${DEMO.happy}`,
      AlarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:ops-idle-${DEMO.happy}`,
      StateValue: "ALARM",
      Namespace: "AWS/EC2",
      MetricName: "CPUUtilization",
      Dimensions: [{ Name: "InstanceId", Value: DEMO.happy }],
      Statistic: "Average",
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 10,
      ComparisonOperator: "LessThanThreshold",
    });
    expect(r.MetricAlarms?.[0]?.StateUpdatedTimestamp).toEqual(new Date("2019-10-02T17:20:00.000Z"));
    expect(r.CompositeAlarms).toEqual([]);
  });

  it("paginates with MaxRecords/NextToken and validates its parameters", async () => {
    const a = demoAccount();
    const first = await cw<DescribeAlarmsOutput>(a, "DescribeAlarms", {
      AlarmNamePrefix: "ops-idle-",
      MaxRecords: 5,
    });
    expect(first.MetricAlarms).toHaveLength(5);
    const second = await cw<DescribeAlarmsOutput>(a, "DescribeAlarms", {
      AlarmNamePrefix: "ops-idle-",
      MaxRecords: 5,
      NextToken: first.NextToken,
    });
    expect(second.MetricAlarms).toHaveLength(3);
    expect(second.NextToken).toBeUndefined();
    await awsError(cw(a, "DescribeAlarms", { NextToken: "bogus" }), "InvalidNextToken");
    await awsError(cw(a, "DescribeAlarms", { StateValue: "BROKEN" }), "ValidationError");
    await awsError(
      cw(a, "DescribeAlarms", { AlarmNames: ["x"], AlarmNamePrefix: "y" }),
      "InvalidParameterCombination",
    );
  });

  it("ChildrenOfAlarmName / ParentsOfAlarmName follow composite alarm rules", async () => {
    const a = demoAccount();
    expect(await alarmNames(a, { ChildrenOfAlarmName: "ServiceAggregatedAlarm" })).toEqual([
      "ServerCpuTooHigh",
      "TotalNetworkTrafficTooHigh",
    ]);
    expect(await alarmNames(a, { ParentsOfAlarmName: "ServerCpuTooHigh" })).toEqual([
      "ServiceAggregatedAlarm",
    ]);
    await awsError(
      cw(a, "DescribeAlarms", { ParentsOfAlarmName: "ServerCpuTooHigh", StateValue: "OK" }),
      "ValidationError",
    );
  });
});

describe("CloudWatch PutMetricAlarm / DeleteAlarms / SetAlarmState / ListTagsForResource", () => {
  it("creates an alarm in INSUFFICIENT_DATA with its tags", async () => {
    const a = demoAccount();
    await cw(a, "PutMetricAlarm", IDLE_ALARM);
    const r = await cw<DescribeAlarmsOutput>(a, "DescribeAlarms", { AlarmNames: [IDLE_ALARM.AlarmName] });
    expect(r.MetricAlarms?.[0]).toMatchObject({
      StateValue: "INSUFFICIENT_DATA",
      StateReason: "Unchecked: Initial alarm creation",
      Threshold: 10,
      ActionsEnabled: true,
    });
    expect(r.MetricAlarms?.[0]?.StateUpdatedTimestamp).toEqual(a.clock.now());
    const tags = await cw<ListTagsForResourceOutput>(a, "ListTagsForResource", {
      ResourceARN: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${IDLE_ALARM.AlarmName}`,
    });
    expect(tags.Tags).toEqual([{ Key: "ops:capability", Value: "idle-hibernate" }]);
  });

  it("updates in place: configuration overwritten, state kept, Tags ignored", async () => {
    const a = demoAccount();
    const name = `ops-idle-${DEMO.happy}`;
    await cw(a, "PutMetricAlarm", {
      ...IDLE_ALARM,
      AlarmName: name,
      Dimensions: [{ Name: "InstanceId", Value: DEMO.happy }],
      Threshold: 5,
      Tags: [{ Key: "new", Value: "ignored" }],
    });
    const r = await cw<DescribeAlarmsOutput>(a, "DescribeAlarms", { AlarmNames: [name] });
    expect(r.MetricAlarms?.[0]).toMatchObject({ StateValue: "ALARM", Threshold: 5 });
    expect(r.MetricAlarms?.[0]?.AlarmConfigurationUpdatedTimestamp).toEqual(a.clock.now());
    const tags = await cw<ListTagsForResourceOutput>(a, "ListTagsForResource", {
      ResourceARN: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
    });
    expect(tags.Tags).toEqual([
      { Key: "ops:managed-by", Value: "ops-toolkit" },
      { Key: "ops:capability", Value: "idle-hibernate" },
    ]);
  });

  it("validates like CloudWatch: Period must not be null, required members, valid periods, Metrics exclusivity", async () => {
    const a = demoAccount();
    const { Period: _period, ...noPeriod } = IDLE_ALARM;
    const e = await awsError(cw(a, "PutMetricAlarm", noPeriod), "ValidationError", 400);
    expect(e.message).toBe("Period must not be null");
    const { ComparisonOperator: _c, ...noComparison } = IDLE_ALARM;
    const missing = await awsError(cw(a, "PutMetricAlarm", noComparison), "ValidationError");
    expect(missing.message).toMatch(
      /Value null at 'comparisonOperator' failed to satisfy constraint: Member must not be null/,
    );
    await awsError(cw(a, "PutMetricAlarm", { ...IDLE_ALARM, Period: 45 }), "ValidationError");
    await awsError(
      cw(a, "PutMetricAlarm", { ...IDLE_ALARM, Period: 3600, EvaluationPeriods: 200 }),
      "ValidationError",
    );
    await awsError(cw(a, "PutMetricAlarm", { ...IDLE_ALARM, DatapointsToAlarm: 4 }), "ValidationError");
    await awsError(
      cw(a, "PutMetricAlarm", { ...IDLE_ALARM, ComparisonOperator: "Bigger" }),
      "ValidationError",
    );
    await awsError(
      cw(a, "PutMetricAlarm", { ...IDLE_ALARM, Metrics: [{ Id: "m1", Expression: "SUM(METRICS())" }] }),
      "ValidationError",
    );
    await awsError(cw(a, "PutMetricAlarm", { ...IDLE_ALARM, AlarmName: undefined }), "ValidationError");
    expect(a.snapshot().alarms[IDLE_ALARM.AlarmName]).toBeUndefined();
    await cw(a, "PutMetricAlarm", { ...IDLE_ALARM, Period: 10, EvaluationPeriods: 3 });
  });

  it("DeleteAlarms: unknown names are not an error; a child of a composite cannot be deleted", async () => {
    const a = demoAccount();
    await cw(a, "DeleteAlarms", { AlarmNames: [`ops-idle-${DEMO.happy}`, "does-not-exist"] });
    expect(await alarmNames(a, { AlarmNames: [`ops-idle-${DEMO.happy}`] })).toEqual([]);
    const e = await awsError(cw(a, "DeleteAlarms", { AlarmNames: ["ServerCpuTooHigh"] }), "ValidationError");
    expect(e.message).toBe("Cannot delete ServerCpuTooHigh as there are composite alarm(s) depending on it.");
    await cw(a, "DeleteAlarms", { AlarmNames: ["ServiceAggregatedAlarm", "ServerCpuTooHigh"] });
    expect(await alarmNames(a, { AlarmNames: ["ServerCpuTooHigh"] })).toEqual([]);
  });

  it("SetAlarmState changes the state and emits the CloudWatch Alarm State Change event", async () => {
    const a = demoAccount();
    await cw(a, "PutMetricAlarm", IDLE_ALARM);
    a.clock.advance(60_000);
    await cw(a, "SetAlarmState", {
      AlarmName: IDLE_ALARM.AlarmName,
      StateValue: "ALARM",
      StateReason: "test",
      StateReasonData: "{}",
    });
    const event = a.serviceEvents.at(-1);
    expect(event).toMatchObject({
      version: "0",
      source: "aws.cloudwatch",
      "detail-type": "CloudWatch Alarm State Change",
      account: "123456789012",
      region: "us-east-1",
      time: "2019-10-02T17:22:00Z",
      resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${IDLE_ALARM.AlarmName}`],
      detail: {
        alarmName: IDLE_ALARM.AlarmName,
        state: {
          value: "ALARM",
          reason: "test",
          reasonData: "{}",
          timestamp: "2019-10-02T17:22:00.000+0000",
        },
        previousState: { value: "INSUFFICIENT_DATA", reason: "Unchecked: Initial alarm creation" },
        configuration: {
          metrics: [
            {
              metricStat: {
                metric: {
                  dimensions: { InstanceId: DEMO.asgOther },
                  name: "CPUUtilization",
                  namespace: "AWS/EC2",
                },
                period: 300,
                stat: "Average",
              },
              returnData: true,
            },
          ],
        },
      },
    });
    const count = a.serviceEvents.length;
    await cw(a, "SetAlarmState", {
      AlarmName: IDLE_ALARM.AlarmName,
      StateValue: "ALARM",
      StateReason: "again",
    });
    expect(a.serviceEvents).toHaveLength(count);
    await awsError(
      cw(a, "SetAlarmState", { AlarmName: "nope", StateValue: "OK", StateReason: "x" }),
      "ResourceNotFound",
      404,
    );
    await awsError(
      cw(a, "SetAlarmState", {
        AlarmName: IDLE_ALARM.AlarmName,
        StateValue: "OK",
        StateReason: "x",
        StateReasonData: "{",
      }),
      "InvalidFormat",
    );
  });

  it("ListTagsForResource answers ResourceNotFoundException for an unknown alarm", async () => {
    const a = demoAccount();
    await awsError(
      cw(a, "ListTagsForResource", { ResourceARN: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:nope" }),
      "ResourceNotFoundException",
      404,
    );
    await awsError(cw(a, "ListTagsForResource", { ResourceARN: "not-an-arn" }), "InvalidParameterValue");
  });
});

describe("EventBridge PutEvents", () => {
  const entry = {
    Source: "ops-toolkit.idle-hibernate",
    DetailType: "Instance Hibernated",
    Detail: '{"instanceId":"i-0123456789abcdef0"}',
  };

  it("records accepted entries and answers an EventId each", async () => {
    const a = demoAccount();
    const r = await events<PutEventsResponse>(a, "PutEvents", {
      Entries: [entry, { ...entry, EventBusName: "default" }],
    });
    expect(r.FailedEntryCount).toBe(0);
    expect(r.Entries?.map((e) => e.EventId)).toEqual([
      expect.stringMatching(/^[0-9a-f-]{36}$/),
      expect.stringMatching(/^[0-9a-f-]{36}$/),
    ]);
    expect(a.publishedEvents).toEqual([entry, { ...entry, EventBusName: "default" }]);
    expect(a.snapshot().publishedEvents[0]).toMatchObject({
      Source: entry.Source,
      EventBusName: "default",
      At: "2019-10-02T17:21:00.000Z",
    });
  });

  it("answers per-entry errors for missing Source/DetailType/Detail and malformed Detail", async () => {
    const a = demoAccount();
    const r = await events<PutEventsResponse>(a, "PutEvents", {
      Entries: [
        { DetailType: "x", Detail: "{}" },
        { Source: "s", Detail: "{}" },
        { Source: "s", DetailType: "x" },
        { Source: "s", DetailType: "x", Detail: "[1]" },
        { Source: "aws.ec2", DetailType: "x", Detail: "{}" },
        entry,
      ],
    });
    expect(r.FailedEntryCount).toBe(5);
    expect(r.Entries?.slice(0, 5)).toEqual([
      {
        ErrorCode: "InvalidArgument",
        ErrorMessage: "Parameter Source is not valid. Reason: Source is a required argument.",
      },
      {
        ErrorCode: "InvalidArgument",
        ErrorMessage: "Parameter DetailType is not valid. Reason: DetailType is a required argument.",
      },
      {
        ErrorCode: "InvalidArgument",
        ErrorMessage: "Parameter Detail is not valid. Reason: Detail is a required argument.",
      },
      { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." },
      { ErrorCode: "NotAuthorizedForSourceException", ErrorMessage: "Not authorized for the source." },
    ]);
    expect(r.Entries?.[5]?.EventId).toBeDefined();
    expect(a.publishedEvents).toHaveLength(1);
  });

  it("rejects more than 10 entries (or none) with ValidationException, recording nothing", async () => {
    const a = demoAccount();
    const e = await awsError(
      events(a, "PutEvents", { Entries: Array.from({ length: 11 }, () => entry) }),
      "ValidationException",
      400,
    );
    expect(e.message).toMatch(/Member must have length less than or equal to 10/);
    await awsError(events(a, "PutEvents", { Entries: [] }), "ValidationException");
    await awsError(events(a, "PutEvents", {}), "ValidationException");
    expect(a.publishedEvents).toEqual([]);
  });
});
