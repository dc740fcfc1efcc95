/**
 * Which deployed functions an event reaches, decided the way AWS decides it from the stack's triggers
 * (functions/index.ts): an EventBridge event by the rules' patterns (on their bus), a scheduled event by
 * the rule named in its `resources`, an SNS record by its topic, an SQS record by its queue, a CloudWatch
 * alarm's Lambda action by the alarm's configured actions (and the function's resource policy), and any
 * other payload by the direct-invoke kinds the functions declare. Every match is a delivery: AWS delivers
 * to every matching target. No match is an answer too, with the reason.
 */
import { type DeployedFunction, deployedName } from "../../functions/index";
import type { Trigger, TriggerContext } from "../../functions/triggers";
import { compileEventPattern } from "./event-pattern";

export interface Delivery {
  function: DeployedFunction;
  trigger: Trigger;
  /** The trigger in words, e.g. `EventBridge rule ops-toolkit-dev-idle-hibernate-alarm`. */
  via: string;
}

export interface Routing {
  /** What the event is, in words. */
  event: string;
  deliveries: Delivery[];
  /** Why nothing receives it (set when `deliveries` is empty). */
  unmatched?: string;
}

/** The Lambda actions an alarm runs when it enters `state`; undefined when the account has no such alarm. */
export type AlarmActionsLookup = (alarmName: string, state: string) => string[] | undefined;

export interface Deployment {
  functions: readonly DeployedFunction[];
  ctx: TriggerContext;
  alarmActions: AlarmActionsLookup;
}

type Json = Record<string, unknown>;
type Kind = Trigger["kind"];
type TriggerOf<K extends Kind> = Extract<Trigger, { kind: K }>;
type Bound<K extends Kind> = { fn: DeployedFunction; trigger: TriggerOf<K> };

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

const triggersOf = <K extends Kind>(deployment: Deployment, kind: K): Bound<K>[] =>
  deployment.functions.flatMap((fn) =>
    fn
      .triggers(deployment.ctx)
      .filter((trigger): trigger is TriggerOf<K> => trigger.kind === kind)
      .map((trigger) => ({ fn, trigger })),
  );

const delivered = <K extends Kind>(
  event: string,
  bound: Bound<K>[],
  via: (trigger: TriggerOf<K>) => string,
  unmatched: string,
): Routing =>
  bound.length > 0
    ? { event, deliveries: bound.map(({ fn, trigger }) => ({ function: fn, trigger, via: via(trigger) })) }
    : { event, deliveries: [], unmatched };

/** The last path segment of an ARN's resource (`…:rule/name` → name, `…:topic-name` → topic-name). */
const arnResourceName = (arn: string): string =>
  arn.slice(Math.max(arn.lastIndexOf("/"), arn.lastIndexOf(":")) + 1);

// ---------------------------------------------------------------------------------------------------

const routeSchedule = (raw: Json, deployment: Deployment): Routing => {
  const resources = Array.isArray(raw.resources) ? raw.resources.filter((r) => typeof r === "string") : [];
  const rules = resources
    .filter((arn) => /^arn:[^:]+:events:[^:]*:[^:]*:rule\//.test(arn))
    .map(arnResourceName);
  const event = `scheduled event of rule ${rules.join(", ") || "(none named in resources)"}`;
  const bound = triggersOf(deployment, "schedule").filter(({ trigger }) => rules.includes(trigger.name));
  return delivered(
    event,
    bound,
    (t) => `schedule ${t.name} (${t.rate})`,
    `no deployed schedule is named ${rules.join(", ") || "in its resources"}`,
  );
};

const routeEventBridge = (raw: Json, deployment: Deployment): Routing => {
  const event = `EventBridge event ${String(raw.source)} / "${String(raw["detail-type"])}"`;
  if (raw.source === "aws.events" && raw["detail-type"] === "Scheduled Event")
    return routeSchedule(raw, deployment);
  // An event file names no bus: it is delivered as if put on the bus of each rule whose pattern matches
  // (AWS service events reach only the default bus; the dx probes' trigger only its own bus).
  const bound = triggersOf(deployment, "eventbridge").filter(({ trigger }) =>
    compileEventPattern(trigger.pattern)(raw),
  );
  return delivered(
    event,
    bound,
    (t) => `EventBridge rule ${t.name}`,
    "no deployed EventBridge rule's pattern matches it",
  );
};

const routeRecords = (records: unknown[], deployment: Deployment): Routing => {
  const first = isObject(records[0]) ? records[0] : {};
  if (first.EventSource === "aws:sns") {
    const topics = [
      ...new Set(records.map((r) => text(isObject(r) && isObject(r.Sns) ? r.Sns.TopicArn : undefined))),
    ];
    const names = topics.filter((t) => t !== undefined).map(arnResourceName);
    const bound = triggersOf(deployment, "sns").filter(({ trigger }) => names.includes(trigger.topicName));
    return delivered(
      `SNS message from topic ${names.join(", ") || "(no TopicArn)"}`,
      bound,
      (t) => `SNS subscription to ${t.topicName}`,
      `no deployed function is subscribed to ${names.join(", ") || "its topic"}`,
    );
  }
  if (first.eventSource === "aws:sqs") {
    const queues = [...new Set(records.map((r) => text(isObject(r) ? r.eventSourceARN : undefined)))];
    const names = queues.filter((q) => q !== undefined).map(arnResourceName);
    const bound = triggersOf(deployment, "sqs").filter(({ trigger }) => names.includes(trigger.queueName));
    return delivered(
      `SQS message from queue ${names.join(", ") || "(no eventSourceARN)"}`,
      bound,
      (t) => `SQS event source ${t.queueName}`,
      `no deployed function reads the queue ${names.join(", ") || "of the records"}`,
    );
  }
  const source = text(first.EventSource) ?? text(first.eventSource) ?? "an unknown source";
  return {
    event: `Records from ${source}`,
    deliveries: [],
    unmatched: "no deployed trigger delivers such records",
  };
};

/** A Lambda function ARN's function name (without a qualifier). */
const lambdaFunctionName = (arn: string): string | undefined =>
  /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(arn)?.[1];

const routeAlarmAction = (raw: Json, deployment: Deployment): Routing => {
  const data = isObject(raw.alarmData) ? raw.alarmData : {};
  const alarmName = text(data.alarmName) ?? arnResourceName(String(raw.alarmArn));
  const state = text(isObject(data.state) ? data.state.value : undefined) ?? "ALARM";
  const event = `CloudWatch alarm Lambda action of ${alarmName} (${state})`;
  const actions = deployment.alarmActions(alarmName, state);
  if (actions === undefined)
    return { event, deliveries: [], unmatched: `the account has no alarm ${alarmName}` };
  const invoked = new Set(actions.map(lambdaFunctionName).filter((name) => name !== undefined));
  const named = triggersOf(deployment, "alarm-action").filter(({ fn }) =>
    invoked.has(deployedName(fn, deployment.ctx)),
  );
  const allowed = named.filter(({ trigger }) => alarmName.startsWith(trigger.alarmNamePrefix));
  if (allowed.length > 0 || named.length === 0)
    return delivered(
      event,
      allowed,
      () => `alarm action of ${alarmName}`,
      `alarm ${alarmName} has no ${state} action that invokes a deployed function (its actions: ${actions.join(", ") || "none"})`,
    );
  const prefixes = named.map(({ trigger }) => `${trigger.alarmNamePrefix}*`);
  return {
    event,
    deliveries: [],
    unmatched: `alarm ${alarmName} invokes ${named.map(({ fn }) => fn.name).join(", ")}, whose resource policy only lets alarms ${prefixes.join(", ")} invoke it`,
  };
};

const routeDirectInvoke = (raw: unknown, deployment: Deployment): Routing => {
  const bound = triggersOf(deployment, "direct-invoke").filter(({ trigger }) =>
    compileEventPattern(trigger.payload)(raw),
  );
  return delivered(
    "a direct invocation payload",
    bound,
    (t) => `direct invocation (${t.name})`,
    "it is no EventBridge event, SNS or SQS record or alarm action, and no function declares such a payload",
  );
};

/** The deliveries AWS would make of `raw` to the stack described by `deployment`. */
export const routeEvent = (raw: unknown, deployment: Deployment): Routing => {
  if (isObject(raw) && Array.isArray(raw.Records) && raw.Records.length > 0)
    return routeRecords(raw.Records, deployment);
  if (isObject(raw) && typeof raw.alarmArn === "string" && isObject(raw.alarmData))
    return routeAlarmAction(raw, deployment);
  if (isObject(raw) && typeof raw.source === "string" && typeof raw["detail-type"] === "string")
    return routeEventBridge(raw, deployment);
  return routeDirectInvoke(raw, deployment);
};
