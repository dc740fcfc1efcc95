/**
 * Every AWS-published CloudWatch alarm sample (EventBridge, Lambda alarm action, SNS) parses to the
 * exact normalised AlarmChange. Expected values are written out by hand from the sample files.
 */
import { describe, expect, it } from "vitest";
import { type AlarmChange, parseAlarmChanges, parseEvents } from "../../../shared/events";
import { sample } from "./helpers";

const at = (iso: string) => new Date(iso);

/** Parses with both entry points, checks they agree and returns the single AlarmChange. */
function parseOne(name: string): AlarmChange {
  const changes = parseAlarmChanges(sample(name));
  expect(parseEvents(sample(name))).toStrictEqual(changes);
  expect(changes).toHaveLength(1);
  const [change] = changes;
  if (change === undefined) return expect.fail("no AlarmChange");
  return change;
}

describe("EventBridge 'CloudWatch Alarm State Change' samples", () => {
  it("single metric (AWS/EC2 CPUUtilization, InstanceId), ALARM from OK", () => {
    expect(
      parseOne("cloudwatch-alarm-state-change.single-metric-ec2-instanceid.ALARM-from-OK.json"),
    ).toStrictEqual({
      kind: "alarm-change",
      shape: "eventbridge",
      eventId: "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
      alarmName: "ServerCpuTooHigh",
      alarmArn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh",
      accountId: "123456789012",
      region: "us-east-1",
      alarmType: "metric",
      state: {
        value: "ALARM",
        reason:
          "Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).",
        timestamp: at("2019-10-02T17:04:40.989Z"),
        reasonData: {
          version: "1.0",
          queryDate: "2019-10-02T17:04:40.985+0000",
          startDate: "2019-10-02T16:59:00.000+0000",
          statistic: "Average",
          period: 300,
          recentDatapoints: [99.50160229693434],
          threshold: 50,
        },
      },
      previousState: {
        value: "OK",
        reason:
          "Threshold Crossed: 1 out of the last 1 datapoints [0.0666851903306472 (01/10/19 13:46:00)] was not greater than the threshold (50.0) (minimum 1 datapoint for ALARM -> OK transition).",
        timestamp: at("2019-10-01T13:56:40.987Z"),
      },
      metrics: [
        {
          id: "30b6c6b2-a864-43a2-4877-c09a1afc3b87",
          namespace: "AWS/EC2",
          metricName: "CPUUtilization",
          dimensions: { InstanceId: "i-12345678901234567" },
          stat: "Average",
          period: 300,
          returnData: true,
        },
      ],
      time: at("2019-10-02T17:04:40.000Z"),
    });
  });

  it("metric math SUM(METRICS()) over NetworkIn + NetworkOut: every query, both metrics with their InstanceId", () => {
    const change = parseOne(
      "cloudwatch-alarm-state-change.metric-math-multi-metric.ALARM-from-INSUFFICIENT_DATA.json",
    );
    expect(change).toMatchObject({
      shape: "eventbridge",
      eventId: "2dde0eb1-528b-d2d5-9ca6-6d590caf2329",
      alarmName: "TotalNetworkTrafficTooHigh",
      alarmArn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:TotalNetworkTrafficTooHigh",
      accountId: "123456789012",
      region: "us-east-1",
      alarmType: "metric",
      time: at("2019-10-02T17:20:48Z"),
    });
    expect(change.state).toStrictEqual({
      value: "ALARM",
      reason:
        "Threshold Crossed: 1 out of the last 1 datapoints [45628.0 (02/10/19 17:10:00)] was greater than the threshold (10000.0) (minimum 1 datapoint for OK -> ALARM transition).",
      timestamp: at("2019-10-02T17:20:48.554Z"),
      reasonData: {
        version: "1.0",
        queryDate: "2019-10-02T17:20:48.551+0000",
        startDate: "2019-10-02T17:10:00.000+0000",
        period: 300,
        recentDatapoints: [45628],
        threshold: 10000,
      },
    });
    expect(change.previousState).toStrictEqual({
      value: "INSUFFICIENT_DATA",
      reason: "Unchecked: Initial alarm creation",
      timestamp: at("2019-10-02T17:20:03.642Z"),
    });
    expect(change.metrics).toStrictEqual([
      {
        id: "e1",
        dimensions: {},
        expression: "SUM(METRICS())",
        label: "Total Network Traffic",
        returnData: true,
      },
      {
        id: "m1",
        namespace: "AWS/EC2",
        metricName: "NetworkIn",
        dimensions: { InstanceId: "i-12345678901234567" },
        stat: "Maximum",
        period: 300,
        returnData: false,
      },
      {
        id: "m2",
        namespace: "AWS/EC2",
        metricName: "NetworkOut",
        dimensions: { InstanceId: "i-12345678901234567" },
        stat: "Maximum",
        period: 300,
        returnData: false,
      },
    ]);
  });

  it("anomaly detection band: the metric and the ANOMALY_DETECTION_BAND expression", () => {
    const change = parseOne("cloudwatch-alarm-state-change.anomaly-detection.ALARM-from-OK.json");
    expect(change).toMatchObject({
      eventId: "daafc9f1-bddd-c6c9-83af-74971fcfc4ef",
      alarmName: "EC2 CPU Utilization Anomaly",
      alarmArn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:EC2 CPU Utilization Anomaly",
      accountId: "123456789012",
      region: "us-east-1",
      alarmType: "metric",
      state: { value: "ALARM", timestamp: at("2019-10-03T16:00:04.653Z") },
      previousState: { value: "OK", timestamp: at("2019-10-03T15:59:04.672Z") },
      time: at("2019-10-03T16:00:04Z"),
    });
    expect(change.state.reasonData).toStrictEqual({
      version: "1.0",
      queryDate: "2019-10-03T16:00:04.650+0000",
      startDate: "2019-10-03T15:58:00.000+0000",
      period: 60,
      recentDatapoints: [0],
      recentLowerThresholds: [0.020599444741798756],
      recentUpperThresholds: [0.3006915352732461],
    });
    expect(change.metrics).toStrictEqual([
      {
        id: "m1",
        namespace: "AWS/EC2",
        metricName: "CPUUtilization",
        dimensions: { InstanceId: "i-12345678901234567" },
        stat: "Average",
        period: 60,
        returnData: true,
      },
      {
        id: "ad1",
        dimensions: {},
        expression: "ANOMALY_DETECTION_BAND(m1, 0.8)",
        label: "CPUUtilization (expected)",
        returnData: true,
      },
    ]);
  });

  it("composite alarm with actions suppressor: composite, no metrics, alarmRule, actionsSuppressedBy kept", () => {
    expect(
      parseOne("cloudwatch-alarm-state-change.composite-with-suppressor.ALARM-from-OK.json"),
    ).toStrictEqual({
      kind: "alarm-change",
      shape: "eventbridge",
      eventId: "d3dfc86d-384d-24c8-0345-9f7986db0b80",
      alarmName: "ServiceAggregatedAlarm",
      alarmArn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServiceAggregatedAlarm",
      accountId: "123456789012",
      region: "us-east-1",
      alarmType: "composite",
      state: {
        value: "ALARM",
        reason:
          "arn:aws:cloudwatch:us-east-1:123456789012:alarm:SuppressionDemo.EventBridge.FirstChild transitioned to ALARM at Friday 22 July, 2022 15:57:45 UTC",
        timestamp: at("2022-07-22T15:57:45.394Z"),
        reasonData: {
          triggeringAlarms: [
            {
              arn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh",
              state: { value: "ALARM", timestamp: "2022-07-22T15:57:45.394+0000" },
            },
          ],
        },
        actionsSuppressedBy: "WaitPeriod",
      },
      previousState: {
        value: "OK",
        reason:
          "arn:aws:cloudwatch:us-east-1:123456789012:alarm:SuppressionDemo.EventBridge.Main was created and its alarm rule evaluates to OK",
        timestamp: at("2022-07-22T15:56:14.552Z"),
      },
      metrics: [],
      alarmRule: "ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)",
      time: at("2022-07-22T15:57:45Z"),
    });
  });

  it("Metrics Insights partial data: period beside the expression, evaluationState kept", () => {
    const change = parseOne(
      "cloudwatch-alarm-state-change.metrics-insights-partial-data.ALARM-from-INSUFFICIENT_DATA.json",
    );
    expect(change).toMatchObject({
      eventId: "12345678-3bf9-6a09-dc46-12345EXAMPLE",
      alarmName: "my-alarm-name",
      alarmArn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:my-alarm-name",
      alarmType: "metric",
      state: { value: "ALARM", timestamp: at("2022-11-08T11:26:05.401Z"), evaluationState: "PARTIAL_DATA" },
      previousState: {
        value: "INSUFFICIENT_DATA",
        reason: "Unchecked: Initial alarm creation",
        timestamp: at("2022-11-08T11:25:51.227Z"),
      },
      time: at("2022-11-08T11:26:05Z"),
    });
    expect(change.metrics).toStrictEqual([
      {
        id: "m2",
        dimensions: {},
        period: 60,
        expression: "SELECT SUM(PartialDataTestMetric) FROM partial_data_test",
        returnData: true,
      },
    ]);
  });
});

describe("Lambda alarm action samples", () => {
  it("metric alarm (aws-lambda-java-libs): no reasonData on state, eventId = arn@state timestamp", () => {
    expect(
      parseOne(
        "cloudwatch-alarm-lambda-action.metric-alarm.ALARM-from-INSUFFICIENT_DATA.aws-lambda-java-libs.json",
      ),
    ).toStrictEqual({
      kind: "alarm-change",
      shape: "lambda-action",
      eventId:
        "arn:aws:cloudwatch:us-east-1:444455556666:alarm:lambda-demo-metric-alarm@2023-08-04T12:36:15.490+0000",
      alarmName: "lambda-demo-metric-alarm",
      alarmArn: "arn:aws:cloudwatch:us-east-1:444455556666:alarm:lambda-demo-metric-alarm",
      accountId: "444455556666",
      region: "us-east-1",
      alarmType: "metric",
      state: { value: "ALARM", reason: "test", timestamp: at("2023-08-04T12:36:15.490Z") },
      previousState: {
        value: "INSUFFICIENT_DATA",
        reason: "Insufficient Data: 5 datapoints were unknown.",
        timestamp: at("2023-08-04T12:31:29.595Z"),
      },
      metrics: [
        {
          id: "1234e046-06f0-a3da-9534-EXAMPLEe4c",
          namespace: "AWS/Logs",
          metricName: "CallCount",
          dimensions: { InstanceId: "i-12345678" },
          stat: "Average",
          period: 60,
          unit: "Percent",
          returnData: true,
        },
      ],
      time: at("2023-08-04T12:36:15.490Z"),
    });
  });

  it("metric math m1/m2 (powertools-python): three queries, empty dimensions; accountId is the payload's, not the ARN's", () => {
    const change = parseOne(
      "cloudwatch-alarm-lambda-action.metric-math.ALARM-from-OK.powertools-python.json",
    );
    expect(change).toMatchObject({
      shape: "lambda-action",
      eventId: "arn:aws:cloudwatch:eu-west-1:912397435824:alarm:test_alarm@2024-02-17T11:53:08.431+0000",
      alarmName: "Test alert",
      alarmArn: "arn:aws:cloudwatch:eu-west-1:912397435824:alarm:test_alarm",
      // Trap in the sample: the ARN says 912397435824, `accountId` says 123456789012.
      accountId: "123456789012",
      region: "eu-west-1",
      alarmType: "metric",
      state: { value: "ALARM", timestamp: at("2024-02-17T11:53:08.431Z") },
      previousState: { value: "OK", timestamp: at("2024-02-17T11:51:31.462Z") },
      time: at("2024-02-17T11:53:08.431Z"),
    });
    expect(change.state.reasonData).toMatchObject({
      statistic: "SampleCount",
      recentDatapoints: [1],
      threshold: 10,
      evaluatedDatapoints: [{ timestamp: "2024-02-17T11:51:00.000+0000", sampleCount: 1, value: 1 }],
    });
    expect(change.metrics).toStrictEqual([
      { id: "e1", dimensions: {}, expression: "m1/m2", label: "Expression1", returnData: true },
      {
        id: "m1",
        namespace: "AWS/Lambda",
        metricName: "Invocations",
        dimensions: {},
        stat: "SampleCount",
        period: 60,
        returnData: false,
      },
      {
        id: "m2",
        namespace: "AWS/Lambda",
        metricName: "Duration",
        dimensions: {},
        stat: "SampleCount",
        period: 60,
        returnData: false,
      },
    ]);
  });

  it("composite with suppressor (powertools-python): ALARM from ALARM, suppression on previousState", () => {
    expect(
      parseOne("cloudwatch-alarm-lambda-action.composite-with-suppressor.powertools-python.json"),
    ).toStrictEqual({
      kind: "alarm-change",
      shape: "lambda-action",
      eventId:
        "arn:aws:cloudwatch:us-east-1:111122223333:alarm:SuppressionDemo.Main@2023-08-04T12:56:46.138+0000",
      // Trap in the sample: alarmName and the name in alarmArn differ; each is taken from its own field.
      alarmName: "CompositeDemo.Main",
      alarmArn: "arn:aws:cloudwatch:us-east-1:111122223333:alarm:SuppressionDemo.Main",
      accountId: "111122223333",
      region: "us-east-1",
      alarmType: "composite",
      state: {
        value: "ALARM",
        reason:
          "arn:aws:cloudwatch:us-east-1:111122223333:alarm:CompositeDemo.FirstChild transitioned to ALARM at Friday 04 August, 2023 12:54:46 UTC",
        timestamp: at("2023-08-04T12:56:46.138Z"),
        reasonData: {
          triggeringAlarms: [
            {
              arn: "arn:aws:cloudwatch:us-east-1:111122223333:alarm:CompositeDemo.FirstChild",
              state: { value: "ALARM", timestamp: "2023-08-04T12:54:46.138+0000" },
            },
          ],
        },
      },
      previousState: {
        value: "ALARM",
        reason:
          "arn:aws:cloudwatch:us-east-1:111122223333:alarm:CompositeDemo.FirstChild transitioned to ALARM at Friday 04 August, 2023 12:54:46 UTC",
        timestamp: at("2023-08-04T12:54:46.138Z"),
        actionsSuppressedBy: "WaitPeriod",
      },
      metrics: [],
      alarmRule: "ALARM(CompositeDemo.FirstChild) OR ALARM(CompositeDemo.SecondChild)",
      time: at("2023-08-04T12:56:46.138Z"),
    });
  });
});

describe("SNS-wrapped alarm notification samples", () => {
  it("single metric: SNS dimension list → {InstanceId: 'TestInstance'}; region from the ARN, not 'Region'", () => {
    expect(
      parseOne("sns-wrapped.cloudwatch-alarm.single-metric-ec2-instanceid.aws-lambda-go.json"),
    ).toStrictEqual({
      kind: "alarm-change",
      shape: "sns",
      eventId: "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
      alarmName: "EXAMPLE",
      alarmArn: "arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE",
      // AWSAccountId is preferred over the ARN's account (a placeholder in this sample).
      accountId: "123456789012",
      // The sample's ARN holds the placeholder "REGION"; its "Region" field says "EXAMPLE".
      region: "REGION",
      alarmType: "metric",
      state: {
        value: "ALARM",
        reason:
          "Threshold Crossed: 1 out of the last 1 datapoints [1234.0 (06/03/15 17:43:27)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).",
        timestamp: at("2015-06-03T17:43:27.123Z"),
      },
      previousState: { value: "INSUFFICIENT_DATA" },
      metrics: [
        {
          namespace: "AWS/EC2",
          metricName: "NetworkOut",
          dimensions: { InstanceId: "TestInstance" },
          // "AVERAGE" in the SNS message, mapped to the CloudWatch API name.
          stat: "Average",
          period: 60,
          unit: "Bytes",
        },
      ],
      time: at("2015-06-03T17:43:27.123Z"),
    });
  });

  it("metric math: Trigger.Metrics[] → the expression and the MetricStat with its InstanceId", () => {
    const change = parseOne("sns-wrapped.cloudwatch-alarm.metric-math-multi-metric.aws-lambda-go.json");
    expect(change).toMatchObject({
      shape: "sns",
      eventId: "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
      alarmName: "EXAMPLE",
      accountId: "EXAMPLE",
      region: "REGION",
      alarmType: "metric",
      state: { value: "ALARM", timestamp: at("2015-06-03T17:43:27.123Z") },
      previousState: { value: "INSUFFICIENT_DATA" },
      time: at("2015-06-03T17:43:27.123Z"),
    });
    expect(change.metrics).toStrictEqual([
      { id: "e1", dimensions: {}, expression: "m1*1", label: "Expression1", returnData: true },
      {
        id: "m1",
        namespace: "AWS/EC2",
        metricName: "NetworkOut",
        dimensions: { InstanceId: "TestInstance" },
        stat: "Average",
        period: 60,
        returnData: false,
      },
    ]);
  });
});
