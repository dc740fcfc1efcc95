import { DescribeInstancesCommand, EC2Client, StopInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Harness, type HarnessTransport } from "../../sim/harness";
import type { HarnessFunction } from "../../sim/lambda";

/**
 * Interleavings on the harness's manual clock (issue 14): each call of an invocation takes its simulated
 * latency, what falls due meanwhile happens between two calls, concurrent invocations each keep their own
 * deadline, calls and execution environment.
 */

const FIXTURE = "test/fixtures/accounts/vfxt.json";
const NODE = "i-0af7c0de000000a01";
const START = new Date("2026-01-05T00:00:00Z");

/** Environments built per function: a concurrent invocation must get one of its own. */
const built = new Map<string, number>();

/** A function that reads the node's state `reads` times through the SDK (the harness's transport). */
const reader = (name: string, reads = 2): HarnessFunction => ({
  name,
  load: async () => (_env, overrides) => {
    built.set(name, (built.get(name) ?? 0) + 1);
    const ec2 = new EC2Client({
      region: "us-east-1",
      ...(overrides?.requestHandler === undefined ? {} : { requestHandler: overrides.requestHandler }),
    });
    return async () => {
      const states: string[] = [];
      for (let i = 0; i < reads; i += 1) {
        const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [NODE] }));
        states.push(String(out.Reservations?.[0]?.Instances?.[0]?.State?.Name));
      }
      return { decision: "read", states };
    };
  },
});

const stopper: HarnessFunction = {
  name: "stopper",
  load: async () => (_env, overrides) => {
    const ec2 = new EC2Client({
      region: "us-east-1",
      ...(overrides?.requestHandler === undefined ? {} : { requestHandler: overrides.requestHandler }),
    });
    return async () => {
      await ec2.send(new StopInstancesCommand({ InstanceIds: [NODE] }));
      return { decision: "stopped" };
    };
  },
};

const harnesses = new Map<HarnessTransport, Harness>();
beforeAll(async () => {
  for (const transport of ["memory", "loopback"] as const)
    harnesses.set(
      transport,
      await Harness.start({
        functions: [reader("reader"), reader("other", 3), stopper],
        clock: "manual",
        transport,
      }),
    );
});
afterAll(async () => {
  for (const h of harnesses.values()) await h.close();
});

const on = (transport: HarnessTransport): Harness => {
  const h = harnesses.get(transport);
  if (h === undefined) throw new Error(transport);
  h.load(FIXTURE, { now: START });
  return h;
};

describe.each(["memory", "loopback"] as const)("call latency (%s transport)", (transport) => {
  it("each call takes its latency of simulated time", async () => {
    const h = on(transport);
    const latencies = [120, 80];
    const report = await h.invoke("reader", {}, { latency: () => latencies.shift() ?? 0 });
    expect(report.error).toBeUndefined();
    expect(report.simulatedMs).toBe(200);
    expect(report.calls.map((c) => c.at)).toEqual([
      new Date(START.getTime() + 120).toISOString(),
      new Date(START.getTime() + 200).toISOString(),
    ]);
  });

  it("an incident due between two calls happens between them: the second read sees it", async () => {
    const h = on(transport);
    const incidentAt = START.getTime() + 150;
    let applied = false;
    const during = {
      next: () => (applied ? undefined : incidentAt),
      run: async () => {
        const ctx = {
          service: "ec2" as const,
          operation: "StopInstances",
          region: "us-east-1",
          requestId: "t",
        };
        await h.world(() => h.account.dispatch(ctx, { InstanceIds: [NODE] }));
        applied = true;
      },
    };
    const report = await h.invoke("reader", {}, { latency: () => 100, during });
    expect(applied).toBe(true);
    expect((report.result as { states: string[] }).states).toEqual(["running", "stopping"]);
    // The world's call is on the account's log, not the invocation's.
    expect(h.account.calls.map((c) => c.operation)).toContain("StopInstances");
    expect(report.calls.map((c) => c.operation)).toEqual(["DescribeInstances", "DescribeInstances"]);
  });

  it("a call whose latency crosses the deadline ends the invocation there (Lambda's timeout)", async () => {
    const h = on(transport);
    const report = await h.invoke("reader", {}, { latency: () => 700, timeoutMs: 1_000 });
    expect(report.timedOut).toBe(true);
    expect(report.calls).toHaveLength(1);
    expect(report.simulatedMs).toBe(1_000);
  });
});

describe("concurrent invocations", () => {
  it("interleave their calls by latency, and each report has only its own calls", async () => {
    const h = on("memory");
    const [first, second] = await Promise.all([
      h.invoke("reader", {}, { latency: () => 100 }),
      h.invoke("other", {}, { latency: () => 70 }),
    ]);
    const at = (ms: number) => new Date(START.getTime() + ms).toISOString();
    expect(first.calls.map((c) => c.at)).toEqual([at(100), at(200)]);
    expect(second.calls.map((c) => c.at)).toEqual([at(70), at(140), at(210)]);
    expect(h.account.calls.map((c) => c.at)).toEqual([at(70), at(100), at(140), at(200), at(210)]);
  });

  it("see each other's writes between their calls", async () => {
    const h = on("memory");
    const [read] = await Promise.all([
      h.invoke("reader", {}, { latency: () => 100 }),
      h.invoke("stopper", {}, { latency: () => 150 }),
    ]);
    expect((read.result as { states: string[] }).states).toEqual(["running", "stopping"]);
  });

  it("of one function run in separate execution environments; the warm one is reused afterwards", async () => {
    const h = on("memory");
    h.coldStart();
    built.clear();
    await Promise.all([0, 1].map(() => h.invoke("reader", {}, { latency: () => 10 })));
    expect(built.get("reader")).toBe(2);
    await h.invoke("reader", {}, { latency: () => 10 });
    expect(built.get("reader")).toBe(2);
  });
});
