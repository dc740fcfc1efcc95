/**
 * Issue 12 in the simulated account, CloudWatch side: the AWS/EC2 metrics instances publish (basic vs
 * detailed monitoring, nothing while stopped), alarms evaluated from them (single metric and metric
 * math), PutMetricAlarm validation of Metrics, ActionsEnabled (Disable/EnableAlarmActions, state change
 * events regardless, PutMetricAlarm overwriting it), configuration change events, TagResource.
 */
import type { GetMetricDataOutput, MetricAlarm, MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { describe, expect, it } from "vitest";
import type { ServiceEvent, SimulatedAccount } from "../../../sim";
import { awsError, cw, ec2 } from "./helpers";
import { H, hibernationAccount, START_MS } from "./hibernation-fixture";

const MIN = 60_000;

function stat(
  id: string,
  metric: string,
  instance: string,
  statName: string,
  period = 300,
  returnData = false,
) {
  return {
    Id: id,
    ReturnData: returnData,
    MetricStat: {
      Metric: {
        Namespace: "AWS/EC2",
        MetricName: metric,
        Dimensions: [{ Name: "InstanceId", Value: instance }],
      },
      Period: period,
      Stat: statName,
    },
  };
}

async function series(a: SimulatedAccount, q: ReturnType<typeof stat>, from: number, to: number) {
  const r = await cw<GetMetricDataOutput>(a, "GetMetricData", {
    MetricDataQueries: [q],
    StartTime: new Date(from),
    EndTime: new Date(to),
    ScanBy: "TimestampAscending",
  });
  const result = r.MetricDataResults?.[0];
  return (result?.Timestamps ?? []).map((t, i) => [(t.getTime() - START_MS) / MIN, result?.Values?.[i]]);
}

async function alarm(a: SimulatedAccount, name: string): Promise<MetricAlarm> {
  const r = await cw<{ MetricAlarms: MetricAlarm[] }>(a, "DescribeAlarms", { AlarmNames: [name] });
  const m = r.MetricAlarms[0];
  if (m === undefined) throw new Error(`no alarm ${name}`);
  return m;
}

function idleAlarm(name: string, instance: string, period: number, extra: Record<string, unknown> = {}) {
  return {
    AlarmName: name,
    Namespace: "AWS/EC2",
    MetricName: "CPUUtilization",
    Dimensions: [{ Name: "InstanceId", Value: instance }],
    Statistic: "Average",
    Period: period,
    EvaluationPeriods: 3,
    Threshold: 10,
    ComparisonOperator: "LessThanThreshold",
    ...extra,
  };
}

const events = (a: SimulatedAccount, type: string, name: string): ServiceEvent[] =>
  a.serviceEvents.filter((e) => e["detail-type"] === type && e.detail.alarmName === name);

/** Advances minute by minute and returns the alarm's state after each minute. */
async function statesOver(a: SimulatedAccount, name: string, minutes: number): Promise<string[]> {
  const states: string[] = [];
  for (let i = 0; i < minutes; i += 1) {
    a.advance(MIN);
    states.push((await alarm(a, name)).StateValue ?? "");
  }
  return states;
}

describe("AWS/EC2 metrics of an instance", () => {
  it("basic monitoring publishes one datapoint per 5 minutes, detailed one per minute", async () => {
    const a = hibernationAccount();
    const from = START_MS - 15 * MIN;
    expect(await series(a, stat("m", "CPUUtilization", H.basic, "Average", 60), from, START_MS)).toEqual([
      [-15, 2],
      [-10, 2],
      [-5, 2],
    ]);
    expect(
      await series(a, stat("m", "CPUUtilization", H.detailed, "Average", 60), from, START_MS),
    ).toHaveLength(15);
    expect(await series(a, stat("m", "NetworkIn", H.basic, "Sum", 300), from, START_MS)).toEqual([
      [-15, 30_000],
      [-10, 30_000],
      [-5, 30_000],
    ]);
    expect(await series(a, stat("m", "NetworkOut", H.detailed, "Sum", 60), START_MS - MIN, START_MS)).toEqual(
      [[-1, 3_000]],
    );
  });

  it("publishes only running time: a hibernated instance sends nothing after it stopped", async () => {
    const a = hibernationAccount();
    a.advance(2 * MIN + 5_000);
    await ec2(a, "StopInstances", { InstanceIds: [H.basic], Hibernate: true });
    a.advance(20 * MIN);
    expect(
      await series(a, stat("m", "NetworkIn", H.basic, "Sum", 300), START_MS, START_MS + 20 * MIN),
    ).toEqual([[0, 12_500]]);
  });

  it("an instance without metric levels publishes nothing (its alarms keep their state)", async () => {
    const a = hibernationAccount();
    expect(
      await series(a, stat("m", "CPUUtilization", H.onDemand, "Average"), START_MS - 60 * MIN, START_MS),
    ).toEqual([]);
    await cw(a, "PutMetricAlarm", idleAlarm("quiet", H.onDemand, 300));
    a.advance(30 * MIN);
    expect((await alarm(a, "quiet")).StateValue).toBe("INSUFFICIENT_DATA");
  });
});

describe("alarms evaluated from instance metrics", () => {
  it("an idle CPU alarm goes to ALARM at the period end, back to OK when the instance gets busy", async () => {
    const a = hibernationAccount();
    await cw(a, "PutMetricAlarm", idleAlarm("idle-basic", H.basic, 300));
    a.advance(5 * MIN);
    const m = await alarm(a, "idle-basic");
    expect(m).toMatchObject({ StateValue: "ALARM", StateUpdatedTimestamp: new Date(START_MS + 5 * MIN) });
    expect(m.StateReason).toMatch(/^Threshold Crossed: 3 out of the last 3 datapoints \[2\.0 /);
    const r = await a.control("POST", `/__sim/instance-metrics/${H.basic}`, { cpuUtilization: 50 });
    expect(r.body).toEqual({
      instanceId: H.basic,
      levels: { cpuUtilization: 50, networkInBytesPerSecond: 100, networkOutBytesPerSecond: 50 },
    });
    a.advance(5 * MIN);
    expect(await alarm(a, "idle-basic")).toMatchObject({ StateValue: "OK" });
    expect(events(a, "CloudWatch Alarm State Change", "idle-basic").map((e) => e.detail.state)).toMatchObject(
      [{ value: "ALARM" }, { value: "OK" }],
    );
  });

  it("a 60-second period on a basic-monitoring instance sees missing data; with detailed monitoring it does not", async () => {
    const a = hibernationAccount();
    await cw(a, "PutMetricAlarm", idleAlarm("basic-60", H.basic, 60));
    await cw(a, "PutMetricAlarm", idleAlarm("detailed-60", H.detailed, 60));
    await cw(
      a,
      "PutMetricAlarm",
      idleAlarm("basic-60-breaching", H.basic, 60, { TreatMissingData: "breaching" }),
    );
    await a.control("POST", `/__sim/instance-metrics/${H.basic}`, { cpuUtilization: 80 });
    const basic = await statesOver(a, "basic-60", 15);
    expect(new Set(basic)).toEqual(new Set(["INSUFFICIENT_DATA"]));
    expect((await alarm(a, "detailed-60")).StateValue).toBe("ALARM");
    // Missing data treated as breaching makes a busy instance look idle.
    expect((await alarm(a, "basic-60-breaching")).StateValue).toBe("ALARM");
  });

  it("a metric-math alarm combining CPU and network: ALARM while both are low, OK once the network is busy", async () => {
    const a = hibernationAccount();
    const metrics: MetricDataQuery[] = [
      stat("cpu", "CPUUtilization", H.basic, "Average"),
      stat("netin", "NetworkIn", H.basic, "Sum"),
      stat("netout", "NetworkOut", H.basic, "Sum"),
      { Id: "idle", Expression: "IF(cpu < 10 AND (netin + netout) < 1000000, 1, 0)", ReturnData: true },
    ] as MetricDataQuery[];
    await cw(a, "PutMetricAlarm", {
      AlarmName: "idle-net",
      Metrics: metrics,
      EvaluationPeriods: 3,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    a.advance(5 * MIN);
    const m = await alarm(a, "idle-net");
    expect(m.StateValue).toBe("ALARM");
    expect(JSON.parse(m.StateReasonData ?? "{}")).toMatchObject({
      period: 300,
      recentDatapoints: [1, 1, 1],
      threshold: 1,
    });
    expect(JSON.parse(m.StateReasonData ?? "{}").statistic).toBeUndefined();
    await a.control("POST", `/__sim/instance-metrics/${H.basic}`, { networkInBytesPerSecond: 10_000 });
    a.advance(5 * MIN);
    expect((await alarm(a, "idle-net")).StateValue).toBe("OK");
    expect(a.snapshot().alarms["idle-net"]?.Metrics).toEqual({
      cpu: `AWS/EC2 CPUUtilization InstanceId=${H.basic} Average 300`,
      netin: `AWS/EC2 NetworkIn InstanceId=${H.basic} Sum 300`,
      netout: `AWS/EC2 NetworkOut InstanceId=${H.basic} Sum 300`,
      idle: "IF(cpu < 10 AND (netin + netout) < 1000000, 1, 0) *",
    });
  });

  it("evaluates the AWS sample's SUM(METRICS()) alarm, and stores but does not evaluate RATE", async () => {
    const a = hibernationAccount();
    const base = { EvaluationPeriods: 1, ComparisonOperator: "GreaterThanThreshold", Threshold: 10_000 };
    await cw(a, "PutMetricAlarm", {
      ...base,
      AlarmName: "TotalNetworkTrafficTooHigh",
      Metrics: [
        stat("m1", "NetworkIn", H.basic, "Maximum"),
        stat("m2", "NetworkOut", H.basic, "Maximum"),
        { Id: "e1", Expression: "SUM(METRICS())", Label: "Total Network Traffic", ReturnData: true },
      ],
    });
    await cw(a, "PutMetricAlarm", {
      ...base,
      AlarmName: "rate",
      Metrics: [
        stat("m1", "NetworkIn", H.basic, "Sum"),
        { Id: "e1", Expression: "RATE(m1)", ReturnData: true },
      ],
    });
    a.advance(5 * MIN);
    expect((await alarm(a, "TotalNetworkTrafficTooHigh")).StateValue).toBe("ALARM");
    expect((await alarm(a, "rate")).StateValue).toBe("INSUFFICIENT_DATA");
  });
  it("a fixture alarm whose expression does not parse is left alone (the account keeps working)", async () => {
    const a = hibernationAccount({
      alarms: [
        {
          name: "broken",
          evaluationPeriods: 1,
          threshold: 1,
          comparisonOperator: "GreaterThanThreshold",
          state: "OK",
          metrics: [
            {
              id: "m1",
              returnData: false,
              metricStat: {
                namespace: "AWS/EC2",
                metricName: "CPUUtilization",
                dimensions: { InstanceId: H.basic },
                period: 300,
                stat: "Average",
              },
            },
            { id: "e1", expression: "m1 +", returnData: true },
          ],
        },
      ],
    });
    a.advance(10 * MIN);
    expect((await alarm(a, "broken")).StateValue).toBe("OK");
  });
});

describe("PutMetricAlarm with Metrics: validation", () => {
  const base = {
    AlarmName: "x",
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: "GreaterThanThreshold",
  };
  const cpu = stat("m1", "CPUUtilization", H.basic, "Average");
  const refused = async (
    metrics: unknown[],
    message: string | RegExp,
    extra: Record<string, unknown> = {},
  ) => {
    const a = hibernationAccount();
    const e = await awsError(
      cw(a, "PutMetricAlarm", { ...base, Metrics: metrics, ...extra }),
      "ValidationError",
      400,
    );
    if (typeof message === "string") expect(e.message).toBe(message);
    else expect(e.message).toMatch(message);
    expect(a.state().metricAlarms.has("x")).toBe(false);
  };

  it("exactly one element returns data (two with a ThresholdMetricId)", async () => {
    await refused(
      [
        { ...cpu, ReturnData: true },
        { Id: "e1", Expression: "m1 * 2" },
      ],
      "Exactly one element of the metrics list should return data.",
    );
    await refused([cpu], "Exactly one element of the metrics list should return data.");
    await refused(
      [
        { ...cpu, ReturnData: true },
        { Id: "ad1", Expression: "ANOMALY_DETECTION_BAND(m1)" },
        { Id: "e2", Expression: "m1" },
      ],
      "Exactly two elements of the metrics list should return data.",
      {
        ThresholdMetricId: "ad1",
        Threshold: undefined,
        ComparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold",
      },
    );
  });

  it("refuses an unknown function, an unknown id, a syntax error, SEARCH, MetricStat with Expression", async () => {
    await refused(
      [cpu, { Id: "e1", Expression: "ANOMALY_DETECTOR(m1)", ReturnData: true }],
      "Error in expression 'e1': Function 'ANOMALY_DETECTOR' not found",
    );
    await refused(
      [cpu, { Id: "e1", Expression: "m1 + m9", ReturnData: true }],
      "Error in expression 'e1': Metric 'm9' not found",
    );
    await refused(
      [cpu, { Id: "e1", Expression: "IF(m1 <, 1)", ReturnData: true }],
      /^Error in expression 'e1': Syntax error at position \d+$/,
    );
    await refused(
      [
        {
          Id: "e1",
          Expression: "SEARCH('{AWS/EC2,InstanceId} CPUUtilization', 'Average', 300)",
          ReturnData: true,
        },
      ],
      /^Error in expression 'e1'/,
    );
    await refused(
      [{ ...cpu, ReturnData: true, Expression: "m1" }],
      "The parameters MetricDataQuery Expression and MetricStat are mutually exclusive and you have specified both.",
    );
  });

  it("refuses a watched expression that returns several time series or a number", async () => {
    await refused(
      [cpu, { Id: "e1", Expression: "METRICS()", ReturnData: true }],
      "Metrics expression that return multi time series are only allowed for MetricsInsights expression with an ORDER BY clause",
    );
    await refused(
      [cpu, { Id: "e1", Expression: "AVG(m1)", ReturnData: true }],
      /^Error in expression 'e1': .*single time series/,
    );
  });

  it("refuses single-metric parameters next to Metrics with the captured text", async () => {
    await refused([{ ...cpu, ReturnData: true }], "Statistic should not be set if list of Metrics is set.", {
      Statistic: "Average",
    });
  });
});

describe("ActionsEnabled, configuration change events, tags", () => {
  it("DisableAlarmActions stops actions, not state change events; PutMetricAlarm re-enables by default", async () => {
    const a = hibernationAccount();
    await cw(a, "PutMetricAlarm", idleAlarm("idle", H.basic, 300));
    await cw(a, "DisableAlarmActions", { AlarmNames: ["idle", "no-such-alarm"] });
    expect((await alarm(a, "idle")).ActionsEnabled).toBe(false);
    a.advance(5 * MIN);
    expect(events(a, "CloudWatch Alarm State Change", "idle")).toHaveLength(1);
    await cw(a, "PutMetricAlarm", idleAlarm("idle", H.basic, 300));
    expect((await alarm(a, "idle")).ActionsEnabled).toBe(true);
    const changes = events(a, "CloudWatch Alarm Configuration Change", "idle").map((e) => [
      e.detail.operation,
      (e.detail.previousConfiguration as { actionsEnabled?: boolean } | undefined)?.actionsEnabled,
      (e.detail.configuration as { actionsEnabled: boolean }).actionsEnabled,
    ]);
    expect(changes).toEqual([
      ["create", undefined, true],
      ["update", true, false],
      ["update", false, true],
    ]);
    await cw(a, "EnableAlarmActions", { AlarmNames: ["idle"] });
    expect(events(a, "CloudWatch Alarm Configuration Change", "idle")).toHaveLength(3);
  });

  it("the configuration change event has the sample's layout; DeleteAlarms sends a delete", async () => {
    const a = hibernationAccount();
    await cw(a, "PutMetricAlarm", idleAlarm("idle", H.basic, 300, { AlarmDescription: "idle box" }));
    await cw(a, "DeleteAlarms", { AlarmNames: ["idle", "missing"] });
    const [created, deleted] = events(a, "CloudWatch Alarm Configuration Change", "idle");
    expect(created?.detail).toMatchObject({
      alarmName: "idle",
      operation: "create",
      state: { value: "INSUFFICIENT_DATA", timestamp: "2026-03-02T09:00:00.000+0000" },
      configuration: {
        evaluationPeriods: 3,
        threshold: 10,
        comparisonOperator: "LessThanThreshold",
        description: "idle box",
        alarmName: "idle",
        actionsEnabled: true,
        okActions: [],
        alarmActions: [],
        insufficientDataActions: [],
        metrics: [
          {
            metricStat: {
              metric: { namespace: "AWS/EC2", name: "CPUUtilization", dimensions: { InstanceId: H.basic } },
              period: 300,
              stat: "Average",
            },
            returnData: true,
          },
        ],
      },
    });
    expect(deleted?.detail.operation).toBe("delete");
    expect(deleted?.resources).toEqual(["arn:aws:cloudwatch:eu-west-1:444455556666:alarm:idle"]);
  });

  it("Disable/EnableAlarmActions validate AlarmNames", async () => {
    const a = hibernationAccount();
    await awsError(cw(a, "DisableAlarmActions", {}), "ValidationError");
    const many = Array.from({ length: 101 }, (_, i) => `a${i}`);
    await awsError(cw(a, "EnableAlarmActions", { AlarmNames: many }), "ValidationError");
  });

  it("TagResource and UntagResource change an existing alarm's tags", async () => {
    const a = hibernationAccount();
    await cw(a, "PutMetricAlarm", idleAlarm("idle", H.basic, 300, { Tags: [{ Key: "a", Value: "1" }] }));
    const arn = "arn:aws:cloudwatch:eu-west-1:444455556666:alarm:idle";
    await cw(a, "TagResource", { ResourceARN: arn, Tags: [{ Key: "ops:managed-by", Value: "ops-toolkit" }] });
    await cw(a, "UntagResource", { ResourceARN: arn, TagKeys: ["a"] });
    expect(await cw(a, "ListTagsForResource", { ResourceARN: arn })).toEqual({
      Tags: [{ Key: "ops:managed-by", Value: "ops-toolkit" }],
    });
    await awsError(
      cw(a, "TagResource", { ResourceARN: `${arn}x`, Tags: [] }),
      "ResourceNotFoundException",
      404,
    );
    await awsError(
      cw(a, "UntagResource", { ResourceARN: "arn:aws:sns:x", TagKeys: [] }),
      "InvalidParameterValue",
    );
  });
});
