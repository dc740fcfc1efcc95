import { MetricResolution, Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { MetricDataResult } from "@aws-sdk/client-cloudwatch";
import { describe, expect, it } from "vitest";
import type { SimulatedAccount } from "../../../sim";
import { dxAccount } from "./dx-fixture";
import { awsError, cw } from "./helpers";

const NS = "OpsToolkit/DxFailover";
const DIMS = [{ Name: "Group", Value: "lz" }];
const T0 = Date.parse("2026-11-21T12:00:00.000Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface Result {
  MetricDataResults: MetricDataResult[];
  NextToken?: string;
}

/**
 * One high-resolution sample per second for `seconds` from the current time (value 1, 0 at the `zeroAt`
 * offsets), published in batches as time passes; the clock ends just after the last sample.
 */
async function everySecond(
  a: SimulatedAccount,
  seconds: number,
  zeroAt: readonly number[] = [],
): Promise<void> {
  const start = a.clock.nowMs();
  for (let from = 0; from < seconds; from += 1000) {
    const n = Math.min(1000, seconds - from);
    a.advance(start + (from + n - 1) * 1000 - a.clock.nowMs());
    const MetricData = Array.from({ length: n }, (_, i) => ({
      MetricName: "PathHealthy",
      Dimensions: DIMS,
      Timestamp: new Date(start + (from + i) * 1000),
      Value: zeroAt.includes(from + i) ? 0 : 1,
      StorageResolution: 1,
    }));
    await cw(a, "PutMetricData", { Namespace: NS, MetricData });
  }
  a.advance(1000);
}

function query(
  a: SimulatedAccount,
  start: number,
  period: number,
  extra: Record<string, unknown> = {},
  stat = "Minimum",
) {
  return cw<Result>(a, "GetMetricData", {
    StartTime: new Date(start),
    EndTime: new Date(a.clock.nowMs()),
    ScanBy: "TimestampAscending",
    MetricDataQueries: [
      {
        Id: "h",
        MetricStat: {
          Metric: { Namespace: NS, MetricName: "PathHealthy", Dimensions: DIMS },
          Period: period,
          Stat: stat,
        },
      },
    ],
    ...extra,
  });
}

describe("GetMetricData periods and retention (API model MetricStat.Period, GetMetricDataInput.StartTime)", () => {
  it("accepts 1, 5, 10, 20, 30 and multiples of 60; refuses any other period", async () => {
    const a = dxAccount();
    for (const period of [1, 5, 10, 20, 30, 60, 300, 3600]) await query(a, T0 - MINUTE, period);
    for (const period of [7, 45, 90]) {
      const e = await awsError(query(a, T0 - MINUTE, period), "InvalidParameterValue", 400);
      expect(e.message).toMatch(/1, 5, 10, 20, 30 or a multiple of 60/);
    }
  });

  it("a 6-hour window: Period 1 returns nothing (start older than 3 h); Period 60 returns every minute", async () => {
    const a = dxAccount();
    const zero = 2 * 3600 + 17; // one failed probe, 2 h 0 min 17 s in
    await everySecond(a, 6 * 3600, [zero]);
    const start = T0;
    const fine = await query(a, start, 1);
    expect(fine.MetricDataResults[0]).toMatchObject({ Values: [], StatusCode: "Complete" });
    const coarse = await query(a, start, 60);
    const values = coarse.MetricDataResults[0]?.Values ?? [];
    expect(values).toHaveLength(360);
    expect(values.filter((v) => v === 0)).toHaveLength(1);
    expect(coarse.MetricDataResults[0]?.Timestamps?.[values.indexOf(0)]).toEqual(new Date(T0 + 120 * MINUTE));
    // The last 3 hours still have their 1-second datapoints.
    const recent = await query(a, a.clock.nowMs() - 3 * HOUR, 1);
    expect(recent.MetricDataResults[0]?.Values).toHaveLength(3 * 3600);
  });

  it("beyond 3 hours a sub-minute period gives nothing; beyond 15 days only multiples of 300; beyond 63 days of 3600", async () => {
    const a = dxAccount();
    await everySecond(a, 600);
    const start = T0;
    a.advance(4 * HOUR);
    expect((await query(a, start, 30)).MetricDataResults[0]?.Values).toEqual([]);
    expect((await query(a, start, 60)).MetricDataResults[0]?.Values).toHaveLength(10);
    a.advance(15 * DAY);
    expect((await query(a, start, 60)).MetricDataResults[0]?.Values).toEqual([]);
    expect((await query(a, start, 300)).MetricDataResults[0]?.Values).toEqual([1, 1]);
    a.advance(60 * DAY);
    expect((await query(a, start, 300)).MetricDataResults[0]?.Values).toEqual([]);
    expect((await query(a, start, 3600)).MetricDataResults[0]?.Values).toEqual([1]);
  });

  it("rounds the start time down (to the minute; to the 5/10/20/30-second division for those periods)", async () => {
    const a = dxAccount();
    await everySecond(a, 120);
    const byMinute = await query(a, T0 + 34_000, 60, {}, "SampleCount");
    expect(byMinute.MetricDataResults[0]).toMatchObject({
      Timestamps: [new Date(T0), new Date(T0 + MINUTE)],
      Values: [60, 60],
    });
    const byTen = await query(a, T0 + 23_000, 10, {}, "SampleCount");
    expect(byTen.MetricDataResults[0]?.Timestamps?.[0]).toEqual(new Date(T0 + 20_000));
  });

  it("a period without samples has no datapoint: missing, not zero", async () => {
    const a = dxAccount();
    await everySecond(a, 5);
    a.advance(30_000);
    await everySecond(a, 5);
    const r = await query(a, T0, 10, {}, "Sum");
    expect(r.MetricDataResults[0]).toMatchObject({
      Timestamps: [new Date(T0), new Date(T0 + 30_000)],
      Values: [5, 5],
    });
  });

  it("returns at most MaxDatapoints per call: PartialData and a NextToken for the rest", async () => {
    const a = dxAccount();
    await everySecond(a, 8);
    const first = await query(a, T0, 1, { MaxDatapoints: 5 });
    expect(first.MetricDataResults[0]).toMatchObject({ Values: [1, 1, 1, 1, 1], StatusCode: "PartialData" });
    expect(first.NextToken).toEqual(expect.any(String));
    const rest = await query(a, T0, 1, { MaxDatapoints: 5, NextToken: first.NextToken });
    expect(rest.MetricDataResults[0]).toMatchObject({ Values: [1, 1, 1], StatusCode: "Complete" });
    expect(rest.NextToken).toBeUndefined();
    expect(rest.MetricDataResults[0]?.Timestamps?.[0]).toEqual(new Date(T0 + 5000));
    await awsError(query(a, T0, 1, { NextToken: "garbage" }), "InvalidNextToken");
  });
});

describe("high-resolution metrics through embedded-metric-format log lines (EMF specification)", () => {
  const line = (at: number, value: number | number[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      _aws: {
        Timestamp: at,
        CloudWatchMetrics: [
          {
            Namespace: NS,
            Dimensions: [["Group"]],
            Metrics: [{ Name: "PathHealthy", Unit: "Count", StorageResolution: 1 }],
          },
        ],
      },
      Group: "lz",
      PathHealthy: value,
      ...extra,
    });

  it("extracts the datapoints of EMF lines into the metric store, at their own timestamp and resolution", async () => {
    const a = dxAccount();
    const r = await a.control("POST", "/__sim/logs/events", {
      lines: [line(T0 + 1500, 1), line(T0 + 2000, [0, 1]), "plain text", JSON.stringify({ level: "INFO" })],
    });
    expect(r).toEqual({
      status: 200,
      body: {
        emfEvents: 2,
        datapoints: 3,
        ignored: [
          { index: 2, reason: "not JSON" },
          { index: 3, reason: "no _aws member" },
        ],
      },
    });
    a.advance(5000);
    const q = await query(a, T0, 1, {}, "SampleCount");
    expect(q.MetricDataResults[0]).toMatchObject({
      Timestamps: [new Date(T0 + 1000), new Date(T0 + 2000)],
      Values: [1, 2],
    });
  });

  it("ignores invalid EMF: a missing dimension value, a non-numeric value, a reserved namespace, an old timestamp", () => {
    const a = dxAccount();
    const reasons = a.network
      .ingestLogEvents([
        line(T0, 1, { Group: undefined }),
        line(T0, Number.NaN),
        line(T0, 1).replace(NS, "AWS/EC2"),
        line(T0 - 15 * DAY, 1),
        JSON.stringify({
          _aws: {
            Timestamp: T0,
            CloudWatchMetrics: [
              { Namespace: NS, Dimensions: [], Metrics: [{ Name: "X", StorageResolution: 5 }] },
            ],
          },
          X: 1,
        }),
      ])
      .ignored.map((i) => i.reason);
    expect(reasons).toEqual([
      "dimension Group has no string value",
      "metric PathHealthy has no numeric value",
      "Namespace is missing or reserved",
      "_aws.Timestamp is out of range",
      "StorageResolution 5 is not 1 or 60",
    ]);
    // Only the instances' own status check metrics (EC2's) are stored.
    expect([...a.state().metricStore.series.values()].filter((s) => s.namespace !== "AWS/EC2")).toEqual([]);
  });

  it("makes datapoints visible only after behaviour.emfExtractionDelayMs", async () => {
    const a = dxAccount({ behaviour: { emfExtractionDelayMs: 4000 } });
    a.network.ingestLogEvents([line(T0, 1)]);
    a.advance(3999);
    expect((await query(a, T0, 1)).MetricDataResults[0]?.Values).toEqual([]);
    a.advance(1);
    expect((await query(a, T0, 1)).MetricDataResults[0]?.Values).toEqual([1]);
  });

  it("reads what Powertools Metrics 2.35.0 writes (high resolution, default dimensions)", async () => {
    const a = dxAccount();
    const metrics = new Metrics({
      namespace: NS,
      serviceName: "dx-probe",
      defaultDimensions: { Group: "lz" },
    });
    metrics.setTimestamp(T0 + 3000);
    metrics.addMetric("PathHealthy", MetricUnit.Count, 1, MetricResolution.High);
    const emf = JSON.stringify(metrics.serializeMetrics());
    expect(a.network.ingestLogEvents([emf])).toMatchObject({ emfEvents: 1, datapoints: 1 });
    const series = [...a.state().metricStore.series.values()].filter((s) => s.namespace === NS);
    expect(series.map((s) => [s.metricName, s.dimensions, s.samples.map((x) => x.at)])).toEqual([
      [
        "PathHealthy",
        expect.arrayContaining([
          { Name: "service", Value: "dx-probe" },
          { Name: "Group", Value: "lz" },
        ]),
        [T0 + 3000],
      ],
    ]);
  });
});
