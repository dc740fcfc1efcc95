import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HibernateResult } from "../../../../functions/idle-hibernate/hibernate/report";
import { AwsCallError } from "../../../../shared/runtime/errors";
import type { Harness, InvocationReport } from "../../../../sim/harness";
import { alarmOf, demoFixture, type Fixture, instanceOf, readEvent } from "../../../support/fixtures";
import { startHarness } from "../../../support/harness";

const MANAGED = { "ops:managed-by": "ops-toolkit" };

/**
 * Replayed events through the real idle-hibernate handler against the simulated account: the calls it
 * makes, the state after, and the errors it raises.
 */

const HAPPY = "i-0123456789abcdef0"; // opted in, hibernation configured, idle, not a route target
const NOT_CONFIGURED = "i-0123456789abcdef1";
const ASG_MEMBER = "i-0123456789abcdef2";
const OPTED_OUT = "i-0123456789abcdef3"; // ops:hibernate=never
const STOPPED = "i-0123456789abcdef4";
const RECENT = "i-0123456789abcdef5"; // started 7 minutes before the clock start
const STOP_PROTECTED = "i-0123456789abcdef6"; // disableApiStop
const APPLIANCE = "i-0f1e2d3c4b5a69788"; // target of a VPC route and a local gateway route

const EB_EVENT = "events/idle-hibernate/alarm-eventbridge.json";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

/** An EventBridge alarm event for one of our alarms reading the given instances (metric math if several). */
const alarmEvent = (alarmName: string, instanceIds: string[], overrides: Record<string, unknown> = {}) => {
  const event = readEvent<{
    id: string;
    resources: string[];
    detail: Record<string, unknown> & { configuration: { metrics: unknown[] } };
  }>(EB_EVENT);
  event.id = `replay-${alarmName}-${Math.random().toString(16).slice(2)}`;
  event.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`];
  event.detail.alarmName = alarmName;
  event.detail.configuration.metrics =
    instanceIds.length === 1
      ? [
          {
            id: "m1",
            metricStat: {
              metric: {
                namespace: "AWS/EC2",
                name: "CPUUtilization",
                dimensions: { InstanceId: instanceIds[0] },
              },
              period: 300,
              stat: "Average",
            },
            returnData: true,
          },
        ]
      : [
          { id: "e1", expression: `MAX(METRICS())`, label: "busiest", returnData: true },
          ...instanceIds.map((id, index) => ({
            id: `m${index + 1}`,
            metricStat: {
              metric: { namespace: "AWS/EC2", name: "CPUUtilization", dimensions: { InstanceId: id } },
              period: 300,
              stat: "Average",
            },
            returnData: false,
          })),
        ];
  Object.assign(event.detail, overrides);
  return event;
};

/** Adds a metric-math alarm in ALARM over several instances. */
const addGroupAlarm = (fixture: Fixture, name: string, instanceIds: string[]) => {
  fixture.alarms.push({
    name,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    threshold: 10,
    comparisonOperator: "LessThanThreshold",
    metrics: [
      { id: "e1", expression: "MAX(METRICS())", returnData: true },
      ...instanceIds.map((id, index) => ({
        id: `m${index + 1}`,
        returnData: false,
        metricStat: {
          namespace: "AWS/EC2",
          metricName: "CPUUtilization",
          dimensions: { InstanceId: id },
          period: 300,
          stat: "Average",
        },
      })),
    ],
    state: "ALARM",
    tags: MANAGED,
  });
};

const result = (report: InvocationReport): HibernateResult => {
  if (report.error !== undefined) throw report.error;
  return report.result as HibernateResult;
};
const callsTo = (report: InvocationReport, operation: string) =>
  report.calls.filter((c) => c.operation === operation);
const stateOf = (report: InvocationReport, id: string) =>
  (report.after.instances as Record<string, { State: string; StateReason?: string }>)[id];
const statusOf = (report: InvocationReport, id: string) =>
  result(report)
    .actions.flatMap((a) => a.resources)
    .find((r) => r.resource === id);
const skipOf = (report: InvocationReport, id: string) => result(report).skips.find((s) => s.resource === id);

describe("idle-hibernate: each alarm shape hibernates the idle instance", () => {
  it.each([
    ["EventBridge", "events/idle-hibernate/alarm-eventbridge.json"],
    ["Lambda alarm action", "events/idle-hibernate/alarm-lambda-action.json"],
    ["SNS", "events/idle-hibernate/alarm-sns.json"],
  ])("%s", async (_shape, path) => {
    harness.load(demoFixture());
    const report = await harness.invoke("idle-hibernate", readEvent(path));
    expect(result(report).decision).toBe("hibernate");
    // Reads in parallel: alarm + instances; then the candidates' instance types + routes; then the
    // ownership tag of the alarm behind the instance the plan would stop. After the stop: the request
    // tag, the read-back, the action event.
    const names = report.calls.map((c) => `${c.service}:${c.operation}`);
    expect([...names.slice(0, 2)].sort()).toEqual(["ec2:DescribeInstances", "monitoring:DescribeAlarms"]);
    expect([...names.slice(2, 4)].sort()).toEqual(["ec2:DescribeInstanceTypes", "ec2:DescribeRouteTables"]);
    expect(names[4]).toBe("monitoring:ListTagsForResource");
    expect(names.slice(5)).toEqual([
      "ec2:StopInstances",
      "ec2:CreateTags",
      "ec2:DescribeInstances",
      "events:PutEvents",
    ]);
    expect(callsTo(report, "CreateTags")[0]?.input).toEqual({
      Resources: [HAPPY],
      Tags: [{ Key: "ops:hibernation-requested", Value: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }],
    });
    expect(callsTo(report, "DescribeInstanceTypes")[0]?.input).toEqual({ InstanceTypes: ["m5.large"] });
    expect(callsTo(report, "DescribeAlarms")[0]?.input).toMatchObject({ AlarmNames: [`ops-idle-${HAPPY}`] });
    expect(callsTo(report, "StopInstances")[0]?.input).toEqual({
      InstanceIds: [HAPPY],
      Hibernate: true,
      DryRun: false,
    });
    expect(stateOf(report, HAPPY)).toMatchObject({
      State: "stopping",
      StateReason: "Client.UserInitiatedHibernate",
    });
    expect(statusOf(report, HAPPY)).toMatchObject({ status: "applied" });
    const published = harness.account.publishedEvents;
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      Source: "ops-toolkit",
      DetailType: "Ops Toolkit Action",
      EventBusName: "default",
    });
    expect(JSON.parse(published[0]?.Detail ?? "{}")).toMatchObject({
      capability: "idle-hibernate",
      action: "hibernate-instance",
      status: "applied",
      resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${HAPPY}`],
      mode: "apply",
    });
  });
});

describe("idle-hibernate: preconditions", () => {
  it("metric math over two instances hibernates both with one batched call", async () => {
    const fixture = demoFixture();
    instanceOf(fixture, NOT_CONFIGURED).hibernationConfigured = true;
    addGroupAlarm(fixture, "ops-idle-build-pair", [HAPPY, NOT_CONFIGURED]);
    harness.load(fixture);
    const report = await harness.invoke(
      "idle-hibernate",
      alarmEvent("ops-idle-build-pair", [HAPPY, NOT_CONFIGURED]),
    );
    expect(callsTo(report, "StopInstances").map((c) => c.input)).toEqual([
      { InstanceIds: [HAPPY, NOT_CONFIGURED], Hibernate: true, DryRun: false },
    ]);
    expect(stateOf(report, HAPPY)?.State).toBe("stopping");
    expect(stateOf(report, NOT_CONFIGURED)?.State).toBe("stopping");
  });

  it("skips an instance without hibernation under the default policy", async () => {
    harness.load(demoFixture());
    const report = await harness.invoke(
      "idle-hibernate",
      alarmEvent(`ops-idle-${NOT_CONFIGURED}`, [NOT_CONFIGURED]),
    );
    expect(skipOf(report, NOT_CONFIGURED)?.reason).toBe("hibernation-not-configured");
    expect(callsTo(report, "StopInstances")).toEqual([]);
    expect(stateOf(report, NOT_CONFIGURED)?.State).toBe("running");
  });

  it("stops an instance without hibernation plainly under the stop policy", async () => {
    harness.load(demoFixture());
    const env = { OPS_CONFIG: JSON.stringify({ idleHibernate: { notConfiguredFallback: "stop" } }) };
    const report = await harness.invoke(
      "idle-hibernate",
      alarmEvent(`ops-idle-${NOT_CONFIGURED}`, [NOT_CONFIGURED]),
      { env },
    );
    expect(callsTo(report, "StopInstances")[0]?.input).toEqual({
      InstanceIds: [NOT_CONFIGURED],
      DryRun: false,
    });
    expect(stateOf(report, NOT_CONFIGURED)).toMatchObject({
      State: "stopping",
      StateReason: "Client.UserInitiatedShutdown",
    });
    expect(result(report).decision).toBe("stop");
  });

  it.each([
    ["an Auto Scaling group member", ASG_MEMBER, "auto-scaling-member"],
    ["not opted in (ops:hibernate=never)", OPTED_OUT, "not-opted-in"],
    ["already stopped", STOPPED, "not-running"],
    ["recently started", RECENT, "recently-started"],
    ["a route-target network appliance", APPLIANCE, "route-target"],
  ])("never stops %s", async (_what, id, reason) => {
    const fixture = demoFixture();
    // Each alarm is the toolkit's (tagged): the instance's own precondition is what refuses.
    alarmOf(fixture, `ops-idle-${id}`).tags = MANAGED;
    harness.load(fixture);
    const report = await harness.invoke("idle-hibernate", alarmEvent(`ops-idle-${id}`, [id]));
    expect(skipOf(report, id)?.reason).toBe(reason);
    expect(callsTo(report, "StopInstances")).toEqual([]);
    expect(report.changes).toEqual([]);
  });

  it("honours the opt-out tag even on an opted-in instance", async () => {
    const fixture = demoFixture();
    const happy = instanceOf(fixture, HAPPY);
    happy.tags = { ...happy.tags, "ops:hibernate-opt-out": "maintenance" };
    harness.load(fixture);
    const report = await harness.invoke("idle-hibernate", readEvent(EB_EVENT));
    expect(skipOf(report, HAPPY)?.reason).toBe("opted-out");
    expect(callsTo(report, "StopInstances")).toEqual([]);
  });

  it("never stops the target of a local gateway route alone", async () => {
    const fixture = demoFixture();
    for (const table of fixture.routeTables) {
      table.routes = (table.routes ?? []).filter(
        (route) => !JSON.stringify(route).includes("eni-0f1e") && route.target !== APPLIANCE,
      );
    }
    harness.load(fixture);
    const report = await harness.invoke("idle-hibernate", alarmEvent(`ops-idle-${APPLIANCE}`, [APPLIANCE]));
    expect(skipOf(report, APPLIANCE)?.reason).toBe("local-gateway-route-target");
    expect(callsTo(report, "SearchLocalGatewayRoutes").length).toBeGreaterThan(0);
    expect(callsTo(report, "StopInstances")).toEqual([]);
  });
});

describe("idle-hibernate: failures and retries", () => {
  it("one instance's refusal does not fail the others (partial batch failure)", async () => {
    const fixture = demoFixture();
    addGroupAlarm(fixture, "ops-idle-mixed", [HAPPY, STOP_PROTECTED]);
    harness.load(fixture);
    const report = await harness.invoke(
      "idle-hibernate",
      alarmEvent("ops-idle-mixed", [HAPPY, STOP_PROTECTED]),
    );
    const stops = callsTo(report, "StopInstances");
    expect(stops[0]).toMatchObject({
      input: { InstanceIds: [HAPPY, STOP_PROTECTED] },
      outcome: "error",
      error: { code: "OperationNotPermitted" },
    });
    expect(stops.slice(1).map((c) => [c.input.InstanceIds, c.outcome])).toEqual(
      expect.arrayContaining([
        [[STOP_PROTECTED], "error"],
        [[HAPPY], "ok"],
      ]),
    );
    expect(statusOf(report, HAPPY)?.status).toBe("applied");
    expect(statusOf(report, STOP_PROTECTED)).toMatchObject({
      status: "failed",
      code: "OperationNotPermitted",
    });
    expect(stateOf(report, HAPPY)?.State).toBe("stopping");
    expect(stateOf(report, STOP_PROTECTED)?.State).toBe("running");
  });

  it("rides out throttling with the SDK's retries, then succeeds", async () => {
    harness.load(demoFixture());
    harness.account.faults.add({
      service: "ec2",
      operation: "StopInstances",
      error: { code: "RequestLimitExceeded", httpStatus: 503 },
      times: 2,
    });
    const report = await harness.invoke("idle-hibernate", readEvent(EB_EVENT));
    expect(callsTo(report, "StopInstances").map((c) => c.error?.code ?? c.outcome)).toEqual([
      "RequestLimitExceeded",
      "RequestLimitExceeded",
      "ok",
    ]);
    expect(stateOf(report, HAPPY)?.State).toBe("stopping");
  });

  it("throws a retryable error when throttling outlives the retries, so the event is kept", async () => {
    harness.load(demoFixture());
    harness.account.faults.add({
      service: "ec2",
      operation: "StopInstances",
      error: { code: "RequestLimitExceeded", httpStatus: 503 },
    });
    const env = { OPS_CONFIG: JSON.stringify({ aws: { maxAttempts: 2 } }) };
    const report = await harness.invoke("idle-hibernate", readEvent(EB_EVENT), { env });
    expect(report.error).toBeInstanceOf(AwsCallError);
    expect(report.error).toMatchObject({
      retryable: true,
      context: { operation: "StopInstances", code: "RequestLimitExceeded", category: "throttled" },
    });
    expect(callsTo(report, "StopInstances")).toHaveLength(2);
    expect(stateOf(report, HAPPY)?.State).toBe("running");
    expect(harness.account.publishedEvents).toEqual([]);
  });

  it("a transient 5xx on a read is retried transparently", async () => {
    harness.load(demoFixture());
    harness.account.faults.add({
      service: "ec2",
      operation: "DescribeInstances",
      error: { code: "InternalError", httpStatus: 500 },
      times: 1,
    });
    const report = await harness.invoke("idle-hibernate", readEvent(EB_EVENT));
    expect(result(report).decision).toBe("hibernate");
    expect(callsTo(report, "DescribeInstances")[0]?.error?.code).toBe("InternalError");
  });
});

describe("idle-hibernate: modes", () => {
  it("dry-run proves permission with DryRun and changes nothing", async () => {
    harness.load(demoFixture());
    const report = await harness.invoke("idle-hibernate", readEvent(EB_EVENT), {
      env: { OPS_MODE: "dry-run" },
    });
    expect(callsTo(report, "StopInstances")).toEqual([
      expect.objectContaining({
        input: { InstanceIds: [HAPPY], Hibernate: true, DryRun: true },
        error: expect.objectContaining({ code: "DryRunOperation" }),
      }),
    ]);
    expect(statusOf(report, HAPPY)?.status).toBe("permitted");
    expect(report.changes).toEqual([]);
    expect(callsTo(report, "PutEvents")).toEqual([]);
    expect(result(report).mode).toBe("dry-run");
  });

  it("dry-run reports a missing permission as denied", async () => {
    harness.load(demoFixture());
    harness.account.faults.add({
      service: "ec2",
      operation: "StopInstances",
      error: { code: "UnauthorizedOperation", httpStatus: 403 },
    });
    const report = await harness.invoke("idle-hibernate", readEvent(EB_EVENT), {
      env: { OPS_MODE: "dry-run" },
    });
    expect(statusOf(report, HAPPY)).toMatchObject({ status: "denied", code: "UnauthorizedOperation" });
    expect(report.changes).toEqual([]);
  });

  it("plan mode computes the plan without calling StopInstances", async () => {
    harness.load(demoFixture());
    const report = await harness.invoke("idle-hibernate", readEvent(EB_EVENT), { env: { OPS_MODE: "plan" } });
    expect(callsTo(report, "StopInstances")).toEqual([]);
    expect(statusOf(report, HAPPY)?.status).toBe("planned");
    expect(result(report).decision).toBe("hibernate");
    expect(report.changes).toEqual([]);
  });
});

describe("idle-hibernate: events that must not act", () => {
  it.each([
    ["not JSON-shaped", "just a string"],
    [
      "an unknown detail-type",
      {
        version: "0",
        id: "x",
        "detail-type": "Something Else",
        source: "aws.ec2",
        account: "123456789012",
        time: "2019-10-02T17:20:00Z",
        region: "us-east-1",
        resources: [],
        detail: {},
      },
    ],
    [
      "a configuration-change event",
      readEvent("events/samples/cloudwatch-alarm-configuration-change.metric-alarm-update.json"),
    ],
    [
      "an alarm event without a state",
      (() => {
        const e = readEvent<{ detail: Record<string, unknown> }>(EB_EVENT);
        delete e.detail.state;
        return e;
      })(),
    ],
    ["an EC2 state change (wrong function)", readEvent("events/idle-hibernate/ec2-running.json")],
  ])("rejects %s: logged and counted, no call, no throw", async (_what, event) => {
    harness.load(demoFixture());
    const report = await harness.invoke("idle-hibernate", event);
    expect(report.error).toBeUndefined();
    expect(result(report).decision).toBe("rejected");
    expect((report.result as { error: { kind: string; retryable: boolean } }).error).toMatchObject({
      kind: "invalid-event",
      retryable: false,
    });
    expect(report.calls).toEqual([]);
  });

  it("ignores a foreign alarm (other name prefix) without any call", async () => {
    harness.load(demoFixture());
    const report = await harness.invoke(
      "idle-hibernate",
      readEvent(
        "events/samples/cloudwatch-alarm-state-change.single-metric-ec2-instanceid.ALARM-from-OK.json",
      ),
    );
    expect(result(report).decision).toBe("ignored-foreign-alarm");
    expect(report.calls).toEqual([]);
  });

  it("rejects an alarm without an InstanceId dimension as a configuration error", async () => {
    harness.load(demoFixture());
    const event = alarmEvent("ops-idle-broken", ["x"]);
    event.detail.configuration.metrics = [
      {
        id: "m1",
        metricStat: {
          metric: {
            namespace: "AWS/EC2",
            name: "CPUUtilization",
            dimensions: { AutoScalingGroupName: "web" },
          },
          period: 300,
          stat: "Average",
        },
        returnData: true,
      },
    ];
    const report = await harness.invoke("idle-hibernate", event);
    expect((report.result as { error: { kind: string } }).error).toMatchObject({ kind: "configuration" });
    expect(report.calls).toEqual([]);
  });

  it("does nothing when the alarm is back to OK before the event is processed", async () => {
    const fixture = demoFixture();
    alarmOf(fixture, `ops-idle-${HAPPY}`).state = "OK";
    harness.load(fixture);
    const report = await harness.invoke("idle-hibernate", readEvent(EB_EVENT));
    expect(result(report).decision).toBe("ignored-alarm-recovered");
    expect(callsTo(report, "StopInstances")).toEqual([]);
    expect(report.changes).toEqual([]);
  });

  it("ignores a change to OK and an ALARM→ALARM repeat without any call", async () => {
    harness.load(demoFixture());
    const ok = await harness.invoke(
      "idle-hibernate",
      readEvent("events/not-delivered/idle-hibernate/alarm-eventbridge-ok.json"),
    );
    expect(result(ok).decision).toBe("ignored-not-alarm");
    const repeat = alarmEvent(`ops-idle-${HAPPY}`, [HAPPY], {
      previousState: { value: "ALARM", reason: "x", timestamp: "2019-10-02T17:05:00.000+0000" },
    });
    const again = await harness.invoke("idle-hibernate", repeat);
    expect(result(again).decision).toBe("ignored-no-transition");
    expect([...ok.calls, ...again.calls]).toEqual([]);
  });

  it("a duplicate event converges: one StopInstances in all", async () => {
    harness.load(demoFixture());
    const event = readEvent(EB_EVENT);
    const first = await harness.invoke("idle-hibernate", event);
    const second = await harness.invoke("idle-hibernate", event);
    expect(callsTo(first, "StopInstances")).toHaveLength(1);
    expect(callsTo(second, "StopInstances")).toEqual([]);
    expect(skipOf(second, HAPPY)).toMatchObject({ reason: "not-running", detail: "instance is stopping" });
    expect(harness.account.publishedEvents).toHaveLength(1);
  });

  it("bounds the blast radius: instances over the limit are skipped, not stopped", async () => {
    const fixture = demoFixture();
    instanceOf(fixture, NOT_CONFIGURED).hibernationConfigured = true;
    addGroupAlarm(fixture, "ops-idle-build-pair", [HAPPY, NOT_CONFIGURED]);
    harness.load(fixture);
    const env = { OPS_CONFIG: JSON.stringify({ idleHibernate: { maxInstancesPerInvocation: 1 } }) };
    const report = await harness.invoke(
      "idle-hibernate",
      alarmEvent("ops-idle-build-pair", [HAPPY, NOT_CONFIGURED]),
      { env },
    );
    expect(callsTo(report, "StopInstances").map((c) => c.input.InstanceIds)).toEqual([[HAPPY]]);
    expect(skipOf(report, NOT_CONFIGURED)?.reason).toBe("limit-exceeded");
    expect(stateOf(report, NOT_CONFIGURED)?.State).toBe("running");
  });
});

describe("idle-hibernate: reconcile schedule", () => {
  it("acts on every alarm of ours still in ALARM, with the same preconditions", async () => {
    harness.load(demoFixture());
    const report = await harness.invoke(
      "idle-hibernate",
      readEvent("events/idle-hibernate/schedule-reconcile.json"),
    );
    expect(callsTo(report, "DescribeAlarms")[0]?.input).toMatchObject({
      AlarmNamePrefix: "ops-idle-",
      StateValue: "ALARM",
    });
    // Ownership is read only for the alarms behind the instances the plan stops, not for every alarm.
    const stopped = new Set(callsTo(report, "StopInstances").flatMap((c) => c.input.InstanceIds as string[]));
    const tagReads = callsTo(report, "ListTagsForResource").map((c) => String(c.input.ResourceARN));
    expect(tagReads.length).toBeGreaterThan(0);
    for (const arn of tagReads) expect(stopped.has(arn.split(":alarm:ops-idle-")[1] ?? "")).toBe(true);
    expect(stateOf(report, HAPPY)?.State).toBe("stopping");
    for (const id of [NOT_CONFIGURED, ASG_MEMBER, OPTED_OUT, RECENT, STOP_PROTECTED, APPLIANCE]) {
      expect(stateOf(report, id)?.State).toBe("running");
    }
    expect(statusOf(report, STOP_PROTECTED)).toMatchObject({
      status: "failed",
      code: "OperationNotPermitted",
    });
  });
});
