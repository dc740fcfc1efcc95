/**
 * Auto Scaling lifecycle actions, in the three shapes that reach code (events/samples/SOURCES.md, note 8):
 * - EventBridge "EC2 Instance-launch Lifecycle Action" / "EC2 Instance-terminate Lifecycle Action"
 *   (source aws.autoscaling, fields in `detail`);
 * - the plain lifecycle message of a hook with an SNS target (`Records[].Sns.Message`, a JSON string);
 * - the same message from an SQS target (`Records[].body`, a JSON string).
 * The test message (`Event: "autoscaling:TEST_NOTIFICATION"`, no LifecycleTransition/EC2InstanceId)
 * becomes a LifecycleTestNotification, which functions ignore (no action, no retry).
 */
import * as z from "zod/mini";
import { parseArn } from "../aws/arn";
import { formatIssues, invalidEvent, parseOptions } from "./issues";
import { timestamp } from "./time";
import type { LifecycleAction, LifecycleTestNotification, LifecycleTransition } from "./types";

export const LIFECYCLE_PARSER = "lifecycle-action";
export const TEST_NOTIFICATION = "autoscaling:TEST_NOTIFICATION";

const nonEmpty = z.string().check(z.minLength(1));
const transition = z.enum(["autoscaling:EC2_INSTANCE_LAUNCHING", "autoscaling:EC2_INSTANCE_TERMINATING"]);
const endpoint = z.optional(z.enum(["EC2", "AutoScalingGroup", "WarmPool"]));

const lifecycleFields = {
  LifecycleActionToken: nonEmpty,
  AutoScalingGroupName: nonEmpty,
  LifecycleHookName: nonEmpty,
  EC2InstanceId: nonEmpty,
  LifecycleTransition: transition,
  NotificationMetadata: z.optional(z.string()),
  Origin: endpoint,
  Destination: endpoint,
};

export const lifecycleEventBridgeEvent = z.object({
  id: nonEmpty,
  "detail-type": z.enum(["EC2 Instance-launch Lifecycle Action", "EC2 Instance-terminate Lifecycle Action"]),
  source: z.literal("aws.autoscaling"),
  account: nonEmpty,
  time: timestamp,
  region: nonEmpty,
  resources: z._default(z.array(z.string()), []),
  detail: z.object(lifecycleFields),
});

const lifecycleMessage = z.object({
  ...lifecycleFields,
  AccountId: z.optional(z.string()),
  RequestId: z.optional(z.string()),
  Time: z.optional(timestamp),
  Service: z.optional(z.string()),
});

const testMessage = z.object({
  Event: z.literal(TEST_NOTIFICATION),
  AccountId: z.optional(z.string()),
  AutoScalingGroupName: z.optional(z.string()),
  RequestId: z.optional(z.string()),
});

const snsRecord = z.object({
  EventSource: z.literal("aws:sns"),
  EventSubscriptionArn: z.optional(z.string()),
  Sns: z.object({
    MessageId: nonEmpty,
    TopicArn: z.optional(z.string()),
    Message: z.string(),
    Timestamp: timestamp,
  }),
});

const sqsRecord = z.object({
  eventSource: z.literal("aws:sqs"),
  messageId: nonEmpty,
  body: z.string(),
  awsRegion: z.optional(z.string()),
  eventSourceARN: z.optional(z.string()),
  attributes: z.optional(z.object({ SentTimestamp: z.optional(z.string()) })),
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Whether a decoded SNS/SQS message is an Auto Scaling lifecycle message (or its test message). */
export function isLifecycleMessage(message: unknown): boolean {
  return (
    isObject(message) &&
    ("LifecycleTransition" in message ||
      (typeof message.Event === "string" && message.Event.startsWith("autoscaling:")))
  );
}

/** Decodes the JSON string of an SNS `Message` or SQS `body`; undefined when it is not JSON. */
export function decodeMessage(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const regionOfArn = (arn: string | undefined): string =>
  arn === undefined ? "" : (parseArn(arn)?.region ?? "");

export function parseEventBridgeLifecycle(raw: unknown, source: string): LifecycleAction {
  const result = lifecycleEventBridgeEvent.safeParse(raw, parseOptions);
  if (!result.success) {
    throw invalidEvent(`Invalid Auto Scaling lifecycle event (eventbridge:${source})`, {
      parser: LIFECYCLE_PARSER,
      source,
      issues: formatIssues(result.error.issues),
    });
  }
  const e = result.data;
  return action("eventbridge", e.id, e.time, e.region, e.account, e.detail, e.resources[0]);
}

function action(
  shape: LifecycleAction["shape"],
  eventId: string,
  time: Date,
  region: string,
  accountId: string,
  m: z.output<typeof lifecycleMessage> | z.output<typeof lifecycleEventBridgeEvent>["detail"],
  groupArn?: string,
): LifecycleAction {
  const out: LifecycleAction = {
    kind: "lifecycle-action",
    shape,
    eventId,
    time,
    region,
    accountId,
    groupName: m.AutoScalingGroupName,
    hookName: m.LifecycleHookName,
    instanceId: m.EC2InstanceId,
    token: m.LifecycleActionToken,
    transition: m.LifecycleTransition as LifecycleTransition,
  };
  if (m.Origin !== undefined) out.origin = m.Origin;
  if (m.Destination !== undefined) out.destination = m.Destination;
  if (m.NotificationMetadata !== undefined) out.notificationMetadata = m.NotificationMetadata;
  if (groupArn?.startsWith("arn:")) out.groupArn = groupArn;
  return out;
}

function parseMessage(
  message: unknown,
  at: string,
  envelope: { shape: "sns" | "sqs"; eventId: string; time: Date; region: string },
): LifecycleAction | LifecycleTestNotification {
  const test = testMessage.safeParse(message, parseOptions);
  if (test.success) {
    const out: LifecycleTestNotification = {
      kind: "lifecycle-test",
      shape: envelope.shape,
      eventId: envelope.eventId,
      time: envelope.time,
      region: envelope.region,
      accountId: test.data.AccountId ?? "",
    };
    if (test.data.AutoScalingGroupName !== undefined) out.groupName = test.data.AutoScalingGroupName;
    return out;
  }
  const parsed = lifecycleMessage.safeParse(message, parseOptions);
  if (!parsed.success) {
    throw invalidEvent(`Invalid Auto Scaling lifecycle message in ${at}`, {
      parser: LIFECYCLE_PARSER,
      source: `aws:${envelope.shape}`,
      issues: formatIssues(parsed.error.issues, at),
    });
  }
  const m = parsed.data;
  return action(
    envelope.shape,
    envelope.eventId,
    m.Time ?? envelope.time,
    envelope.region,
    m.AccountId ?? "",
    m,
  );
}

function notLifecycle(at: string, source: string): never {
  throw invalidEvent(`Unsupported message in ${at}: not an Auto Scaling lifecycle message`, {
    parser: LIFECYCLE_PARSER,
    source,
    issues: [`${at}: expected a JSON lifecycle message (LifecycleTransition or Event "autoscaling:…")`],
  });
}

/** SNS records whose messages are lifecycle messages (a hook with an SNS notification target). */
export function parseSnsLifecycle(
  records: readonly unknown[],
): (LifecycleAction | LifecycleTestNotification)[] {
  return records.map((record, index) => {
    const at = `Records[${index}]`;
    const envelope = snsRecord.safeParse(record, parseOptions);
    if (!envelope.success) {
      throw invalidEvent(`Invalid SNS record ${at}`, {
        parser: LIFECYCLE_PARSER,
        source: "aws:sns",
        issues: formatIssues(envelope.error.issues, at),
      });
    }
    const { Sns: sns, EventSubscriptionArn } = envelope.data;
    const message = decodeMessage(sns.Message);
    if (!isLifecycleMessage(message)) notLifecycle(`${at}.Sns.Message`, "aws:sns");
    return parseMessage(message, `${at}.Sns.Message`, {
      shape: "sns",
      eventId: sns.MessageId,
      time: sns.Timestamp,
      region: regionOfArn(sns.TopicArn ?? EventSubscriptionArn),
    });
  });
}

/** SQS records whose bodies are lifecycle messages (a hook with an SQS notification target). */
export function parseSqsLifecycle(
  records: readonly unknown[],
): (LifecycleAction | LifecycleTestNotification)[] {
  if (records.length === 0) {
    throw invalidEvent("Invalid SQS event: Records is empty", {
      parser: LIFECYCLE_PARSER,
      source: "aws:sqs",
      issues: ["Records: must have at least 1 item(s)"],
    });
  }
  return records.map((record, index) => {
    const at = `Records[${index}]`;
    const envelope = sqsRecord.safeParse(record, parseOptions);
    if (!envelope.success) {
      throw invalidEvent(`Invalid SQS record ${at}`, {
        parser: LIFECYCLE_PARSER,
        source: "aws:sqs",
        issues: formatIssues(envelope.error.issues, at),
      });
    }
    const r = envelope.data;
    const message = decodeMessage(r.body);
    if (!isLifecycleMessage(message)) notLifecycle(`${at}.body`, "aws:sqs");
    const sent = Number(r.attributes?.SentTimestamp);
    return parseMessage(message, `${at}.body`, {
      shape: "sqs",
      eventId: r.messageId,
      time: Number.isFinite(sent) ? new Date(sent) : new Date(0),
      region: r.awsRegion ?? regionOfArn(r.eventSourceARN),
    });
  });
}
