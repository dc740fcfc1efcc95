/**
 * The deployable artifact: `osls package --stage ci` (config/ci.json, whose values differ from the
 * defaults on purpose so that hard-coded values would show) run once, offline and without credentials,
 * then the CloudFormation template and the function zips are checked.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CONFIG_SECTIONS,
  type ConfigSectionName,
  parseStageConfig,
  type StageConfig,
  sectionConfigOf,
} from "../../functions/config";
import { HIBERNATION_REQUEST_TAG } from "../../functions/idle-hibernate/hibernate/plan/proof";
import { iamActionsOf, FUNCTIONS as REGISTRY } from "../../functions/index";
import { nodeStatePattern } from "../../functions/vfxt-ip-move/config";
import { alarmRefs, dashboardRefs, problemOf } from "./metric-refs";
import { type OslsRun, ROOT, runOsls } from "./osls";
import { readZip } from "./zip";

const STAGE = "ci";
const SERVICE = "ops-toolkit";
const MAX_ZIP_BYTES = 1.5 * 1024 * 1024;
const readStage = (): unknown => JSON.parse(readFileSync(join(ROOT, "config", `${STAGE}.json`), "utf8"));

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  Condition?: string;
  DependsOn?: string | string[];
}
interface Template {
  Resources: Record<string, Resource>;
  Conditions?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
}
interface Statement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface RoleProperties {
  Policies: { PolicyDocument: { Statement: Statement[] } }[];
  ManagedPolicyArns?: unknown[];
}
interface FunctionProperties {
  Runtime: string;
  Architectures: string[];
  ReservedConcurrentExecutions: number;
  Timeout: number;
  MemorySize: number;
  Handler: string;
  TracingConfig?: { Mode: string };
  Environment: { Variables: Record<string, string> };
  Role: { "Fn::GetAtt": [string, string] };
  Code: { S3Key: string };
  VpcConfig?: unknown;
}
interface ServerlessState {
  service: {
    custom: { esbuild: Record<string, unknown> };
    functions: Record<string, { handler: string }>;
  };
}
interface StageConfigHelper {
  loadStageConfig(stage: string): { lambda: { worstCaseMs: number; timeoutSeconds: number } };
}

const helperModule = createRequire(import.meta.url)("../../tools/serverless-config.cjs") as {
  lambdaLogicalId(functionKey: string): string;
};

/** The deployed functions, by serverless key, from the function registry (functions/index.ts). */
const FUNCTIONS: Readonly<
  Record<
    string,
    {
      logicalId: string;
      service: string;
      bundle: string;
      rules: number;
      actions: readonly string[];
      section: ConfigSectionName;
    }
  >
> = Object.fromEntries(
  REGISTRY.map((fn) => {
    const kinds = fn.triggers({
      config: parseStageConfig(readStage(), STAGE),
      service: SERVICE,
      stage: STAGE,
    });
    return [
      fn.serverlessName,
      {
        logicalId: helperModule.lambdaLogicalId(fn.serverlessName),
        service: fn.name,
        bundle: `${fn.handler.slice(0, fn.handler.lastIndexOf("."))}.cjs`,
        rules: kinds.filter((t) => t.kind === "eventbridge" || t.kind === "schedule").length,
        actions: iamActionsOf(fn, parseStageConfig(readStage(), STAGE)),
        section: fn.configSection,
      },
    ];
  }),
);
type FunctionKey = string;
const FUNCTION_KEYS: FunctionKey[] = Object.keys(FUNCTIONS);
const fn = (key: FunctionKey) => {
  const found = FUNCTIONS[key];
  if (found === undefined) throw new Error(`no function ${key} in the registry`);
  return found;
};
/** Functions with their own timeout and retries, checked in their sections below. */
const OWN_TIMEOUT = new Set(["dxProbe", "eniReattach", "vfxtIpMove"]);
const NO_RETRIES = new Set(["dxProbe"]);

/** Read-only by name; the only writes allowed on Resource "*" are X-Ray's (no resource-level permissions). */
const READ_ONLY_ACTION = /^[a-z0-9-]+:(Describe|List|Get|Search)[A-Za-z0-9]*$/;
const ALLOWED_ON_ANY_RESOURCE = new Set(["xray:PutTraceSegments", "xray:PutTelemetryRecords"]);
const ALARM_WRITES = [
  "cloudwatch:PutMetricAlarm",
  "cloudwatch:DeleteAlarms",
  "cloudwatch:ListTagsForResource",
  "cloudwatch:TagResource",
];
const QUEUE_ARN = { "Fn::GetAtt": ["FailedEventsQueue", "Arn"] };

const expectedConfig: StageConfig = parseStageConfig(readStage(), `config/${STAGE}.json`);
const prefix = expectedConfig.idleHibernate.alarmNamePrefix;
const alarmArnPattern = `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${prefix}*`;

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

let work: string;
let out: string;
let networkLog: string;
let packaged: OslsRun;
let template: Template;
let state: ServerlessState;

const resource = (logicalId: string): Resource => {
  const found = template.Resources[logicalId];
  if (found === undefined) throw new Error(`no resource ${logicalId} in the template`);
  return found;
};
const resourcesOfType = (type: string): [string, Resource][] =>
  Object.entries(template.Resources).filter(([, candidate]) => candidate.Type === type);
const functionProperties = (key: FunctionKey): FunctionProperties =>
  resource(fn(key).logicalId).Properties as unknown as FunctionProperties;
const roleOf = (key: FunctionKey): { logicalId: string; properties: RoleProperties } => {
  const logicalId = functionProperties(key).Role["Fn::GetAtt"][0];
  return { logicalId, properties: resource(logicalId).Properties as unknown as RoleProperties };
};
const statementsOf = (properties: RoleProperties): Statement[] =>
  properties.Policies.flatMap((policy) => policy.PolicyDocument.Statement);
const networkAttempts = (): string => (existsSync(networkLog) ? readFileSync(networkLog, "utf8") : "");

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "ops-toolkit-package-"));
  out = join(work, "package");
  networkLog = join(work, "network.log");
  packaged = await runOsls(["package", "--stage", STAGE, "--package", out], networkLog, work);
  if (packaged.code !== 0)
    throw new Error(`osls package failed (exit ${packaged.code}):\n${packaged.output}`);
  template = JSON.parse(
    readFileSync(join(out, "cloudformation-template-update-stack.json"), "utf8"),
  ) as Template;
  state = JSON.parse(readFileSync(join(out, "serverless-state.json"), "utf8")) as ServerlessState;
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("osls package (offline, no credentials)", () => {
  it("packages without any network access", () => {
    expect(packaged.code).toBe(0);
    expect(networkAttempts()).toBe("");
    console.info(`osls package --stage ${STAGE}: ${packaged.ms} ms`);
  });
});

describe("functions", () => {
  const helper = createRequire(import.meta.url)("../../tools/serverless-config.cjs") as StageConfigHelper;

  it.each(FUNCTION_KEYS)("%s: nodejs22.x on arm64, one writer, 256 MB, traced", (key) => {
    const properties = functionProperties(key);
    expect(properties.Runtime).toBe("nodejs22.x");
    expect(properties.Architectures).toEqual(["arm64"]);
    // dxProbe: 2, its anchored windows hand over (functions/dx-failover/probe/window.ts); it writes nothing.
    expect(properties.ReservedConcurrentExecutions).toBe(key === "dxProbe" ? 2 : 1);
    expect(properties.MemorySize).toBe(256);
    expect(properties.TracingConfig).toEqual({ Mode: "Active" });
    expect(properties.Handler).toBe(`${fn(key).bundle.replace(/\.cjs$/, "")}.handler`);
  });

  it.each(FUNCTION_KEYS.filter((key) => !OWN_TIMEOUT.has(key)))(
    "%s: timeout covers the configuration's worst case",
    (key) => {
      const { lambda } = helper.loadStageConfig(STAGE);
      const { Timeout } = functionProperties(key);
      expect(Timeout).toBe(lambda.timeoutSeconds);
      expect(Timeout).toBeGreaterThanOrEqual(60);
      expect(Timeout * 1000).toBeGreaterThanOrEqual(lambda.worstCaseMs);
      expect(Timeout).toBeLessThanOrEqual(900);
    },
  );

  it.each(FUNCTION_KEYS)(
    "%s: OPS_CONFIG is the validated stage configuration with its own section",
    (key) => {
      const variables = functionProperties(key).Environment.Variables;
      const section = fn(key).section;
      const raw = JSON.parse(variables.OPS_CONFIG ?? "null") as Record<string, unknown>;
      expect(raw).toEqual(sectionConfigOf(expectedConfig, section));
      expect(Object.keys(raw).filter((k) => (CONFIG_SECTIONS as readonly string[]).includes(k))).toEqual([
        section,
      ]);
      expect(Buffer.byteLength(variables.OPS_CONFIG ?? "")).toBeLessThanOrEqual(3500);
      const loaded = parseStageConfig(raw, "OPS_CONFIG");
      expect(loaded[section]).toEqual(expectedConfig[section]);
      expect(loaded.aws).toEqual(expectedConfig.aws);
      expect(loaded.mode).toBe(expectedConfig.mode);
      expect(variables.POWERTOOLS_SERVICE_NAME).toBe(fn(key).service);
      expect(variables.POWERTOOLS_METRICS_NAMESPACE).toBe("OpsToolkit");
      // Source maps are off, so nothing to enable.
      expect(variables.NODE_OPTIONS).toBeUndefined();
    },
  );

  it.each(FUNCTION_KEYS.filter((key) => !NO_RETRIES.has(key)))(
    "%s: async failures are retried twice, then sent to the failed-events queue",
    (key) => {
      const configs = resourcesOfType("AWS::Lambda::EventInvokeConfig").filter(
        ([, config]) =>
          JSON.stringify(config.Properties.FunctionName) === JSON.stringify({ Ref: fn(key).logicalId }),
      );
      expect(configs).toHaveLength(1);
      const [, config] = configs[0] ?? [];
      expect(config?.Properties).toMatchObject({
        Qualifier: "$LATEST",
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: QUEUE_ARN } },
      });
    },
  );

  it("failed-events queue: SSE on, 14-day retention, alarm when it is not empty", () => {
    expect(resource("FailedEventsQueue")).toMatchObject({
      Type: "AWS::SQS::Queue",
      Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 },
    });
    const alarm = resource("FailedEventsAlarm");
    expect(alarm.Type).toBe("AWS::CloudWatch::Alarm");
    expect(alarm.Properties).toMatchObject({
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": ["FailedEventsQueue", "QueueName"] } }],
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
    });
    // The toolkit's own alarm must never look like an idle alarm.
    expect(String(alarm.Properties.AlarmName).startsWith(prefix)).toBe(false);
  });
});

describe("triggers", () => {
  const rulesTargeting = (key: FunctionKey) =>
    resourcesOfType("AWS::Events::Rule").filter(([, rule]) =>
      asArray(rule.Properties.Targets as { Arn: unknown }[]).some(
        (target) =>
          JSON.stringify(target.Arn) === JSON.stringify({ "Fn::GetAtt": [fn(key).logicalId, "Arn"] }),
      ),
    );
  const permissionsOf = (key: FunctionKey) =>
    resourcesOfType("AWS::Lambda::Permission").filter(
      ([, permission]) =>
        JSON.stringify(permission.Properties.FunctionName) ===
        JSON.stringify({ "Fn::GetAtt": [fn(key).logicalId, "Arn"] }),
    );

  it("idleHibernate: EventBridge rule on its idle alarms (and adopted ones) going to ALARM, nothing else", () => {
    const patterns = rulesTargeting("idleHibernate").flatMap(([, rule]) =>
      asArray(rule.Properties.EventPattern),
    );
    expect(patterns).toEqual([
      {
        source: ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        detail: {
          alarmName: [
            { prefix },
            ...expectedConfig.idleHibernate.adoptAlarmNamePatterns.map((wildcard) => ({ wildcard })),
          ],
          state: { value: ["ALARM"] },
        },
      },
    ]);
  });

  it("idleAlarms: EventBridge rule on EC2 instances running, stopped or terminated (the single writer gets no stops)", () => {
    const patterns = rulesTargeting("idleAlarms").flatMap(([, rule]) =>
      asArray(rule.Properties.EventPattern),
    );
    expect(patterns).toEqual([
      {
        source: ["aws.ec2"],
        "detail-type": ["EC2 Instance State-change Notification"],
        detail: { state: ["running", "stopped", "terminated"] },
      },
    ]);
  });

  it.each([
    ["idleHibernate", "rate(15 minutes)"],
    ["idleAlarms", "rate(1 hour)"],
  ] as const)("%s: reconcile schedule %s", (key, expression) => {
    const schedules = rulesTargeting(key).flatMap(([, rule]) => asArray(rule.Properties.ScheduleExpression));
    // idleHibernate's other schedule: the daily hibernation-age watch.
    expect(schedules).toEqual(key === "idleHibernate" ? [expression, "rate(1 day)"] : [expression]);
  });

  it.each(FUNCTION_KEYS)("%s: EventBridge may invoke it for each of its rules, and only those", (key) => {
    const rules = rulesTargeting(key);
    expect(rules).toHaveLength(fn(key).rules);
    const fromEvents = permissionsOf(key).filter(
      ([, permission]) => permission.Properties.Principal === "events.amazonaws.com",
    );
    expect(fromEvents).toHaveLength(rules.length);
    for (const [, permission] of fromEvents) expect(permission.Properties.SourceArn).toBeDefined();
  });

  it("idleHibernate: subscribed to IdleAlarmTopic, which only CloudWatch idle alarms may publish to", () => {
    expect(resource("IdleAlarmTopic").Type).toBe("AWS::SNS::Topic");
    // Every subscription of the topic, and every subscription of idleHibernate (other functions may have
    // topics of their own, e.g. eni-reattach's lifecycle topic).
    const idleHibernateArn = JSON.stringify({ "Fn::GetAtt": ["IdleHibernateLambdaFunction", "Arn"] });
    const subscriptions = resourcesOfType("AWS::SNS::Subscription")
      .map(([, subscription]) => subscription.Properties)
      .filter(
        (properties) =>
          JSON.stringify(properties.TopicArn) === JSON.stringify({ Ref: "IdleAlarmTopic" }) ||
          JSON.stringify(properties.Endpoint) === idleHibernateArn,
      );
    expect(subscriptions).toEqual([
      {
        TopicArn: { Ref: "IdleAlarmTopic" },
        Protocol: "lambda",
        Endpoint: { "Fn::GetAtt": ["IdleHibernateLambdaFunction", "Arn"] },
      },
    ]);
    const fromSns = permissionsOf("idleHibernate").filter(
      ([, permission]) => permission.Properties.Principal === "sns.amazonaws.com",
    );
    expect(fromSns.map(([, permission]) => permission.Properties.SourceArn)).toEqual([
      { Ref: "IdleAlarmTopic" },
    ]);

    // The idle topic's own policy (the stack's alarm topic has another).
    const policy = resourcesOfType("AWS::SNS::TopicPolicy")
      .map(([, candidate]) => candidate.Properties)
      .filter((p) => JSON.stringify(p.Topics) === JSON.stringify([{ Ref: "IdleAlarmTopic" }]));
    expect(policy).toHaveLength(1);
    expect(policy[0]).toMatchObject({
      Topics: [{ Ref: "IdleAlarmTopic" }],
      PolicyDocument: {
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Condition: {
              ArnLike: { "aws:SourceArn": { "Fn::Sub": alarmArnPattern } },
              StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
            },
          },
        ],
      },
    });
  });

  it("idleHibernate: CloudWatch idle alarms of this account may invoke it directly (Lambda alarm action)", () => {
    const fromAlarms = permissionsOf("idleHibernate").filter(
      ([, permission]) => permission.Properties.Principal === "lambda.alarms.cloudwatch.amazonaws.com",
    );
    expect(fromAlarms.map(([, permission]) => permission.Properties)).toEqual([
      {
        FunctionName: { "Fn::GetAtt": ["IdleHibernateLambdaFunction", "Arn"] },
        Action: "lambda:InvokeFunction",
        Principal: "lambda.alarms.cloudwatch.amazonaws.com",
        SourceAccount: { Ref: "AWS::AccountId" },
        SourceArn: { "Fn::Sub": alarmArnPattern },
      },
    ]);
  });

  it("vfxtIpMove: EC2 state changes of leaving and returning nodes, and its status-check alarms", () => {
    const patterns = rulesTargeting("vfxtIpMove").flatMap(([, rule]) =>
      asArray(rule.Properties.EventPattern),
    );
    expect(patterns).toEqual([
      // The nodes' ids when the stage lists them for every cluster (config/ci.json does).
      nodeStatePattern(expectedConfig.vfxtIpMove.clusters),
      {
        source: ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        detail: { alarmName: [{ prefix: expectedConfig.vfxtIpMove.statusAlarmPrefix }] },
      },
    ]);
    const schedules = rulesTargeting("vfxtIpMove").flatMap(([, rule]) =>
      asArray(rule.Properties.ScheduleExpression),
    );
    expect(schedules).toEqual(["rate(5 minutes)"]);
    const principals = permissionsOf("vfxtIpMove").map(([, permission]) => permission.Properties.Principal);
    expect(new Set(principals)).toEqual(new Set(["events.amazonaws.com"]));
  });

  it("vfxtIpMove: timeout = the shared budget + the longest cluster grace (and its remap) + a read-back, ≤ 900 s", () => {
    const { lambda } = (
      createRequire(import.meta.url)("../../tools/serverless-config.cjs") as StageConfigHelper
    ).loadStageConfig(STAGE);
    const vfxt = expectedConfig.vfxtIpMove;
    const graceMs = Math.max(
      0,
      ...vfxt.clusters.map((c) => (c.graceSeconds === 0 ? 0 : (c.graceSeconds + c.remapSeconds) * 1000)),
    );
    const expected = Math.min(
      900,
      Math.max(60, Math.ceil((lambda.worstCaseMs + graceMs + vfxt.verifyTimeoutMs) / 1000)),
    );
    expect(functionProperties("vfxtIpMove").Timeout).toBe(expected);
    expect(expected).toBeGreaterThan(lambda.timeoutSeconds);
  });

  it("vfxtIpMove: an alarm on its AddressesUnserved metric", () => {
    expect(resource("VfxtAddressesUnservedAlarm")).toMatchObject({
      Type: "AWS::CloudWatch::Alarm",
      Properties: {
        AlarmName: `${SERVICE}-${STAGE}-vfxt-addresses-unserved`,
        Namespace: "OpsToolkit",
        MetricName: "AddressesUnserved",
        Dimensions: [{ Name: "service", Value: "vfxt-ip-move" }],
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
      },
    });
  });

  it("vfxtIpMove: an alarm on its BackstopMoves metric (the cluster did not move its addresses itself)", () => {
    expect(resource("VfxtBackstopActedAlarm")).toMatchObject({
      Type: "AWS::CloudWatch::Alarm",
      Properties: {
        AlarmName: `${SERVICE}-${STAGE}-vfxt-backstop-acted`,
        Namespace: "OpsToolkit",
        MetricName: "BackstopMoves",
        Dimensions: [{ Name: "service", Value: "vfxt-ip-move" }],
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
      },
    });
  });

  it("vfxtIpMove: an alarm on its NoHealthyNode metric", () => {
    expect(resource("VfxtNoHealthyNodeAlarm")).toMatchObject({
      Type: "AWS::CloudWatch::Alarm",
      Properties: {
        AlarmName: `${SERVICE}-${STAGE}-vfxt-no-healthy-node`,
        Namespace: "OpsToolkit",
        MetricName: "NoHealthyNode",
        Dimensions: [{ Name: "service", Value: "vfxt-ip-move" }],
        Statistic: "Sum",
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
        TreatMissingData: "notBreaching",
      },
    });
  });

  it("idleAlarms: invoked only by its rules", () => {
    const principals = permissionsOf("idleAlarms").map(([, permission]) => permission.Properties.Principal);
    expect(new Set(principals)).toEqual(new Set(["events.amazonaws.com"]));
  });
});

describe("IAM: one least-privilege role per function", () => {
  const allRoles = () => resourcesOfType("AWS::IAM::Role");

  it("each function has its own role; the shared role is never created nor referenced", () => {
    const roles = FUNCTION_KEYS.map((key) => roleOf(key).logicalId);
    expect(new Set(roles).size).toBe(FUNCTION_KEYS.length);
    expect(roles).not.toContain("IamRoleLambdaExecution");
    const shared = resource("IamRoleLambdaExecution");
    expect(shared.Condition).toBe("SharedLambdaRoleUnused");
    expect(template.Conditions?.SharedLambdaRoleUnused).toEqual({
      "Fn::Equals": ["every function has its own role", "true"],
    });
    const { IamRoleLambdaExecution: _shared, ...others } = template.Resources;
    expect(JSON.stringify({ ...others, outputs: template.Outputs })).not.toContain(
      '"IamRoleLambdaExecution"',
    );
    // No managed policy at all, also for a function in a VPC (dxProbe: its own scoped ENI statements).
    for (const key of FUNCTION_KEYS) expect(roleOf(key).properties.ManagedPolicyArns ?? []).toEqual([]);
  });

  it("no wildcard or Not* statement, and no mutating action on Resource '*' (every statement of every role)", () => {
    const roles = allRoles();
    expect(roles.length).toBeGreaterThanOrEqual(FUNCTION_KEYS.length);
    for (const [logicalId, role] of roles) {
      for (const statement of statementsOf(role.Properties as unknown as RoleProperties)) {
        const where = `${logicalId} ${JSON.stringify(statement)}`;
        expect(statement.Effect, where).toBe("Allow");
        expect(statement.NotAction, where).toBeUndefined();
        expect(statement.NotResource, where).toBeUndefined();
        const actions = asArray(statement.Action);
        expect(actions.length, where).toBeGreaterThan(0);
        for (const action of actions) expect(action, where).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
        const resources = asArray(statement.Resource as unknown[]);
        expect(resources.length, where).toBeGreaterThan(0);
        if (resources.includes("*")) {
          for (const action of actions) {
            expect(
              READ_ONLY_ACTION.test(action) ||
                ALLOWED_ON_ANY_RESOURCE.has(action) ||
                // PutMetricData has no resource-level permissions: only with a namespace condition.
                (action === "cloudwatch:PutMetricData" &&
                  actions.length === 1 &&
                  typeof statement.Condition?.StringEquals?.["cloudwatch:namespace"] === "string"),
              `${action} on "*": ${where}`,
            ).toBe(true);
          }
        }
      }
    }
  });

  it.each(FUNCTION_KEYS)("%s: exactly the actions it needs", (key) => {
    const actions = statementsOf(roleOf(key).properties).flatMap((statement) => asArray(statement.Action));
    expect(new Set(actions)).toEqual(new Set(fn(key).actions));
  });

  it("ec2:StopInstances and ec2:StartInstances: idleHibernate only, on instance ARNs, with the opt-in tag condition", () => {
    const { key, value } = expectedConfig.idleHibernate.optInTag;
    const grants = allRoles().flatMap(([logicalId, role]) =>
      statementsOf(role.Properties as unknown as RoleProperties)
        .filter((statement) =>
          asArray(statement.Action).some((a) => a === "ec2:StopInstances" || a === "ec2:StartInstances"),
        )
        .map((statement) => ({ logicalId, statement })),
    );
    const idleHibernateRole = roleOf("idleHibernate").logicalId;
    expect(grants.map((grant) => grant.logicalId)).toEqual([idleHibernateRole]);
    const [grant] = grants;
    expect(asArray(grant?.statement.Action)).toEqual(["ec2:StopInstances", "ec2:StartInstances"]);
    expect(asArray(grant?.statement.Resource as unknown[])).toEqual([
      { "Fn::Sub": `arn:\${AWS::Partition}:ec2:*:\${AWS::AccountId}:instance/*` },
    ]);
    expect(grant?.statement.Condition).toEqual({ StringEquals: { [`aws:ResourceTag/${key}`]: value } });
  });

  it("private IP writes: vfxtIpMove only (assign; unassign for retired addresses), on ENIs tagged with a configured cluster", () => {
    const writes = ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"];
    const grants = allRoles().flatMap(([logicalId, role]) =>
      statementsOf(role.Properties as unknown as RoleProperties)
        .filter((statement) => asArray(statement.Action).some((action) => writes.includes(action)))
        // Lambda's own VPC networking of dxProbe: only ENIs in the probe subnets (dx-failover section).
        .filter((statement) => statement.Sid !== "LambdaVpcEniWritesInProbeSubnetsOnly")
        .map((statement) => ({ logicalId, statement })),
    );
    expect(grants.map((grant) => grant.logicalId)).toEqual([roleOf("vfxtIpMove").logicalId]);
    const { clusterTagKey, clusters } = expectedConfig.vfxtIpMove;
    expect(clusters.length).toBeGreaterThan(0);
    const statement = grants[0]?.statement;
    expect(asArray(statement?.Action)).toEqual([
      "ec2:AssignPrivateIpAddresses",
      "ec2:UnassignPrivateIpAddresses",
    ]);
    expect(asArray(statement?.Resource as unknown[])).toEqual([
      { "Fn::Sub": `arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:network-interface/*` },
    ]);
    expect(statement?.Condition).toEqual({
      StringEquals: { [`aws:ResourceTag/${clusterTagKey}`]: clusters.map((c) => c.name) },
    });
  });

  it("vfxtIpMove route writes: CreateRoute/ReplaceRoute/DeleteRoute only, on route tables tagged with a configured cluster", () => {
    const { clusterTagKey, clusters } = expectedConfig.vfxtIpMove;
    const routeWrites = statementsOf(roleOf("vfxtIpMove").properties).filter((statement) =>
      asArray(statement.Action).some((action) => /^ec2:(Create|Replace|Delete)Route$/.test(action)),
    );
    expect(routeWrites).toHaveLength(1);
    const statement = routeWrites[0];
    expect(new Set(asArray(statement?.Action))).toEqual(
      new Set(["ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute"]),
    );
    expect(asArray(statement?.Resource as unknown[])).toEqual([
      { "Fn::Sub": `arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:route-table/*` },
    ]);
    expect(statement?.Condition).toEqual({
      StringEquals: { [`aws:ResourceTag/${clusterTagKey}`]: clusters.map((c) => c.name) },
    });
  });

  it("alarm writes: idleAlarms only, on the configured alarm-name prefix only", () => {
    const grants = allRoles().flatMap(([logicalId, role]) =>
      statementsOf(role.Properties as unknown as RoleProperties)
        .filter((statement) =>
          asArray(statement.Action).some(
            (action) => ALARM_WRITES.includes(action) && action !== "cloudwatch:ListTagsForResource",
          ),
        )
        .map((statement) => ({ logicalId, statement })),
    );
    expect(grants.map((grant) => grant.logicalId)).toEqual([roleOf("idleAlarms").logicalId]);
    const [grant] = grants;
    expect(new Set(asArray(grant?.statement.Action))).toEqual(new Set(ALARM_WRITES));
    expect(asArray(grant?.statement.Resource as unknown[])).toEqual([{ "Fn::Sub": alarmArnPattern }]);
  });

  it("idleHibernate: reads the ownership tags of the prefix's alarms only; tags opted-in instances with its request tag only", () => {
    const statements = statementsOf(roleOf("idleHibernate").properties);
    const sid = (name: string): Statement => {
      const found = statements.find((statement) => statement.Sid === name);
      if (found === undefined) throw new Error(`no statement ${name}`);
      return found;
    };
    const tags = sid("ReadOwnAlarmTags");
    expect(asArray(tags.Action)).toEqual(["cloudwatch:ListTagsForResource"]);
    expect(asArray(tags.Resource as unknown[])).toEqual([{ "Fn::Sub": alarmArnPattern }]);
    const request = sid("TagHibernationRequestsOnly");
    const { key, value } = expectedConfig.idleHibernate.optInTag;
    expect(asArray(request.Action)).toEqual(["ec2:CreateTags"]);
    expect(request.Condition).toEqual({
      StringEquals: { [`aws:ResourceTag/${key}`]: value },
      "ForAllValues:StringEquals": { "aws:TagKeys": [HIBERNATION_REQUEST_TAG] },
    });
  });

  // dxProbe puts only its trigger event, on the default bus (checked in the dx-failover section).
  const publishers = FUNCTION_KEYS.filter(
    (key) => key !== "dxProbe" && fn(key).actions.includes("events:PutEvents"),
  );

  it("every function that may put events publishes action events, except the probe", () => {
    expect(publishers.length).toBeGreaterThan(0);
    for (const key of FUNCTION_KEYS.filter((k) => !publishers.includes(k) && k !== "dxProbe"))
      expect(statementsOf(roleOf(key).properties).flatMap((st) => asArray(st.Action))).not.toContain(
        "events:PutEvents",
      );
  });

  it.each(publishers)("%s: PutEvents on the configured bus with the configured source only", (key) => {
    const statements = statementsOf(roleOf(key).properties).filter((statement) =>
      asArray(statement.Action).includes("events:PutEvents"),
    );
    expect(statements).toHaveLength(1);
    expect(asArray(statements[0]?.Action)).toEqual(["events:PutEvents"]);
    expect(asArray(statements[0]?.Resource as unknown[])).toEqual([
      {
        "Fn::Sub": `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/${expectedConfig.actionEvents.eventBusName}`,
      },
    ]);
    expect(statements[0]?.Condition).toEqual({
      StringEquals: { "events:source": expectedConfig.actionEvents.source },
    });
  });

  it.each(FUNCTION_KEYS)("%s: may send to the failed-events queue (its on-failure destination)", (key) => {
    const statements = statementsOf(roleOf(key).properties).filter((statement) =>
      asArray(statement.Action).includes("sqs:SendMessage"),
    );
    expect(statements).toHaveLength(1);
    expect(asArray(statements[0]?.Action)).toEqual(["sqs:SendMessage"]);
    expect(asArray(statements[0]?.Resource as unknown[])).toEqual([QUEUE_ARN]);
  });

  it.each(FUNCTION_KEYS)("%s: writes its own logs and its X-Ray traces", (key) => {
    const statements = statementsOf(roleOf(key).properties);
    const logs = statements.filter((statement) =>
      asArray(statement.Action).some((action) => action.startsWith("logs:")),
    );
    expect(logs.length).toBeGreaterThan(0);
    for (const statement of logs) {
      for (const arn of asArray(statement.Resource as unknown[])) {
        expect(JSON.stringify(arn)).toContain(`:log-group:/aws/lambda/${SERVICE}-${STAGE}-${key}:`);
      }
    }
    const tracing = statements
      .flatMap((statement) => asArray(statement.Action))
      .filter((action) => action.startsWith("xray:"));
    expect(new Set(tracing)).toEqual(new Set(["xray:PutTraceSegments", "xray:PutTelemetryRecords"]));
  });
});

describe("eni-reattach (issue 4)", () => {
  const ENI_KEYS = REGISTRY.filter((f) => f.capability === "eni-reattach").map((f) => f.serverlessName);
  type EniKey = FunctionKey;
  const props = (key: EniKey) => resource(fn(key).logicalId).Properties as unknown as FunctionProperties;
  const statements = (key: EniKey) => {
    const roleId = props(key).Role["Fn::GetAtt"][0];
    return statementsOf(resource(roleId).Properties as unknown as RoleProperties);
  };
  const bySid = (key: EniKey, sid: string) => {
    const found = statements(key).find((statement) => statement.Sid === sid);
    if (found === undefined) throw new Error(`no statement ${sid}`);
    return found;
  };
  const eni = expectedConfig.eniReattach;
  const groups = eni.groups.map((g) => g.name);
  const helper = createRequire(import.meta.url)("../../tools/serverless-config.cjs") as {
    loadStageConfig(stage: string): { lambda: { worstCaseMs: number } };
  };

  it.each(ENI_KEYS)("%s: one writer, on-failure destination, own role", (key) => {
    const p = props(key);
    expect(p.ReservedConcurrentExecutions).toBe(1);
    expect(p.Runtime).toBe("nodejs22.x");
    expect(p.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe(fn(key).service);
    expect(JSON.parse(p.Environment.Variables.OPS_CONFIG ?? "null")).toEqual(
      sectionConfigOf(expectedConfig, "eniReattach"),
    );
    const configs = resourcesOfType("AWS::Lambda::EventInvokeConfig").filter(
      ([, config]) =>
        JSON.stringify(config.Properties.FunctionName) === JSON.stringify({ Ref: fn(key).logicalId }),
    );
    expect(configs[0]?.[1].Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: QUEUE_ARN } },
    });
    expect(p.Role["Fn::GetAtt"][0]).not.toBe("IamRoleLambdaExecution");
  });

  it("eniReattach: timeout = the shared budget + the detach and attach waits (+30 s), ≤ 900 s", () => {
    const { lambda } = helper.loadStageConfig(STAGE);
    const expected = Math.ceil(
      (lambda.worstCaseMs + eni.detachTimeoutMs + eni.attachTimeoutMs + 30_000) / 1000,
    );
    expect(props("eniReattach").Timeout).toBe(expected);
    expect(props("eniReattach").Timeout).toBeLessThanOrEqual(900);
  });

  it("eniReattach: the lifecycle rule matches the configured groups only; its SNS topic and a reconcile schedule", () => {
    const target = JSON.stringify({ "Fn::GetAtt": [fn("eniReattach").logicalId, "Arn"] });
    const rules = resourcesOfType("AWS::Events::Rule").filter(([, rule]) =>
      asArray(rule.Properties.Targets as { Arn: unknown }[]).some((t) => JSON.stringify(t.Arn) === target),
    );
    const patterns = rules.flatMap(([, rule]) => asArray(rule.Properties.EventPattern));
    expect(patterns).toEqual([
      {
        source: ["aws.autoscaling"],
        "detail-type": ["EC2 Instance-launch Lifecycle Action", "EC2 Instance-terminate Lifecycle Action"],
        detail: { AutoScalingGroupName: groups },
      },
    ]);
    expect(rules.map(([, rule]) => rule.Properties.ScheduleExpression).filter(Boolean)).toEqual([
      "rate(5 minutes)",
    ]);
    const subscriptions = resourcesOfType("AWS::SNS::Subscription").filter(
      ([, sub]) => JSON.stringify(sub.Properties.Endpoint) === target,
    );
    expect(subscriptions.map(([, sub]) => sub.Properties.TopicArn)).toEqual([
      { Ref: "EniReattachLifecycleTopic" },
    ]);
  });

  it("eniReattach: ENI writes only on ENIs tagged for a configured group AND allow-listed (ids, VPCs)", () => {
    const ec2 = (type: string, id: string) => ({
      "Fn::Sub": `arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:${type}/${id}`,
    });
    const tagged = { StringLike: { [`aws:ResourceTag/${eni.tagKey}`]: groups.map((g) => `${g}/*`) } };
    const byId = bySid("eniReattach", "AllowListedEniIds");
    expect(asArray(byId.Resource as unknown[])).toEqual(
      eni.groups.flatMap((g) => g.allowedEniIds).map((id) => ec2("network-interface", id)),
    );
    expect(byId.Condition).toEqual(tagged);
    const byVpc = bySid("eniReattach", "AllowListedEniVpcs");
    expect(byVpc.Condition).toEqual({
      ...tagged,
      ArnEquals: { "ec2:Vpc": eni.groups.flatMap((g) => g.allowedVpcIds).map((id) => ec2("vpc", id)) },
    });
    expect(statements("eniReattach").some((st) => st.Sid === "AllowListedEniSubnets")).toBe(false);
  });

  it("eniReattach: attach only to instances whose aws:autoscaling:groupName (set by Auto Scaling) is a configured group", () => {
    const statement = bySid("eniReattach", "AttachToGroupInstancesOnly");
    expect(asArray(statement.Action)).toEqual(["ec2:AttachNetworkInterface"]);
    expect(statement.Condition).toEqual({
      StringEquals: { "aws:ResourceTag/aws:autoscaling:groupName": groups },
    });
  });

  it("eniReattach: lifecycle completion and heartbeats only on the configured groups' ARNs, with no tag condition", () => {
    const statement = bySid("eniReattach", "CompleteOwnGroupsLifecycleActions");
    expect(new Set(asArray(statement.Action))).toEqual(
      new Set(["autoscaling:CompleteLifecycleAction", "autoscaling:RecordLifecycleActionHeartbeat"]),
    );
    expect(statement.Condition).toBeUndefined();
    expect(asArray(statement.Resource as unknown[])).toEqual(
      groups.map((g) => ({
        "Fn::Sub": `arn:\${AWS::Partition}:autoscaling:\${AWS::Region}:\${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/${g}`,
      })),
    );
    // No other role may complete lifecycle actions or attach ENIs.
    const grants = resourcesOfType("AWS::IAM::Role").flatMap(([logicalId, role]) =>
      statementsOf(role.Properties as unknown as RoleProperties)
        .filter((s) =>
          asArray(s.Action).some((a) =>
            [
              "autoscaling:CompleteLifecycleAction",
              "ec2:AttachNetworkInterface",
              "ec2:DetachNetworkInterface",
            ].includes(a),
          ),
        )
        .map(() => logicalId),
    );
    expect(new Set(grants)).toEqual(new Set([props("eniReattach").Role["Fn::GetAtt"][0]]));
  });

  it("eniReattach: per-group alarms — ABANDON, missing ENIs (missing data breaching), configuration errors, capacity and unknown capacity", () => {
    for (const g of eni.groups) {
      const id = g.name.replace(/[^A-Za-z0-9]/g, "");
      expect(resource(`EniReattach${id}AbandonedAlarm`).Properties).toMatchObject({
        MetricName: "LifecycleAbandoned",
        TreatMissingData: "notBreaching",
      });
      expect(resource(`EniReattach${id}MissingInterfacesAlarm`).Properties).toMatchObject({
        MetricName: "MissingInterfaces",
        Dimensions: [
          { Name: "service", Value: "eni-reattach" },
          { Name: "Group", Value: g.name },
        ],
        TreatMissingData: "breaching",
      });
      expect(resource(`EniReattach${id}ConfigurationErrorsAlarm`).Properties).toMatchObject({
        MetricName: "ConfigurationErrors",
        Dimensions: [
          { Name: "service", Value: "eni-reattach" },
          { Name: "Group", Value: g.name },
        ],
      });
      expect(resource(`EniReattach${id}CapacityAlarm`).Properties).toMatchObject({
        MetricName: "FirewallCapacityAvailable",
        ComparisonOperator: "LessThanThreshold",
      });
      expect(resource(`EniReattach${id}CapacityUnknownAlarm`).Properties).toMatchObject({
        MetricName: "CapacityKnown",
        TreatMissingData: "breaching",
      });
    }
  });

  it("outpostsCapacity: read-only, Outposts reads scoped to this account's Outposts", () => {
    const actions = statements("outpostsCapacity").flatMap((s) => asArray(s.Action));
    for (const action of actions.filter(
      (a) => !a.startsWith("logs:") && !a.startsWith("xray:") && a !== "sqs:SendMessage",
    ))
      expect(action).toMatch(READ_ONLY_ACTION);
    expect(asArray(bySid("outpostsCapacity", "ReadOutposts").Resource as unknown[])).toEqual([
      { "Fn::Sub": `arn:\${AWS::Partition}:outposts:\${AWS::Region}:\${AWS::AccountId}:outpost/*` },
    ]);
  });
});

describe("dx-failover (issues 3 and 10)", () => {
  const dx = expectedConfig.dxFailover;
  const groups = dx.groups.map((g) => g.name);
  const members = groups.flatMap((g) => [g, `${g} *`, `* ${g}`, `* ${g} *`]);
  const probe = () =>
    resource("DxProbeLambdaFunction").Properties as unknown as FunctionProperties & {
      VpcConfig?: { SubnetIds: string[]; SecurityGroupIds: string[] };
    };
  const probeRole = () => resource(probe().Role["Fn::GetAtt"][0]).Properties as unknown as RoleProperties;
  const probeStatements = () => statementsOf(probeRole());
  const failoverStatements = () => statementsOf(roleOf("dxFailover").properties);
  const bySid = (statements: Statement[], sid: string) => {
    const found = statements.find((statement) => statement.Sid === sid);
    if (found === undefined) throw new Error(`no statement ${sid}`);
    return found;
  };
  const ec2Arn = (what: string) => ({
    "Fn::Join": [
      "",
      [
        "arn:",
        { Ref: "AWS::Partition" },
        ":ec2:",
        { Ref: "AWS::Region" },
        ":",
        { Ref: "AWS::AccountId" },
        `:${what}`,
      ],
    ],
  });

  it("ci configures a group and a probe VPC, so the IAM conditions below are real", () => {
    expect(groups.length).toBeGreaterThan(0);
    expect(dx.probeVpc.subnetIds.length).toBeGreaterThan(0);
  });

  it("failover: reserved concurrency 1; route writes and tags only on route tables carrying a group tag", () => {
    expect(functionProperties("dxFailover").ReservedConcurrentExecutions).toBe(1);
    const routes = bySid(failoverStatements(), "RouteWritesInGroupRouteTablesOnly");
    expect(asArray(routes.Action)).toEqual(["ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute"]);
    expect(asArray(routes.Resource as unknown[])).toEqual([
      { "Fn::Sub": `arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:route-table/*` },
    ]);
    // A table may carry several groups (a space-separated list): each configured group, alone or listed.
    expect(routes.Condition).toEqual({ StringLike: { [`aws:ResourceTag/${dx.groupTagKey}`]: members } });
    const tags = bySid(failoverStatements(), "StateTagsOnGroupRouteTablesOnly");
    expect(asArray(tags.Action)).toEqual(["ec2:CreateTags", "ec2:DeleteTags"]);
    expect(tags.Condition).toEqual({
      StringLike: { [`aws:ResourceTag/${dx.groupTagKey}`]: members },
      "ForAllValues:StringLike": { "aws:TagKeys": ["ops:dx-failover:*"] },
    });
    // No other function may write routes' tags; only vfxtIpMove also deletes routes (its own tables, retired addresses).
    const writers = (action: string) =>
      resourcesOfType("AWS::IAM::Role")
        .filter(([, role]) =>
          statementsOf(role.Properties as unknown as RoleProperties).some((st) =>
            asArray(st.Action).includes(action),
          ),
        )
        .map(([id]) => id)
        .sort();
    expect(writers("ec2:DeleteTags")).toEqual([roleOf("dxFailover").logicalId]);
    expect(writers("ec2:DeleteRoute")).toEqual(
      [roleOf("dxFailover").logicalId, roleOf("vfxtIpMove").logicalId].sort(),
    );
  });

  it("probe: scheduled every minute in the probe subnet, reserved concurrency 2 (anchored windows), no retries, ≤ 70 s", () => {
    const p = probe();
    expect(p.ReservedConcurrentExecutions).toBe(2);
    expect(p.Timeout).toBe(70);
    expect(p.VpcConfig).toEqual({
      SubnetIds: dx.probeVpc.subnetIds,
      SecurityGroupIds: dx.probeVpc.securityGroupIds,
    });
    const config = resourcesOfType("AWS::Lambda::EventInvokeConfig").find(
      ([, c]) =>
        JSON.stringify(c.Properties.FunctionName) === JSON.stringify({ Ref: "DxProbeLambdaFunction" }),
    );
    expect(config?.[1].Properties.MaximumRetryAttempts).toBe(0);
  });

  it("probe: its one AWS call is the trigger, on the trigger bus only; metrics leave as EMF (no PutMetricData)", () => {
    const trigger = bySid(probeStatements(), "TriggerEventOnTriggerBusOnly");
    expect(asArray(trigger.Action)).toEqual(["events:PutEvents"]);
    expect(JSON.stringify(trigger.Resource)).toContain(`event-bus/${dx.triggerBusName}`);
    expect(trigger.Condition).toEqual({
      StringEquals: {
        "events:source": expectedConfig.actionEvents.source,
        "events:detail-type": "DX Path Degraded",
      },
    });
    const actions = new Set(probeStatements().flatMap((st) => asArray(st.Action)));
    for (const forbidden of [
      "ec2:CreateRoute",
      "ec2:DeleteRoute",
      "ec2:CreateTags",
      "cloudwatch:PutMetricData",
    ])
      expect(actions.has(forbidden)).toBe(false);
  });

  it("probe in a VPC: no AWSLambdaVPCAccessExecutionRole; ENIs created only in the probe subnets with its security groups", () => {
    expect(probeRole().ManagedPolicyArns ?? []).toEqual([]);
    const reads = bySid(probeStatements(), "LambdaVpcReads");
    expect(asArray(reads.Action)).toEqual(["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]);
    const subnets = dx.probeVpc.subnetIds.map((id) => ec2Arn(`subnet/${id}`));
    const create = bySid(probeStatements(), "LambdaVpcEnisInProbeSubnetsOnly");
    expect(asArray(create.Action)).toEqual(["ec2:CreateNetworkInterface"]);
    expect(asArray(create.Resource as unknown[])).toEqual([
      ...subnets,
      ...dx.probeVpc.securityGroupIds.map((id) => ec2Arn(`security-group/${id}`)),
      ec2Arn("network-interface/*"),
    ]);
    const writes = bySid(probeStatements(), "LambdaVpcEniWritesInProbeSubnetsOnly");
    expect(asArray(writes.Action)).toEqual([
      "ec2:DeleteNetworkInterface",
      "ec2:AssignPrivateIpAddresses",
      "ec2:UnassignPrivateIpAddresses",
    ]);
    expect(asArray(writes.Resource as unknown[])).toEqual([ec2Arn("network-interface/*")]);
    expect(writes.Condition).toEqual({ ArnEquals: { "ec2:Subnet": subnets } });
  });

  it("the trigger bus: the failover function's rule on it, a policy denying every principal but the probes", () => {
    const rules = resourcesOfType("AWS::Events::Rule").filter(([, r]) =>
      JSON.stringify(r.Properties.EventPattern ?? {}).includes("DX Path Degraded"),
    );
    expect(rules).toHaveLength(1);
    expect(JSON.stringify(rules[0]?.[1].Properties.EventBusName)).toContain(dx.triggerBusName);
    const policy = resource("DxFailoverTriggerBusPolicy").Properties as {
      EventBusName: string;
      Statement: { Effect: string; Condition: { ArnNotEquals: Record<string, unknown[]> } };
    };
    expect(policy.EventBusName).toBe(dx.triggerBusName);
    expect(policy.Statement.Effect).toBe("Deny");
    expect(policy.Statement.Condition.ArnNotEquals["aws:PrincipalArn"]).toEqual([
      { "Fn::GetAtt": ["DxProbeIamRoleLambdaExecution", "Arn"] },
      ...dx.agentRoleArns,
    ]);
  });

  it("four alarms per group on its own probe's series, none in ALARM while all is well", () => {
    const alarms = resourcesOfType("AWS::CloudWatch::Alarm")
      .map(([, a]) => a.Properties as Record<string, unknown>)
      .filter((a) => String(a.AlarmName).startsWith(dx.alarmNamePrefix));
    for (const g of dx.groups) {
      const probeOf = g.probedBy ?? (g.location === "local-zone" ? "agent" : "lambda");
      const of = (suffix: string) =>
        alarms.find((a) => a.AlarmName === `${dx.alarmNamePrefix}${g.name}-${suffix}`);
      expect(of("dx-down")).toMatchObject({ Namespace: dx.metricsNamespace, TreatMissingData: "missing" });
      // OK means restored for the whole window: green when all is well (never a permanent ALARM).
      expect(of("dx-not-restored")).toMatchObject({
        ComparisonOperator: "LessThanThreshold",
        EvaluationPeriods: Math.ceil(g.restoreWindowSeconds / 60),
        DatapointsToAlarm: 1,
        TreatMissingData: "breaching",
      });
      expect(of("vpn-down")).toMatchObject({
        Dimensions: [
          { Name: "Group", Value: g.name },
          { Name: "Path", Value: "vpn" },
          { Name: "Probe", Value: probeOf },
        ],
      });
      expect(of("probe-missing")).toMatchObject({ TreatMissingData: "breaching" });
    }
    expect(alarms).toHaveLength(4 * dx.groups.length);
    expect(alarms.some((a) => a.ComparisonOperator === "GreaterThanOrEqualToThreshold")).toBe(false);
  });
});

describe("dashboard and paging alarms (issue 13, docs/observability.md)", () => {
  const body = () => {
    const dashboards = resourcesOfType("AWS::CloudWatch::Dashboard");
    expect(dashboards).toHaveLength(1);
    const properties = dashboards[0]?.[1].Properties ?? {};
    return (properties.DashboardBody as { "Fn::Sub": string })["Fn::Sub"];
  };
  const alarmResources = () => Object.fromEntries(resourcesOfType("AWS::CloudWatch::Alarm"));

  it("the packaged dashboard is the one generated from config/ci.json and the packaged functions", () => {
    const widgets = (JSON.parse(body()) as { widgets: { type: string; properties: { markdown?: string } }[] })
      .widgets;
    expect(
      widgets.filter((w) => w.type === "text").map((w) => w.properties.markdown?.split("\n")[0]),
    ).toEqual([
      "## Every function",
      "## idle-hibernate",
      "## dx-failover",
      "## eni-reattach",
      "## vfxt-ip-move",
    ]);
    // Each function's run time is drawn against its own packaged timeout.
    for (const key of FUNCTION_KEYS) {
      const timeout = functionProperties(key).Timeout;
      expect(body()).toContain(`"label":"${fn(key).service} (${timeout} s)"`);
      expect(body()).toContain(`["AWS/Lambda","Errors","FunctionName","\${${fn(key).logicalId}}"`);
    }
  });

  it("every widget and every alarm of the template watches a metric that is published", () => {
    const refs = [...dashboardRefs(body()), ...alarmRefs(alarmResources())];
    expect(refs.length).toBeGreaterThan(100);
    expect(refs.map((ref) => problemOf(ref, expectedConfig)).filter(Boolean)).toEqual([]);
  });

  it("the paging alarms notify the stack's alarm topic on ALARM and OK; the functions' input alarms do not", () => {
    expect(resource("OpsAlarmTopic").Type).toBe("AWS::SNS::Topic");
    expect(template.Outputs?.OpsAlarmTopicArn).toMatchObject({ Value: { Ref: "OpsAlarmTopic" } });
    expect(resource("OpsAlarmTopicPolicy").Properties).toMatchObject({
      Topics: [{ Ref: "OpsAlarmTopic" }],
      PolicyDocument: {
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Condition: {
              ArnLike: {
                "aws:SourceArn": {
                  "Fn::Sub": `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${SERVICE}-${STAGE}-*`,
                },
              },
            },
          },
        ],
      },
    });
    const topic = [{ Ref: "OpsAlarmTopic" }];
    const alarms = resourcesOfType("AWS::CloudWatch::Alarm").map(([, r]) => r.Properties);
    const paging = alarms.filter((p) => p.AlarmActions !== undefined);
    for (const p of paging) {
      expect(p, String(p.AlarmName)).toMatchObject({ AlarmActions: topic, OKActions: topic });
      expect(String(p.AlarmName).startsWith(`${SERVICE}-${STAGE}-`)).toBe(true);
    }
    expect(paging.map((p) => String(p.AlarmName).replace(`${SERVICE}-${STAGE}-`, "")).sort()).toEqual(
      [
        "failed-events",
        "idle-hibernated-too-long",
        "idle-hibernation-not-proven",
        "vfxt-no-healthy-node",
        "vfxt-addresses-unserved",
        "vfxt-backstop-acted",
        "eni-ci-fw-asg-abandoned",
        "eni-ci-fw-asg-missing-interfaces",
        ...[
          "failover-incomplete",
          "on-vpn-too-long",
          "direct-connect-not-restored",
          "stuck-on-vpn",
          "both-paths-down",
          "override-defeated",
        ].map((what) => `dx-ci-lz-${what}`),
      ].sort(),
    );
    const inputs = alarms.filter((p) =>
      String(p.AlarmName).startsWith(expectedConfig.dxFailover.alarmNamePrefix),
    );
    expect(inputs).toHaveLength(4);
    for (const p of inputs) expect(p.AlarmActions).toBeUndefined();
    for (const p of alarms) expect(["breaching", "notBreaching", "missing"]).toContain(p.TreatMissingData);
  });

  it("substitutes only pseudo parameters and resources of the stack", () => {
    const references = [...body().matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1] ?? "");
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references) {
      if (reference.startsWith("AWS::")) continue;
      expect(Object.keys(template.Resources), reference).toContain(reference.split(".")[0]);
    }
  });

  it("the template stays within CloudFormation's limits (460,800 bytes from S3, 200 resources: the stricter revision)", () => {
    const bytes = statSync(join(out, "cloudformation-template-update-stack.json")).size;
    expect(bytes).toBeLessThanOrEqual(460_800);
    expect(Object.keys(template.Resources).length).toBeLessThanOrEqual(200);
  });
});

describe("function zips", () => {
  it.each(FUNCTION_KEYS)("%s: one bundled .cjs file, < 1.5 MB zipped, no test or simulator code", (key) => {
    const zipPath = join(out, `${key}.zip`);
    expect(functionProperties(key).Code.S3Key.endsWith(`/${key}.zip`)).toBe(true);
    const size = statSync(zipPath).size;
    console.info(`${key}.zip: ${size} bytes`);
    expect(size).toBeLessThan(MAX_ZIP_BYTES);
    const entries = readZip(zipPath);
    expect(entries.map((entry) => entry.name)).toEqual([fn(key).bundle]);
    for (const entry of entries)
      expect(entry.name).not.toMatch(/^(sim|test|tools|bench|events|config|node_modules)\/|\.map$/);
    const code = entries[0]?.read().toString("utf8") ?? "";
    expect(code).not.toContain("sourceMappingURL");
  });

  it.each(FUNCTION_KEYS)(
    "%s: the bundle loads, and keeps class names (a bad OPS_CONFIG fails with ConfigurationError)",
    (key) => {
      const entries = readZip(join(out, `${key}.zip`));
      const bundle = join(work, `${key}.cjs`);
      writeFileSync(bundle, entries[0]?.read() ?? "");
      const load = (opsConfig: string) =>
        execFileSync(
          process.execPath,
          [
            "-e",
            `try { const m = require(${JSON.stringify(bundle)}); console.log(typeof m.handler) } catch (e) { console.log(e.name) }`,
          ],
          {
            encoding: "utf8",
            env: {
              PATH: process.env.PATH,
              OPS_CONFIG: opsConfig,
              AWS_REGION: "us-east-1",
              POWERTOOLS_LOG_LEVEL: "SILENT",
              POWERTOOLS_TRACE_ENABLED: "false",
              POWERTOOLS_METRICS_DISABLED: "true",
            },
          },
        ).trim();
      expect(load(functionProperties(key).Environment.Variables.OPS_CONFIG ?? "")).toBe("function");
      expect(load('{"mode":"yolo"}')).toBe("ConfigurationError");
    },
  );

  it("bundles only functions/ and shared/ code from the project (module graph, same esbuild settings)", async () => {
    const settings = state.service.custom.esbuild;
    expect(settings).toMatchObject({
      bundle: true,
      platform: "node",
      target: "node22",
      format: "cjs",
      outputFileExtension: ".cjs",
      mainFields: ["module", "main"],
      minify: true,
      keepNames: true,
      sourcemap: false,
      exclude: [],
      plugins: "./tools/esbuild-plugins.cjs",
    });
    const entryPoints = Object.values(state.service.functions).map(({ handler }) => {
      const base = handler.slice(0, handler.lastIndexOf("."));
      return join(ROOT, `${base}.ts`);
    });
    const plugins = createRequire(import.meta.url)("../../tools/esbuild-plugins.cjs") as esbuild.Plugin[];
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints,
      bundle: true,
      platform: "node",
      target: String(settings.target),
      format: "cjs",
      mainFields: ["module", "main"],
      minify: true,
      keepNames: true,
      external: [],
      plugins,
      write: false,
      outdir: join(work, "graph"),
      metafile: true,
      logLevel: "silent",
    });
    const projectInputs = Object.keys(result.metafile.inputs).filter(
      (input) => !input.includes("node_modules/"),
    );
    expect(projectInputs.length).toBeGreaterThan(0);
    for (const input of projectInputs) expect(input).toMatch(/^(functions|shared)\//);
    const packages = Object.keys(result.metafile.inputs).filter((input) => input.includes("node_modules/"));
    // The AWS SDK v3 is bundled, not taken from the Lambda runtime.
    expect(packages.some((input) => input.includes("node_modules/@aws-sdk/client-ec2/"))).toBe(true);
  });
});

describe("a stage without a valid configuration fails packaging", () => {
  // In this file (tests run one after the other) because the next test adds a file to config/.
  it("tools/check-config.ts without arguments checks every config/*.json", () => {
    const output = execFileSync(
      process.execPath,
      [join(ROOT, "node_modules/tsx/dist/cli.mjs"), "tools/check-config.ts"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    for (const stage of ["ci", "dev", "prod"])
      expect(output).toContain(`✓ config/${stage}.json (stage ${stage})`);
  }, 60_000);

  it("an invalid config/<stage>.json: the zod issue is printed", async () => {
    const stage = `zzinvalid${process.pid}`;
    const file = join(ROOT, "config", `${stage}.json`);
    writeFileSync(file, `${JSON.stringify({ mode: "yolo" })}\n`);
    try {
      const log = join(work, `network-${stage}.log`);
      const run = await runOsls(["package", "--stage", stage, "--package", join(work, stage)], log, work);
      expect(run.code).not.toBe(0);
      expect(run.output).toContain(`Invalid ops-toolkit configuration in config/${stage}.json`);
      expect(run.output).toContain('mode: Invalid option: expected one of "plan"|"dry-run"|"apply"');
      expect(existsSync(join(work, stage, "cloudformation-template-update-stack.json"))).toBe(false);
      expect(existsSync(log) ? readFileSync(log, "utf8") : "").toBe("");
    } finally {
      rmSync(file, { force: true });
    }
  }, 120_000);

  it("a stage without a file: the available stages are listed", async () => {
    const stage = `zzmissing${process.pid}`;
    const run = await runOsls(
      ["package", "--stage", stage, "--package", join(work, stage)],
      join(work, "n.log"),
      work,
    );
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(
      `No ops-toolkit configuration for stage "${stage}": config/${stage}.json does not exist.`,
    );
    expect(run.output).toMatch(/Available stages: .*\bci\b.*\bdev\b.*\bprod\b/);
  }, 120_000);
});
