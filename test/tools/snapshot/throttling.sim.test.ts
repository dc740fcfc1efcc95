import { afterEach, describe, expect, it } from "vitest";
import { syntheticAccount } from "../../../bench/snapshot";
import { parseFixture, SimulatedAccount } from "../../../sim/index";
import type { SimServer } from "../../../sim/wire/index";
import { serve, snapshotOf } from "./support";

let server: SimServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** 40 instances, 150 route tables (two DescribeRouteTables pages of at most 100), 20 alarms. */
const account = () => SimulatedAccount.fromFixture(parseFixture(syntheticAccount(40, 150), "synthetic"));

const THROTTLES = [
  { service: "ec2", operation: "DescribeInstances", code: "RequestLimitExceeded", httpStatus: 503, times: 2 },
  // The second page: the retry must resend the same NextToken.
  {
    service: "ec2",
    operation: "DescribeRouteTables",
    code: "RequestLimitExceeded",
    httpStatus: 503,
    times: 3,
    after: 1,
  },
  {
    service: "ec2",
    operation: "DescribeNetworkInterfaces",
    code: "RequestLimitExceeded",
    httpStatus: 503,
    times: 1,
  },
  {
    service: "autoscaling",
    operation: "DescribeAutoScalingGroups",
    code: "Throttling",
    httpStatus: 400,
    times: 1,
  },
  { service: "monitoring", operation: "DescribeAlarms", code: "Throttling", httpStatus: 400, times: 1 },
  {
    service: "monitoring",
    operation: "ListTagsForResource",
    code: "Throttling",
    httpStatus: 400,
    times: 2,
    after: 5,
  },
] as const;

const THROTTLED = THROTTLES.reduce((n, t) => n + t.times, 0);

describe("snapshot under AWS throttling (the account's fault injection)", () => {
  it("pages through every Describe*: 150 route tables in two DescribeRouteTables calls", async () => {
    const a = account();
    server = await serve(a);
    const { fixture, stats } = await snapshotOf(a);
    expect(fixture.routeTables).toHaveLength(150);
    expect(stats.calls.get("DescribeRouteTables")).toBe(2);
    const pages = a.calls.filter((c) => c.operation === "DescribeRouteTables");
    expect(pages.map((c) => (c.input as { NextToken?: string }).NextToken === undefined)).toEqual([
      true,
      false,
    ]);
  });

  it("retries every throttled call and ends with the same fixture, the retries counted", async () => {
    const quiet = account();
    server = await serve(quiet);
    const expected = (await snapshotOf(quiet)).fixture;
    await server.close();

    const a = account();
    for (const t of THROTTLES)
      a.faults.add({
        service: t.service,
        operation: t.operation,
        error: { code: t.code, httpStatus: t.httpStatus },
        times: t.times,
        after: "after" in t ? t.after : undefined,
      });
    server = await serve(a);
    const { fixture, stats } = await snapshotOf(a);

    expect(fixture).toEqual(expected);
    expect(stats.throttled).toBe(THROTTLED);
    expect(stats.retries).toBe(THROTTLED);
    expect(a.faults.list().map((f) => f.fired)).toEqual(THROTTLES.map((t) => t.times));
    const refused = a.calls.filter((c) => c.outcome === "error").map((c) => c.error?.code);
    expect(refused).toHaveLength(THROTTLED);
    expect(stats.calls.get("DescribeRouteTables")).toBe(2);
  });

  it("gives up after --max-attempts and rejects with AWS's throttling error", async () => {
    const a = account();
    a.faults.add({
      service: "ec2",
      operation: "DescribeInstances",
      error: { code: "RequestLimitExceeded", httpStatus: 503 },
      times: 5,
    });
    server = await serve(a);
    await expect(snapshotOf(a, {}, { maxAttempts: 3 })).rejects.toMatchObject({
      name: "RequestLimitExceeded",
    });
    expect(a.calls.filter((c) => c.operation === "DescribeInstances")).toHaveLength(3);
  });
});
