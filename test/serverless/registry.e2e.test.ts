/**
 * The function registry (functions/index.ts) and serverless.yml describe the same stack: `osls package
 * --stage dev` (the stage replay routes by) is run once, offline, and every function of the packaged
 * CloudFormation template is compared with its registry entry: handler, EventBridge rules (name, bus,
 * pattern), schedules (name, rate), SNS subscriptions, SQS mappings, the alarm-action permission and the
 * IAM actions of its role. Either side changing alone fails here.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStageConfig } from "../../functions/config";
import { type DeployedFunction, deployedName, FUNCTIONS, iamActionsOf } from "../../functions/index";
import { SERVICE, type Trigger, type TriggerContext } from "../../functions/triggers";
import { ROOT, runOsls } from "./osls";

const STAGE = "dev";

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}
interface Template {
  Resources: Record<string, Resource>;
}

const { lambdaLogicalId } = createRequire(import.meta.url)("../../tools/serverless-config.cjs") as {
  lambdaLogicalId(functionKey: string): string;
};

const ctx: TriggerContext = {
  config: parseStageConfig(JSON.parse(readFileSync(join(ROOT, "config", `${STAGE}.json`), "utf8")), STAGE),
  service: SERVICE,
  stage: STAGE,
};

let work: string;
let template: Template;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "ops-toolkit-registry-"));
  const out = join(work, "package");
  const run = await runOsls(["package", "--stage", STAGE, "--package", out], join(work, "network.log"), work);
  if (run.code !== 0) throw new Error(`osls package failed (exit ${run.code}):\n${run.output}`);
  template = JSON.parse(
    readFileSync(join(out, "cloudformation-template-update-stack.json"), "utf8"),
  ) as Template;
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const resource = (logicalId: string): Resource => {
  const found = template.Resources[logicalId];
  if (found === undefined) throw new Error(`no resource ${logicalId} in the template`);
  return found;
};
const ofType = (type: string): [string, Resource][] =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const arnOf = (fn: DeployedFunction) => ({ "Fn::GetAtt": [lambdaLogicalId(fn.serverlessName), "Arn"] });
const byName = <T extends { name: string }>(items: T[]): T[] =>
  [...items].sort((a, b) => a.name.localeCompare(b.name));
const registered = <K extends Trigger["kind"]>(fn: DeployedFunction, kind: K) =>
  fn.triggers(ctx).filter((t): t is Extract<Trigger, { kind: K }> => t.kind === kind);

/** The rules whose targets include the function. */
const rulesOf = (fn: DeployedFunction) =>
  ofType("AWS::Events::Rule")
    .map(([, r]) => r.Properties)
    .filter((p) => (p.Targets as { Arn: unknown }[]).some((t) => same(t.Arn, arnOf(fn))));

const permissionsOf = (fn: DeployedFunction, principal: string) =>
  ofType("AWS::Lambda::Permission")
    .map(([, r]) => r.Properties)
    .filter((p) => same(p.FunctionName, arnOf(fn)) && p.Principal === principal);

describe("functions", () => {
  it("the template has exactly the registry's functions", () => {
    const deployed = ofType("AWS::Lambda::Function").map(([id]) => id);
    expect(new Set(deployed)).toEqual(new Set(FUNCTIONS.map((fn) => lambdaLogicalId(fn.serverlessName))));
    expect(deployed).toHaveLength(FUNCTIONS.length);
  });

  it.each(FUNCTIONS.map((fn) => [fn.name, fn] as const))("%s: handler, name and service", (_name, fn) => {
    const properties = template.Resources[lambdaLogicalId(fn.serverlessName)]?.Properties ?? {};
    expect(properties.Handler).toBe(fn.handler);
    expect(properties.FunctionName).toBe(deployedName(fn, ctx));
    const variables = (properties.Environment as { Variables: Record<string, string> }).Variables;
    expect(variables.POWERTOOLS_SERVICE_NAME).toBe(fn.name);
  });
});

describe.each(FUNCTIONS.map((fn) => [fn.name, fn] as const))("%s: triggers", (_name, fn) => {
  it("EventBridge rules: name, bus and pattern", () => {
    const deployed = rulesOf(fn)
      .filter((p) => p.EventPattern !== undefined)
      .map((p) => ({
        name: String(p.Name),
        bus: String(p.EventBusName ?? "default"),
        pattern: p.EventPattern,
      }));
    const expected = registered(fn, "eventbridge").map(({ name, bus, pattern }) => ({ name, bus, pattern }));
    expect(byName(deployed)).toEqual(byName(expected));
  });

  it("schedules: rule name and rate", () => {
    const deployed = rulesOf(fn)
      .filter((p) => p.ScheduleExpression !== undefined)
      .map((p) => ({ name: String(p.Name), rate: p.ScheduleExpression }));
    const expected = registered(fn, "schedule").map(({ name, rate }) => ({ name, rate }));
    expect(byName(deployed)).toEqual(byName(expected));
  });

  it("EventBridge may invoke it once per rule, and SNS once per subscribed topic", () => {
    const rules = registered(fn, "eventbridge").length + registered(fn, "schedule").length;
    expect(permissionsOf(fn, "events.amazonaws.com")).toHaveLength(rules);
    expect(permissionsOf(fn, "sns.amazonaws.com")).toHaveLength(registered(fn, "sns").length);
  });

  it("SNS subscriptions: the topic's logical id and name", () => {
    const deployed = ofType("AWS::SNS::Subscription")
      .map(([, r]) => r.Properties)
      .filter((p) => same(p.Endpoint, arnOf(fn)))
      .map((p) => {
        const topicLogicalId = (p.TopicArn as { Ref: string }).Ref;
        const topic = template.Resources[topicLogicalId];
        return { name: String(topic?.Properties.TopicName), topicLogicalId, protocol: p.Protocol };
      });
    const expected = registered(fn, "sns").map((t) => ({
      name: t.topicName,
      topicLogicalId: t.topicLogicalId,
      protocol: "lambda",
    }));
    expect(byName(deployed)).toEqual(byName(expected));
  });

  it("SQS event source mappings: the queue's logical id and name", () => {
    const deployed = ofType("AWS::Lambda::EventSourceMapping")
      .map(([, r]) => r.Properties)
      .filter(
        (p) =>
          same(p.FunctionName, arnOf(fn)) ||
          same(p.FunctionName, { Ref: lambdaLogicalId(fn.serverlessName) }),
      )
      .map((p) => {
        const queueLogicalId = (p.EventSourceArn as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
        return { name: String(template.Resources[queueLogicalId]?.Properties.QueueName), queueLogicalId };
      });
    const expected = registered(fn, "sqs").map((t) => ({
      name: t.queueName,
      queueLogicalId: t.queueLogicalId,
    }));
    expect(byName(deployed)).toEqual(byName(expected));
  });

  it("CloudWatch alarm actions: the alarm-name prefix its resource policy allows", () => {
    const deployed = permissionsOf(fn, "lambda.alarms.cloudwatch.amazonaws.com").map(
      (p) => (p.SourceArn as { "Fn::Sub": string })["Fn::Sub"],
    );
    const expected = registered(fn, "alarm-action").map(
      (t) =>
        `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${t.alarmNamePrefix}*`,
    );
    expect(deployed).toEqual(expected);
  });
});

describe.each(FUNCTIONS.map((fn) => [fn.name, fn] as const))("%s: IAM", (_name, fn) => {
  it("its role grants exactly the registry's actions", () => {
    const lambda = resource(lambdaLogicalId(fn.serverlessName)).Properties;
    const role = resource((lambda.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0]).Properties;
    const policies = role.Policies as { PolicyDocument: { Statement: { Action: string | string[] }[] } }[];
    const actions = policies.flatMap((p) => p.PolicyDocument.Statement).flatMap((st) => [st.Action].flat());
    expect(new Set(actions)).toEqual(new Set(iamActionsOf(fn, ctx.config)));
  });
});
