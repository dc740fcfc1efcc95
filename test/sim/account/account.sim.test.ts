import type { DescribeInstancesResult } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import {
  diffSnapshots,
  FaultInjector,
  formatStateChanges,
  parseFixture,
  SimAwsError,
  SimClock,
  SimulatedAccount,
} from "../../../sim";
import type { InstanceModel } from "../../../sim/account/state";
import { asg, awsError, call, cw, DEMO, demoAccount, demoJson, ec2, events } from "./helpers";

const describeHappy = (a: SimulatedAccount) =>
  ec2<DescribeInstancesResult>(a, "DescribeInstances", { InstanceIds: [DEMO.happy] });

describe("fault injection", () => {
  it("throttles twice, then lets the call through (EC2 RequestLimitExceeded 503)", async () => {
    const a = demoAccount();
    const fault = a.faults.add({
      service: "ec2",
      operation: "DescribeInstances",
      error: { code: "RequestLimitExceeded" },
      times: 2,
    });
    const e1 = await awsError(describeHappy(a), "RequestLimitExceeded", 503);
    expect(e1.fault).toBe("server");
    expect(e1.message).toBe("Request limit exceeded.");
    await awsError(describeHappy(a), "RequestLimitExceeded", 503);
    await expect(describeHappy(a)).resolves.toHaveProperty("Reservations");
    expect(a.faults.list()).toEqual([expect.objectContaining({ id: fault.id, matched: 3, fired: 2 })]);
    expect(a.faults.pending()).toEqual([]);
    expect(a.calls.map((c) => [c.outcome, c.error?.code, c.faults])).toEqual([
      ["error", "RequestLimitExceeded", [fault.id]],
      ["error", "RequestLimitExceeded", [fault.id]],
      ["ok", undefined, undefined],
    ]);
  });

  it("is scoped per operation and service, and `after` lets calls through first", async () => {
    const a = demoAccount();
    a.faults.add({ operation: "StopInstances", error: { code: "InternalError" }, after: 1, times: 1 });
    a.faults.add({ service: "monitoring", operation: "*", error: { code: "Throttling" } });
    await describeHappy(a);
    await ec2(a, "StopInstances", { InstanceIds: [DEMO.notConfigured] });
    const internal = await awsError(
      ec2(a, "StopInstances", { InstanceIds: [DEMO.recent] }),
      "InternalError",
      500,
    );
    expect(internal.fault).toBe("server");
    await ec2(a, "StopInstances", { InstanceIds: [DEMO.recent] });
    await awsError(cw(a, "DescribeAlarms"), "Throttling", 400);
    await awsError(cw(a, "DescribeAlarms"), "Throttling", 400);
    await asg(a, "DescribeAutoScalingGroups");
  });

  it("uses each service's throttling code and status by default", async () => {
    const a = demoAccount();
    a.faults.add({ service: "autoscaling", operation: "*", error: { code: "Throttling" } });
    a.faults.add({ service: "events", operation: "PutEvents", error: { code: "ThrottlingException" } });
    a.faults.add({ service: "ec2", operation: "DescribeRouteTables", error: { code: "ServiceUnavailable" } });
    await awsError(asg(a, "DescribeAutoScalingInstances"), "Throttling", 400);
    await awsError(
      events(a, "PutEvents", { Entries: [{ Source: "s", DetailType: "d", Detail: "{}" }] }),
      "ThrottlingException",
      400,
    );
    await awsError(ec2(a, "DescribeRouteTables"), "ServiceUnavailable", 503);
    expect(a.publishedEvents).toEqual([]);
  });

  it("adds simulated latency by advancing the clock (and a failed call changes no state)", async () => {
    const a = demoAccount();
    a.faults.add({ operation: "StopInstances", latencyMs: 2_500, times: 1 });
    a.faults.add({ operation: "StopInstances", error: { code: "InternalError", message: "boom" }, times: 1 });
    const start = a.clock.nowMs();
    await awsError(ec2(a, "StopInstances", { InstanceIds: [DEMO.happy], Hibernate: true }), "InternalError");
    expect(a.clock.nowMs() - start).toBe(2_500);
    expect(a.calls[0]).toMatchObject({
      latencyMs: 2_500,
      at: "2019-10-02T17:21:02.500Z",
      error: { message: "boom" },
    });
    expect(a.snapshot().instances[DEMO.happy]?.State).toBe("running");
  });

  it("rejects probabilistic or empty faults", () => {
    const f = new FaultInjector();
    expect(() => f.add({ operation: "X" })).toThrow(/error, a latencyMs/);
    expect(() => f.add({ operation: "X", error: { code: "Y" }, times: 0 })).toThrow(/times/);
    expect(() => f.add({ operation: "X", error: { code: "Y" }, probability: 0.5 as never })).toThrow(
      /deterministic/,
    );
  });

  it("starts with the fixture's faults", async () => {
    const json = demoJson();
    json.faults = [
      { service: "ec2", operation: "DescribeInstances", error: { code: "RequestLimitExceeded" }, times: 1 },
    ];
    const a = SimulatedAccount.fromFixture(parseFixture(json));
    await awsError(describeHappy(a), "RequestLimitExceeded");
    await describeHappy(a);
  });
});

describe("call log", () => {
  it("records every call with seq, sim time, service, operation, region, input and output or error", async () => {
    const a = demoAccount();
    await describeHappy(a);
    a.clock.advance(1_000);
    await awsError(
      ec2(a, "StopInstances", { InstanceIds: [DEMO.notConfigured], Hibernate: true }),
      "UnsupportedHibernationConfiguration",
    );
    expect(a.calls).toHaveLength(2);
    const [first, second] = a.calls;
    expect(first).toMatchObject({
      seq: 1,
      at: "2019-10-02T17:21:00.000Z",
      service: "ec2",
      operation: "DescribeInstances",
      region: "us-east-1",
      input: { InstanceIds: [DEMO.happy] },
      outcome: "ok",
    });
    expect(first?.requestId).toMatch(/^req-/);
    expect(first?.output).toHaveProperty("Reservations");
    expect(second).toMatchObject({
      seq: 2,
      at: "2019-10-02T17:21:01.000Z",
      operation: "StopInstances",
      input: { InstanceIds: [DEMO.notConfigured], Hibernate: true },
      outcome: "error",
      error: { code: "UnsupportedHibernationConfiguration", httpStatus: 400 },
    });
    expect(second?.output).toBeUndefined();
  });

  it("keeps a copy of the input: later mutation by the caller does not change the log", async () => {
    const a = demoAccount();
    const input: { InstanceIds: string[] } = { InstanceIds: [DEMO.happy] };
    await ec2(a, "DescribeInstances", input);
    input.InstanceIds.push("i-0000000000000000a");
    expect(a.calls[0]?.input).toEqual({ InstanceIds: [DEMO.happy] });
  });

  it("answers an unimplemented operation in the service's style, saying it is not simulated", async () => {
    const a = demoAccount();
    const e = await awsError(ec2(a, "RunInstances"), "InvalidAction", 400);
    expect(e.message).toMatch(/not simulated/);
    await awsError(cw(a, "PutDashboard"), "InvalidAction");
    await awsError(events(a, "PutRule"), "UnknownOperationException");
    await awsError(call(a, "directconnect", "DescribeConnections"), "UnknownOperationException");
    expect(a.calls.every((c) => c.outcome === "error")).toBe(true);
  });

  it("treats another region of the account as empty", async () => {
    const a = demoAccount();
    const r = await call<DescribeInstancesResult>(a, "ec2", "DescribeInstances", {}, "eu-west-1");
    expect(r.Reservations).toEqual([]);
    await awsError(
      call(a, "ec2", "DescribeInstances", { InstanceIds: [DEMO.happy] }, "eu-west-1"),
      "InvalidInstanceID.NotFound",
    );
    expect(a.calls.at(-1)?.region).toBe("eu-west-1");
  });

  it("answers an ill-typed member with the service's validation error", async () => {
    const a = demoAccount();
    const e = await awsError(
      ec2(a, "DescribeInstances", { InstanceIds: "i-0123456789abcdef0" }),
      "InvalidParameterValue",
    );
    expect(e).toBeInstanceOf(SimAwsError);
    await awsError(cw(a, "DescribeAlarms", { MaxRecords: "many" }), "ValidationError");
    expect(a.calls.map((c) => c.outcome)).toEqual(["error", "error"]);
  });

  it("turns a bug in the simulation into InternalError 500 (server fault) and logs it", async () => {
    const a = demoAccount();
    a.state().instances.set("i-0000000000000000b", undefined as unknown as InstanceModel);
    const e = await awsError(ec2(a, "DescribeInstances"), "InternalError", 500);
    expect(e.fault).toBe("server");
    expect(e.message).toMatch(/^simulated account bug: /);
    expect(a.calls[0]?.error?.code).toBe("InternalError");
  });
});

describe("clock", () => {
  it("manual mode: time moves only when told; settles transitions lazily", async () => {
    const a = demoAccount();
    expect(a.clock.mode).toBe("manual");
    expect(a.clock.now().toISOString()).toBe("2019-10-02T17:21:00.000Z");
    await ec2(a, "StopInstances", { InstanceIds: [DEMO.notConfigured] });
    expect(a.clock.now().toISOString()).toBe("2019-10-02T17:21:00.000Z");
    a.clock.set(new Date("2019-10-02T17:30:00.000Z"));
    expect(a.snapshot().instances[DEMO.notConfigured]?.State).toBe("stopped");
    expect(() => a.clock.advance(-1)).toThrow(RangeError);
  });

  it("real mode follows the wall clock plus manual offsets", () => {
    let wall = 1_000_000;
    const clock = new SimClock({
      start: new Date("2024-01-01T00:00:00.000Z"),
      mode: "real",
      wallClock: () => wall,
    });
    wall += 1_500;
    expect(clock.now().toISOString()).toBe("2024-01-01T00:00:01.500Z");
    clock.advance(60_000);
    wall += 500;
    expect(clock.now().toISOString()).toBe("2024-01-01T00:01:02.000Z");
    const a = SimulatedAccount.fromFixture(parseFixture(demoJson()), { clock });
    expect(a.clock).toBe(clock);
  });
});

describe("snapshots", () => {
  it("diffs before/after readably", async () => {
    const a = demoAccount();
    const before = a.snapshot();
    await ec2(a, "StopInstances", { InstanceIds: [DEMO.router], Hibernate: true });
    await ec2(a, "CreateTags", {
      Resources: [DEMO.router],
      Tags: [{ Key: "ops:hibernated", Value: "true" }],
    });
    await events(a, "PutEvents", {
      Entries: [{ Source: "ops-toolkit", DetailType: "Instance Hibernated", Detail: "{}" }],
    });
    a.clock.advance(60_000);
    const after = a.snapshot();
    const changes = diffSnapshots(before, after);
    expect(changes).toEqual(
      expect.arrayContaining([
        {
          resourceType: "instances",
          resource: DEMO.router,
          field: "State",
          change: "changed",
          from: "running",
          to: "stopped",
        },
        {
          resourceType: "instances",
          resource: DEMO.router,
          field: "StateReason",
          change: "added",
          to: "Client.UserInitiatedHibernate",
        },
        {
          resourceType: "instances",
          resource: DEMO.router,
          field: "Tags.ops:hibernated",
          change: "added",
          to: "true",
        },
        {
          resourceType: "routeTables",
          resource: DEMO.appRouteTable,
          field: "Routes.0.0.0.0/0.State",
          change: "changed",
          from: "active",
          to: "blackhole",
        },
        {
          resourceType: "localGatewayRouteTables",
          resource: DEMO.lgwRouteTable,
          field: "Routes.100.64.0.0/16.State",
          change: "changed",
          from: "active",
          to: "blackhole",
        },
        expect.objectContaining({ resourceType: "publishedEvents", resource: "#0", change: "added" }),
        expect.objectContaining({ resourceType: "serviceEvents", resource: "#1", change: "added" }),
      ]),
    );
    const lines = formatStateChanges(changes);
    expect(lines).toContain(`${DEMO.router} State: running → stopped`);
    expect(lines).toContain("publishedEvents #0: + ops-toolkit Instance Hibernated");
    expect(diffSnapshots(after, a.snapshot())).toEqual([]);
  });

  it("is plain JSON", () => {
    const snap = demoAccount().snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    expect(snap.routeTables[DEMO.appRouteTable]?.Routes["192.168.0.0/16"]).toEqual({
      Target: DEMO.vgw,
      Origin: "EnableVgwRoutePropagation",
      State: "active",
    });
    expect(snap.alarms[`ops-idle-${DEMO.happy}`]).toMatchObject({
      Type: "MetricAlarm",
      StateValue: "ALARM",
      Threshold: 10,
    });
    expect(snap.alarms.ServiceAggregatedAlarm).toMatchObject({ Type: "CompositeAlarm", StateValue: "ALARM" });
  });
});

describe("control endpoint", () => {
  it("GET calls/state/events, POST faults and clock, reset", async () => {
    const a = demoAccount();
    await describeHappy(a);
    const calls = await a.control("GET", "/__sim/calls?operation=DescribeInstances");
    expect(calls.status).toBe(200);
    expect((calls.body as { calls: unknown[] }).calls).toHaveLength(1);

    const fault = await a.control("POST", "/__sim/faults", {
      service: "ec2",
      operation: "DescribeInstances",
      error: { code: "RequestLimitExceeded" },
      times: 1,
    });
    expect(fault.status).toBe(201);
    await awsError(describeHappy(a), "RequestLimitExceeded");
    expect((await a.control("GET", "/__sim/faults")).body).toEqual({
      faults: [expect.objectContaining({ fired: 1 })],
    });
    expect((await a.control("POST", "/__sim/faults", { operation: "X", probability: 0.1 })).status).toBe(400);
    expect((await a.control("POST", "/__sim/faults", '{"operation":"X"}')).status).toBe(400);

    await ec2(a, "StopInstances", { InstanceIds: [DEMO.happy], Hibernate: true });
    const adv = await a.control("POST", "/__sim/clock/advance", { ms: 60_000 });
    expect(adv.body).toEqual({ now: "2019-10-02T17:22:00.000Z", mode: "manual" });
    const state = await a.control("GET", "/__sim/state");
    expect((state.body as ReturnType<SimulatedAccount["snapshot"]>).instances[DEMO.happy]?.State).toBe(
      "stopped",
    );
    const ev = await a.control("GET", "/__sim/events");
    expect((ev.body as { service: unknown[] }).service).toHaveLength(2);

    const alarm = await a.control("POST", `/__sim/alarms/ops-idle-${DEMO.recent}/state`, {
      stateValue: "OK",
      stateReason: "back to work",
    });
    expect(alarm.body).toMatchObject({ alarm: { StateValue: "OK", StateReason: "back to work" } });
    expect(
      (await a.control("POST", "/__sim/alarms/nope/state", { stateValue: "OK", stateReason: "x" })).status,
    ).toBe(404);

    expect(
      (await a.control("POST", "/__sim/clock/set", { time: "2019-10-03T00:00:00.000Z" })).body,
    ).toMatchObject({
      now: "2019-10-03T00:00:00.000Z",
    });
    expect((await a.control("POST", "/__sim/reset")).body).toEqual({
      now: "2019-10-02T17:21:00.000Z",
      mode: "manual",
    });
    expect(a.calls).toEqual([]);
    expect(a.faults.list()).toEqual([]);
    expect(a.snapshot().instances[DEMO.happy]?.State).toBe("running");
    expect((await a.control("GET", "/__sim/nothing")).status).toBe(404);
    expect((await a.control("DELETE", "/calls")).body).toEqual({ cleared: 0 });
  });
});
