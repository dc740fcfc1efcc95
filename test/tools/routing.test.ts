import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseStageConfig } from "../../functions/config";
import { type DeployedFunction, FUNCTIONS, findFunction } from "../../functions/index";
import { SERVICE, type TriggerContext } from "../../functions/triggers";
import { type AlarmActionsLookup, type Deployment, routeEvent } from "../../tools/lib/routing";

/** Routing like the deployed stack, on the registry's triggers, without an account (alarm actions are given). */

const ROOT = join(import.meta.dirname, "..", "..");
const stage = (name: string): TriggerContext => ({
  config: parseStageConfig(JSON.parse(readFileSync(join(ROOT, "config", `${name}.json`), "utf8")), name),
  service: SERVICE,
  stage: name,
});
const noAlarms: AlarmActionsLookup = () => undefined;
const deployment = (overrides: Partial<Deployment> = {}): Deployment => ({
  functions: FUNCTIONS,
  ctx: stage("dev"),
  alarmActions: noAlarms,
  ...overrides,
});
const event = (path: string): unknown => JSON.parse(readFileSync(join(ROOT, "events", path), "utf8"));
const names = (raw: unknown, d: Deployment = deployment()) =>
  routeEvent(raw, d).deliveries.map((x) => x.function.name);

const alarmChange = (alarmName: string, state: string) => ({
  version: "0",
  id: "0b1c2d3e-0000-4000-8000-000000000001",
  "detail-type": "CloudWatch Alarm State Change",
  source: "aws.cloudwatch",
  account: "123456789012",
  time: "2026-03-02T09:00:00Z",
  region: "us-east-1",
  resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`],
  detail: { alarmName, state: { value: state }, previousState: { value: "OK" } },
});

describe("EventBridge events: the rules' patterns, as the stage configures them", () => {
  it("an idle alarm reaches idle-hibernate in ALARM only; a vFXT or dx-failover alarm its own function in any state", () => {
    expect(names(alarmChange("ops-idle-i-0123456789abcdef0", "ALARM"))).toEqual(["idle-hibernate"]);
    const ok = routeEvent(alarmChange("ops-idle-i-0123456789abcdef0", "OK"), deployment());
    expect(ok.deliveries).toEqual([]);
    expect(ok.unmatched).toBe("no deployed EventBridge rule's pattern matches it");
    expect(names(alarmChange("ops-vfxt-status-i-0af7c0de000000a02", "OK"))).toEqual(["vfxt-ip-move"]);
    expect(names(alarmChange("ops-dx-failover-lz-prod-dx-down", "INSUFFICIENT_DATA"))).toEqual([
      "dx-failover",
    ]);
    expect(names(alarmChange("ServerCpuTooHigh", "ALARM"))).toEqual([]);
  });

  it("the prefixes and the action-event source come from the stage's configuration", () => {
    const ci = deployment({ ctx: stage("ci") });
    expect(names(alarmChange("ops-ci-idle-i-0123456789abcdef0", "ALARM"), ci)).toEqual(["idle-hibernate"]);
    expect(names(alarmChange("ops-idle-i-0123456789abcdef0", "ALARM"), ci)).toEqual([]);
    const trigger = event("dx-failover/probe-trigger.json") as Record<string, unknown>;
    expect(names(trigger)).toEqual(["dx-failover"]);
    expect(names(trigger, ci)).toEqual([]);
    expect(names({ ...trigger, source: "ops-toolkit.ci" }, ci)).toEqual(["dx-failover"]);
  });

  it("an EC2 state change reaches every function whose rule names its state, with the rule it came through", () => {
    const running = routeEvent(event("idle-hibernate/ec2-running.json"), deployment());
    expect(running.deliveries.map((d) => [d.function.name, d.via])).toEqual([
      ["idle-alarms", "EventBridge rule ops-toolkit-dev-idle-alarms-instance-state"],
      ["vfxt-ip-move", "EventBridge rule ops-toolkit-dev-vfxt-ip-move-instance-state"],
    ]);
    expect(names(event("vfxt-ip-move/ec2-stopping.json"))).toEqual(["vfxt-ip-move"]);
    const pending = event("vfxt-ip-move/ec2-stopping.json") as { detail: Record<string, string> };
    pending.detail.state = "pending";
    expect(names(pending)).toEqual([]);
  });

  it("lifecycle actions reach eni-reattach; an event of another service nothing", () => {
    expect(names(event("eni-reattach/terminate-eventbridge.json"))).toEqual(["eni-reattach"]);
    expect(names(event("samples/ec2.spot-instance-interruption-warning.docs-template.json"))).toEqual([]);
  });
});

describe("schedules: by the rule named in resources", () => {
  it.each([
    ["idle-hibernate/schedule-reconcile.json", "idle-hibernate"],
    ["dx-failover/schedule-probe.json", "dx-probe"],
    ["dx-failover/schedule-reconcile.json", "dx-failover"],
    ["eni-reattach/schedule-capacity.json", "outposts-capacity"],
    ["eni-reattach/schedule-reconcile.json", "eni-reattach"],
    ["vfxt-ip-move/schedule-reconcile.json", "vfxt-ip-move"],
  ])("%s → %s", (file, fn) => {
    expect(names(event(file))).toEqual([fn]);
  });

  it("a rule the stack does not have, another stage's rule, or EventBridge Scheduler: nothing", () => {
    const tick = event("idle-hibernate/schedule-reconcile.json") as { resources: string[] };
    const other = { ...tick, resources: ["arn:aws:events:us-east-1:123456789012:rule/nightly-backup"] };
    expect(routeEvent(other, deployment())).toMatchObject({
      event: "scheduled event of rule nightly-backup",
      deliveries: [],
      unmatched: "no deployed schedule is named nightly-backup",
    });
    expect(names(tick, deployment({ ctx: stage("prod") }))).toEqual([]);
    expect(names(event("samples/scheduled-event.eventbridge-scheduler.aws-lambda-java-libs.json"))).toEqual(
      [],
    );
  });
});

describe("SNS and SQS: by topic and queue", () => {
  it("each stack topic reaches its subscriber; another topic nothing", () => {
    expect(names(event("idle-hibernate/alarm-sns.json"))).toEqual(["idle-hibernate"]);
    expect(names(event("eni-reattach/launch-sns.json"))).toEqual(["eni-reattach"]);
    expect(routeEvent(event("not-delivered/vfxt-ip-move/status-alarm-sns.json"), deployment())).toMatchObject(
      {
        deliveries: [],
        unmatched: "no deployed function is subscribed to ops-toolkit-dev-vfxt-status-alarms",
      },
    );
  });

  it("an SQS record reaches a function only through an event source mapping of its queue", () => {
    const sqs = event("not-delivered/eni-reattach/launch-sqs.json");
    expect(routeEvent(sqs, deployment()).unmatched).toBe(
      "no deployed function reads the queue fw-asg-lifecycle",
    );
    const eni = findFunction("eni-reattach") as DeployedFunction;
    const withQueue: DeployedFunction = {
      ...eni,
      triggers: (ctx) => [
        ...eni.triggers(ctx),
        { kind: "sqs", queueName: "fw-asg-lifecycle", queueLogicalId: "LifecycleQueue" },
      ],
    };
    const routed = routeEvent(sqs, deployment({ functions: [withQueue] }));
    expect(routed.deliveries.map((d) => [d.function.name, d.via])).toEqual([
      ["eni-reattach", "SQS event source fw-asg-lifecycle"],
    ]);
  });

  it("records of another source: nothing", () => {
    expect(routeEvent({ Records: [{ eventSource: "aws:dynamodb" }] }, deployment()).unmatched).toBe(
      "no deployed trigger delivers such records",
    );
  });
});

describe("CloudWatch alarm Lambda actions: the alarm's actions, within the function's policy", () => {
  const ARN = "arn:aws:lambda:us-east-1:123456789012:function:ops-toolkit-dev-idleHibernate";
  const action = event("idle-hibernate/alarm-lambda-action.json");

  it("the alarm's ALARM action names idleHibernate, whose policy allows ops-idle-* alarms: delivered", () => {
    const lookups: Array<[string, string]> = [];
    const alarmActions: AlarmActionsLookup = (name, state) => {
      lookups.push([name, state]);
      return [`${ARN}:$LATEST`, "arn:aws:sns:us-east-1:123456789012:pager"];
    };
    const routed = routeEvent(action, deployment({ alarmActions }));
    expect(routed.deliveries.map((d) => [d.function.name, d.via])).toEqual([
      ["idle-hibernate", "alarm action of ops-idle-i-0123456789abcdef0"],
    ]);
    expect(lookups).toEqual([["ops-idle-i-0123456789abcdef0", "ALARM"]]);
  });

  it("no such alarm, no Lambda action, another stage's function: nothing", () => {
    expect(routeEvent(action, deployment()).unmatched).toBe(
      "the account has no alarm ops-idle-i-0123456789abcdef0",
    );
    expect(routeEvent(action, deployment({ alarmActions: () => [] })).unmatched).toBe(
      "alarm ops-idle-i-0123456789abcdef0 has no ALARM action that invokes a deployed function (its actions: none)",
    );
    const prodArn = ARN.replace("-dev-", "-prod-");
    expect(names(action, deployment({ alarmActions: () => [prodArn] }))).toEqual([]);
  });

  it("an alarm outside the policy's prefix that names the function: refused by the resource policy", () => {
    const foreign = {
      ...(action as Record<string, unknown>),
      alarmData: { alarmName: "ServerCpuTooHigh", state: { value: "ALARM" } },
    };
    expect(routeEvent(foreign, deployment({ alarmActions: () => [ARN] })).unmatched).toBe(
      "alarm ServerCpuTooHigh invokes idle-hibernate, whose resource policy only lets alarms ops-idle-* invoke it",
    );
  });
});

describe("direct invocations: the payload kinds functions declare", () => {
  it("a game-day command reaches dx-failover; any other payload nothing", () => {
    const force = routeEvent(event("dx-failover/game-day-force.json"), deployment());
    expect(force.deliveries.map((d) => [d.function.name, d.via])).toEqual([
      ["dx-failover", "direct invocation (game-day)"],
    ]);
    expect(names({ command: "reboot", group: "lz-prod" })).toEqual([]);
    expect(routeEvent({ hello: "world" }, deployment()).unmatched).toBe(
      "it is no EventBridge event, SNS or SQS record or alarm action, and no function declares such a payload",
    );
    expect(names("not an object")).toEqual([]);
  });
});
