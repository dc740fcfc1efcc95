import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import { describe, expect, it } from "vitest";
import type { ServiceEvent, SimulatedAccount } from "../../../sim";
import { startSimServer } from "../../../sim/wire";
import { dxAccount } from "./dx-fixture";
import { awsError, cw } from "./helpers";

const NS = "OpsToolkit/DxFailover";
const DIMS = [
  { Name: "Group", Value: "lax" },
  { Name: "Path", Value: "dx" },
];

function put(a: SimulatedAccount, value: number, extra: Record<string, unknown> = {}) {
  return cw(a, "PutMetricData", {
    Namespace: NS,
    MetricData: [{ MetricName: "PathDown", Dimensions: DIMS, Value: value, StorageResolution: 1, ...extra }],
  });
}

function alarm(a: SimulatedAccount, name: string, extra: Record<string, unknown> = {}) {
  return cw(a, "PutMetricAlarm", {
    AlarmName: name,
    Namespace: NS,
    MetricName: "PathDown",
    Dimensions: DIMS,
    Statistic: "Maximum",
    Period: 10,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 2,
    Threshold: 1,
    ComparisonOperator: "GreaterThanOrEqualToThreshold",
    ...extra,
  });
}

async function stateOf(a: SimulatedAccount, name: string) {
  const r = await cw<{
    MetricAlarms: { StateValue: string; StateUpdatedTimestamp: Date; StateReason: string }[];
  }>(a, "DescribeAlarms", { AlarmNames: [name] });
  const m = r.MetricAlarms[0];
  if (m === undefined) throw new Error(`no alarm ${name}`);
  return m;
}

/** Publishes `value` now, then moves the clock one 10 s period on. */
async function tick(a: SimulatedAccount, value: number | undefined): Promise<void> {
  if (value !== undefined) await put(a, value);
  a.advance(10_000);
}

const alarmEvents = (a: SimulatedAccount, name: string): ServiceEvent[] =>
  a.serviceEvents.filter(
    (e) => e["detail-type"] === "CloudWatch Alarm State Change" && e.detail.alarmName === name,
  );

const T0 = Date.parse("2026-11-21T12:00:00.000Z");

describe("PutMetricData / GetMetricData", () => {
  it("stores high-resolution datapoints and answers MetricStat queries per period", async () => {
    const a = dxAccount();
    await put(a, 1);
    a.advance(3_000);
    await put(a, 3);
    a.advance(10_000);
    await cw(a, "PutMetricData", {
      Namespace: NS,
      MetricData: [
        { MetricName: "PathDown", Dimensions: DIMS, Values: [5, 7], Counts: [1, 3], StorageResolution: 1 },
      ],
    });
    const query = (Stat: string) => ({
      Id: Stat.toLowerCase(),
      MetricStat: { Metric: { Namespace: NS, MetricName: "PathDown", Dimensions: DIMS }, Period: 10, Stat },
    });
    const r = await cw<{ MetricDataResults: { Id: string; Timestamps: Date[]; Values: number[] }[] }>(
      a,
      "GetMetricData",
      {
        StartTime: new Date(T0 - 60_000),
        EndTime: new Date(T0 + 60_000),
        ScanBy: "TimestampAscending",
        MetricDataQueries: ["Average", "Sum", "Minimum", "Maximum", "SampleCount"].map(query),
      },
    );
    const byId = Object.fromEntries(r.MetricDataResults.map((x) => [x.Id, x.Values]));
    expect(byId).toEqual({
      average: [2, (5 + 21) / 4],
      sum: [4, 26],
      minimum: [1, 5],
      maximum: [3, 7],
      samplecount: [2, 4],
    });
    expect(r.MetricDataResults[0]?.Timestamps).toEqual([new Date(T0), new Date(T0 + 10_000)]);
    // Descending by default; other dimensions → no data.
    const d = await cw<{ MetricDataResults: { Values: number[] }[] }>(a, "GetMetricData", {
      StartTime: new Date(T0),
      EndTime: new Date(T0 + 60_000),
      MetricDataQueries: [
        query("Maximum"),
        {
          ...query("Maximum"),
          Id: "other",
          MetricStat: { ...query("Maximum").MetricStat, Metric: { Namespace: NS, MetricName: "PathDown" } },
        },
      ],
    });
    expect(d.MetricDataResults.map((x) => x.Values)).toEqual([[7, 3], []]);
  });

  it("stores standard-resolution datapoints at the start of their minute", async () => {
    const a = dxAccount();
    a.advance(42_000);
    await cw(a, "PutMetricData", { Namespace: NS, MetricData: [{ MetricName: "Latency", Value: 12 }] });
    const r = await cw<{ MetricDataResults: { Timestamps: Date[]; Values: number[] }[] }>(
      a,
      "GetMetricData",
      {
        StartTime: new Date(T0),
        EndTime: new Date(T0 + 120_000),
        MetricDataQueries: [
          {
            Id: "m",
            MetricStat: { Metric: { Namespace: NS, MetricName: "Latency" }, Period: 60, Stat: "Average" },
          },
        ],
      },
    );
    expect(r.MetricDataResults[0]).toMatchObject({ Timestamps: [new Date(T0)], Values: [12] });
  });

  it("validates: AWS/ namespaces, StorageResolution, Value with Values", async () => {
    const a = dxAccount();
    await awsError(
      cw(a, "PutMetricData", { Namespace: "AWS/EC2", MetricData: [{ MetricName: "X", Value: 1 }] }),
      "InvalidParameterValue",
      400,
    );
    await awsError(put(a, 1, { StorageResolution: 5 }), "InvalidParameterValue");
    await awsError(put(a, 1, { Values: [1] }), "InvalidParameterCombination");
    await awsError(cw(a, "PutMetricData", { Namespace: NS }), "ValidationError");
    // Nothing was stored by the rejected calls (the instances' status check metrics are EC2's own).
    const stored = [...a.state().metricStore.series.values()];
    expect(stored.filter((s) => s.metricName === "X" || s.namespace === NS)).toEqual([]);
  });

  it("keeps the AWS/Outposts behaviour and answers unknown metrics with no datapoints", async () => {
    const a = dxAccount();
    const r = await cw<{ MetricDataResults: { Values: number[]; StatusCode: string }[] }>(
      a,
      "GetMetricData",
      {
        StartTime: new Date(T0 - 60_000),
        EndTime: new Date(T0),
        MetricDataQueries: [
          {
            Id: "m",
            MetricStat: { Metric: { Namespace: NS, MetricName: "Nobody" }, Period: 60, Stat: "Sum" },
          },
        ],
      },
    );
    expect(r.MetricDataResults).toEqual([expect.objectContaining({ Values: [], StatusCode: "Complete" })]);
  });
});

describe("alarm evaluation on the simulated clock (M out of N, 10 s periods)", () => {
  it("2 out of 3: OK → ALARM on the second breaching period, → OK when fewer than 2 breach", async () => {
    const a = dxAccount();
    await alarm(a, "dx-down");
    expect((await stateOf(a, "dx-down")).StateValue).toBe("INSUFFICIENT_DATA");
    await tick(a, 0); // [0,10) = 0
    expect(await stateOf(a, "dx-down")).toMatchObject({
      StateValue: "OK",
      StateUpdatedTimestamp: new Date(T0 + 10_000),
    });
    await tick(a, 1); // [10,20) = 1: one breaching datapoint is not enough
    expect((await stateOf(a, "dx-down")).StateValue).toBe("OK");
    await tick(a, 1); // [20,30) = 1: 2 of the last 3
    const s = await stateOf(a, "dx-down");
    expect(s).toMatchObject({ StateValue: "ALARM", StateUpdatedTimestamp: new Date(T0 + 30_000) });
    expect(s.StateReason).toMatch(/^Threshold Crossed: 2 out of the last 3 datapoints/);
    await tick(a, 0); // 0,1,1 → still ALARM
    expect((await stateOf(a, "dx-down")).StateValue).toBe("ALARM");
    await tick(a, 0); // 0,0,1 → OK
    expect(await stateOf(a, "dx-down")).toMatchObject({
      StateValue: "OK",
      StateUpdatedTimestamp: new Date(T0 + 50_000),
    });

    const events = alarmEvents(a, "dx-down");
    expect(
      events.map((e) => [
        e.time,
        (e.detail.previousState as { value: string }).value,
        (e.detail.state as { value: string }).value,
      ]),
    ).toEqual([
      ["2026-11-21T12:00:10Z", "INSUFFICIENT_DATA", "OK"],
      ["2026-11-21T12:00:30Z", "OK", "ALARM"],
      ["2026-11-21T12:00:50Z", "ALARM", "OK"],
    ]);
    expect(events[1]).toMatchObject({
      source: "aws.cloudwatch",
      resources: ["arn:aws:cloudwatch:us-west-2:111122223333:alarm:dx-down"],
      detail: {
        alarmName: "dx-down",
        state: { value: "ALARM", timestamp: "2026-11-21T12:00:30.000+0000" },
        configuration: {
          metrics: [
            {
              metricStat: {
                metric: { namespace: NS, name: "PathDown", dimensions: { Group: "lax", Path: "dx" } },
                period: 10,
                stat: "Maximum",
              },
              returnData: true,
            },
          ],
        },
      },
    });
    const alarmState = events[1]?.detail.state as { reasonData?: string } | undefined;
    expect(JSON.parse(alarmState?.reasonData ?? "{}")).toMatchObject({
      period: 10,
      statistic: "Maximum",
      threshold: 1,
    });
  });

  it("evaluates lazily: a clock jump evaluates every period end in between, in order", async () => {
    const a = dxAccount();
    await alarm(a, "dx-down");
    for (const [offset, value] of [
      [0, 1],
      [10_000, 1],
      [20_000, 0],
    ] as const)
      await put(a, value, { Timestamp: new Date(T0 + offset) });
    a.clock.advance(60_000); // nothing evaluated yet: no call has settled the clock
    expect(alarmEvents(a, "dx-down")).toEqual([]);
    a.settle();
    expect(
      alarmEvents(a, "dx-down").map((e) => [e.time, (e.detail.state as { value: string }).value]),
    ).toEqual([
      ["2026-11-21T12:00:10Z", "OK"],
      ["2026-11-21T12:00:20Z", "ALARM"],
      // 12:00:30 (0,1,1) still ALARM; 12:00:40 (−,0,1): 1 breaching → OK; later: all missing → INSUFFICIENT_DATA
      ["2026-11-21T12:00:40Z", "OK"],
      ["2026-11-21T12:01:00Z", "INSUFFICIENT_DATA"],
    ]);
  });

  it("TreatMissingData: breaching, notBreaching, ignore, missing", async () => {
    const a = dxAccount();
    const opts = { EvaluationPeriods: 2, DatapointsToAlarm: 2 };
    await alarm(a, "missing", opts);
    await alarm(a, "breaching", { ...opts, TreatMissingData: "breaching" });
    await alarm(a, "not-breaching", { ...opts, TreatMissingData: "notBreaching" });
    await alarm(a, "ignore", { ...opts, TreatMissingData: "ignore" });
    await tick(a, 0);
    await tick(a, 0);
    for (const name of ["missing", "breaching", "not-breaching", "ignore"])
      expect((await stateOf(a, name)).StateValue, name).toBe("OK");
    // The probe stops publishing.
    await tick(a, undefined);
    await tick(a, undefined);
    await tick(a, undefined);
    expect((await stateOf(a, "missing")).StateValue).toBe("INSUFFICIENT_DATA");
    expect((await stateOf(a, "breaching")).StateValue).toBe("ALARM");
    expect((await stateOf(a, "breaching")).StateReason).toMatch(/treated as \[Breaching\]/);
    expect((await stateOf(a, "not-breaching")).StateValue).toBe("OK");
    expect((await stateOf(a, "ignore")).StateValue).toBe("OK");
    // Data again: one breaching + one missing, 2 of 2 needed.
    await tick(a, 1);
    expect((await stateOf(a, "breaching")).StateValue).toBe("ALARM");
    expect((await stateOf(a, "not-breaching")).StateValue).toBe("OK");
  });

  it("leaves alarms alone on namespaces nobody publishes, and SetAlarmState is corrected at the next evaluation", async () => {
    const a = dxAccount();
    await cw(a, "PutMetricAlarm", {
      AlarmName: "quiet",
      Namespace: "Nobody/Publishes",
      MetricName: "X",
      Statistic: "Sum",
      Period: 10,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: "GreaterThanThreshold",
      TreatMissingData: "breaching",
    });
    await alarm(a, "dx-down", { EvaluationPeriods: 1, DatapointsToAlarm: 1 });
    await tick(a, 0);
    await cw(a, "SetAlarmState", { AlarmName: "dx-down", StateValue: "ALARM", StateReason: "testing" });
    await cw(a, "SetAlarmState", { AlarmName: "quiet", StateValue: "ALARM", StateReason: "testing" });
    await tick(a, 0);
    expect((await stateOf(a, "dx-down")).StateValue).toBe("OK");
    expect((await stateOf(a, "quiet")).StateValue).toBe("ALARM");
  });

  it("through the real CloudWatch client on the wire", async () => {
    const a = dxAccount();
    const server = await startSimServer(a.dispatch, { control: a.control, strict: true });
    const client = new CloudWatchClient({
      endpoint: server.url,
      region: "us-west-2",
      credentials: { accessKeyId: "AKIDSIMULATED", secretAccessKey: "x" },
      maxAttempts: 1,
    });
    try {
      await client.send(
        new PutMetricAlarmCommand({
          AlarmName: "dx-down",
          Namespace: NS,
          MetricName: "PathDown",
          Dimensions: DIMS,
          Statistic: "Maximum",
          Period: 10,
          EvaluationPeriods: 2,
          DatapointsToAlarm: 2,
          Threshold: 1,
          ComparisonOperator: "GreaterThanOrEqualToThreshold",
        }),
      );
      for (let i = 0; i < 3; i += 1) {
        await client.send(
          new PutMetricDataCommand({
            Namespace: NS,
            MetricData: [{ MetricName: "PathDown", Dimensions: DIMS, Value: 1, StorageResolution: 1 }],
          }),
        );
        a.advance(10_000);
      }
      const alarms = await client.send(new DescribeAlarmsCommand({ AlarmNames: ["dx-down"] }));
      expect(alarms.MetricAlarms?.[0]).toMatchObject({
        StateValue: "ALARM",
        StateUpdatedTimestamp: new Date(T0 + 20_000),
      });
      const data = await client.send(
        new GetMetricDataCommand({
          StartTime: new Date(T0),
          EndTime: new Date(T0 + 30_000),
          MetricDataQueries: [
            {
              Id: "m",
              MetricStat: {
                Metric: { Namespace: NS, MetricName: "PathDown", Dimensions: DIMS },
                Period: 10,
                Stat: "Maximum",
              },
            },
          ],
        }),
      );
      expect(data.MetricDataResults?.[0]?.Values).toEqual([1, 1, 1]);
      const bad = await client
        .send(new PutMetricDataCommand({ Namespace: "AWS/EC2", MetricData: [{ MetricName: "X", Value: 1 }] }))
        .then(
          () => undefined,
          (e: unknown) => e as { name?: string },
        );
      expect(bad?.name).toBe("InvalidParameterValueException");
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
