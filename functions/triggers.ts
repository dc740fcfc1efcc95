import type { StageConfig } from "./config";

/**
 * The vocabulary of the function registry (functions/index.ts): what invokes a deployed function, as
 * data. serverless.yml declares the same triggers (test/serverless/registry.e2e.test.ts compares the
 * packaged template with the registry); replay routes an event to the functions whose trigger matches it.
 */

/** A JSON scalar, as event patterns match it. */
export type JsonScalar = string | number | boolean | null;

/**
 * One value of an event pattern's array: a scalar (exact match) or a content filter (AWS, "Content
 * filtering in Amazon EventBridge event patterns").
 */
export type PatternValue =
  | JsonScalar
  | { prefix: string | { "equals-ignore-case": string } }
  | { suffix: string | { "equals-ignore-case": string } }
  | { "equals-ignore-case": string }
  | { wildcard: string }
  | { numeric: ReadonlyArray<string | number> }
  | { exists: boolean }
  | { cidr: string }
  | {
      "anything-but":
        | JsonScalar
        | readonly JsonScalar[]
        | { prefix: string }
        | { suffix: string }
        | { "equals-ignore-case": string | readonly string[] }
        | { wildcard: string | readonly string[] };
    };

/** An EventBridge event pattern: fields AND, values of a field's array OR, `$or` between sub-patterns. */
export interface EventPattern {
  readonly [field: string]: readonly PatternValue[] | EventPattern | readonly EventPattern[];
}

/** An EventBridge rule with an event pattern. `name` is the deployed rule name. */
export interface EventBridgeRuleTrigger {
  kind: "eventbridge";
  name: string;
  /** Event bus of the rule ("default" for AWS service events). */
  bus: string;
  pattern: EventPattern;
  description: string;
}

/** A scheduled EventBridge rule; its events name the rule in `resources`. */
export interface ScheduleTrigger {
  kind: "schedule";
  name: string;
  /** The rule's ScheduleExpression, e.g. `rate(5 minutes)`. */
  rate: string;
  description: string;
}

/** A subscription of the function to an SNS topic of the stack. */
export interface SnsTrigger {
  kind: "sns";
  topicName: string;
  /** The topic's logical id in serverless.yml `resources`. */
  topicLogicalId: string;
}

/** An SQS event source mapping (queue → function). */
export interface SqsTrigger {
  kind: "sqs";
  queueName: string;
  queueLogicalId: string;
}

/**
 * A CloudWatch alarm's Lambda action: the function's resource policy lets this account's alarms whose
 * name starts with `alarmNamePrefix` invoke it (principal lambda.alarms.cloudwatch.amazonaws.com). Which
 * alarm invokes it is the alarm's own configuration (its actions).
 */
export interface AlarmActionTrigger {
  kind: "alarm-action";
  alarmNamePrefix: string;
}

/**
 * A payload an operator sends with `aws lambda invoke` (nothing in the stack routes it): a kind of its
 * own, recognised by `payload`, an event pattern applied to the payload.
 */
export interface DirectInvokeTrigger {
  kind: "direct-invoke";
  name: string;
  payload: EventPattern;
  description: string;
}

export type Trigger =
  | EventBridgeRuleTrigger
  | ScheduleTrigger
  | SnsTrigger
  | SqsTrigger
  | AlarmActionTrigger
  | DirectInvokeTrigger;

/** What the triggers of a stage are derived from: the validated stage configuration and the stack's names. */
export interface TriggerContext {
  config: StageConfig;
  /** serverless.yml `service`. */
  service: string;
  stage: string;
}

export const SERVICE = "ops-toolkit";

/** Names of the stack's own resources: `<service>-<stage>-<suffix>` (as serverless.yml spells them). */
export const stackName = (ctx: TriggerContext, suffix: string): string =>
  `${ctx.service}-${ctx.stage}-${suffix}`;

export const eventBridgeRule = (
  ctx: TriggerContext,
  suffix: string,
  pattern: EventPattern,
  description: string,
  bus = "default",
): EventBridgeRuleTrigger => ({
  kind: "eventbridge",
  name: stackName(ctx, suffix),
  bus,
  pattern,
  description,
});

export const schedule = (
  ctx: TriggerContext,
  suffix: string,
  rate: string,
  description: string,
): ScheduleTrigger => ({ kind: "schedule", name: stackName(ctx, suffix), rate, description });

export const snsTopic = (ctx: TriggerContext, suffix: string, topicLogicalId: string): SnsTrigger => ({
  kind: "sns",
  topicName: stackName(ctx, suffix),
  topicLogicalId,
});

/** The EventBridge pattern of a CloudWatch alarm state change for alarms named `<prefix>…`. */
export const alarmStateChange = (prefix: string, states?: readonly string[]): EventPattern => ({
  source: ["aws.cloudwatch"],
  "detail-type": ["CloudWatch Alarm State Change"],
  detail: {
    alarmName: [{ prefix }],
    ...(states === undefined ? {} : { state: { value: states } }),
  },
});

/** The EventBridge pattern of an EC2 instance state change to one of `states`. */
export const instanceStateChange = (states: readonly string[]): EventPattern => ({
  source: ["aws.ec2"],
  "detail-type": ["EC2 Instance State-change Notification"],
  detail: { state: states },
});
