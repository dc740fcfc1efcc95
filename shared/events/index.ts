/**
 * Event parsing: every event shape the functions accept, validated with zod/mini and normalised to
 * ToolkitEvent. Unknown, malformed or foreign events throw InvalidEventError (never retried).
 *
 *   parseEvents        any accepted shape → ToolkitEvent[] (an SNS event yields one per record)
 *   parseAlarmChanges  CloudWatch alarm shapes only → AlarmChange[]
 *   describeEventShape a short label for logs, never throws
 */
import { InvalidEventError } from "../runtime/errors";
import { ALARM_PARSER, parseEventBridgeAlarm, parseLambdaAlarmAction, parseSnsAlarms } from "./alarm";
import { parseEc2StateChange, parseScheduledEvent } from "./eventbridge";
import { describeValue, formatIssues, invalidEvent, parseOptions } from "./issues";
import {
  decodeMessage,
  isLifecycleMessage,
  parseEventBridgeLifecycle,
  parseSnsLifecycle,
  parseSqsLifecycle,
} from "./lifecycle";
import { eventBridgeHead } from "./schemas";
import { classifyEvent, type EventShape, labelOf } from "./shape";
import type { AlarmChange, ToolkitEvent } from "./types";

export { parseAlarmArn } from "./schemas";
export { describeEventShape } from "./shape";
export { parseAwsTimestamp } from "./time";
export type * from "./types";

const ANY_PARSER = "any";

const ALARM_STATE_CHANGE = "CloudWatch Alarm State Change";
const ALARM_CONFIGURATION_CHANGE = "CloudWatch Alarm Configuration Change";

type EventBridgeParser = (raw: unknown, source: string) => ToolkitEvent;

/** EventBridge (source, detail-type) pairs that parseEvents accepts. */
const EVENTBRIDGE_PARSERS: ReadonlyMap<string, EventBridgeParser> = new Map<string, EventBridgeParser>([
  [`aws.cloudwatch\n${ALARM_STATE_CHANGE}`, parseEventBridgeAlarm],
  ["aws.events\nScheduled Event", parseScheduledEvent],
  ["aws.scheduler\nScheduled Event", parseScheduledEvent],
  ["aws.ec2\nEC2 Instance State-change Notification", parseEc2StateChange],
  ["aws.autoscaling\nEC2 Instance-launch Lifecycle Action", parseEventBridgeLifecycle],
  ["aws.autoscaling\nEC2 Instance-terminate Lifecycle Action", parseEventBridgeLifecycle],
]);

const ACCEPTED_EVENTBRIDGE =
  '"CloudWatch Alarm State Change" from aws.cloudwatch, "Scheduled Event" from aws.events or aws.scheduler, ' +
  '"EC2 Instance State-change Notification" from aws.ec2, ' +
  '"EC2 Instance-launch/-terminate Lifecycle Action" from aws.autoscaling';

function configurationChange(source: string, detailType: string, parser: string): InvalidEventError {
  return new InvalidEventError(
    `Unsupported event: detail-type "${detailType}" from ${source} is a configuration change, not a state change`,
    {
      parser,
      source,
      detailType,
      issues: [`detail-type: expected "${ALARM_STATE_CHANGE}", received "${detailType}"`],
    },
  );
}

/** Errors every parser shares: not an object, no recognisable shape, foreign Records, broken envelope. */
function unrecognised(raw: unknown, shape: EventShape, parser: string): InvalidEventError {
  switch (shape.kind) {
    case "not-object":
      return new InvalidEventError(`Invalid event: expected a JSON object, received ${describeValue(raw)}`, {
        parser,
        issues: [`(root): expected object, received ${describeValue(raw)}`],
      });
    case "records":
      return new InvalidEventError(
        shape.empty
          ? "Unsupported event: empty Records array"
          : `Unsupported event: Records from ${shape.eventSource ?? "an unknown source"} (only SNS is accepted)`,
        {
          parser,
          ...(shape.eventSource === undefined ? {} : { source: shape.eventSource }),
          issues: [
            shape.empty
              ? "Records: must have at least 1 item(s)"
              : `Records[0]: expected an SNS record (EventSource "aws:sns"), received a record from ${describeValue(shape.eventSource)}`,
          ],
        },
      );
    case "eventbridge-malformed": {
      const head = eventBridgeHead.safeParse(raw, parseOptions);
      return invalidEvent("Invalid EventBridge event", {
        parser,
        issues: head.success ? ["source/detail-type: unreadable"] : formatIssues(head.error.issues),
      });
    }
    default:
      return new InvalidEventError(
        "Unrecognised event shape: expected an EventBridge event (source, detail-type, detail), " +
          "a CloudWatch alarm Lambda action (alarmArn, alarmData) or an SNS event (Records[].Sns)",
        { parser, issues: ["(root): no source/detail-type, alarmData or Records[].Sns"] },
      );
  }
}

const isSnsLifecycle = (records: readonly unknown[]): boolean =>
  records.some((record) => {
    const message = (record as { Sns?: { Message?: unknown } } | null)?.Sns?.Message;
    return typeof message === "string" && isLifecycleMessage(decodeMessage(message));
  });

/**
 * Detects the shape, validates it and normalises it. SNS events yield one event per record.
 * Throws InvalidEventError for anything malformed, unknown or foreign.
 */
export function parseEvents(raw: unknown): ToolkitEvent[] {
  const shape = classifyEvent(raw);
  switch (shape.kind) {
    case "sns":
      // A hook with an SNS target sends the plain lifecycle message; everything else is an alarm.
      return isSnsLifecycle(shape.records) ? parseSnsLifecycle(shape.records) : parseSnsAlarms(shape.records);
    case "records":
      if (shape.eventSource === "aws:sqs") return parseSqsLifecycle((raw as { Records: unknown[] }).Records);
      throw unrecognised(raw, shape, ANY_PARSER);
    case "lambda-alarm-action":
      return [parseLambdaAlarmAction(raw)];
    case "eventbridge": {
      const { source, detailType } = shape;
      const parse = EVENTBRIDGE_PARSERS.get(`${source}\n${detailType}`);
      if (parse !== undefined) return [parse(raw, source)];
      if (source === "aws.cloudwatch" && detailType === ALARM_CONFIGURATION_CHANGE) {
        throw configurationChange(source, detailType, ANY_PARSER);
      }
      throw new InvalidEventError(
        `Unsupported event: detail-type "${detailType}" from ${source} is not handled (accepted: ${ACCEPTED_EVENTBRIDGE})`,
        {
          parser: ANY_PARSER,
          source,
          detailType,
          issues: [`source/detail-type: "${source}"/"${detailType}" is not an accepted pair`],
        },
      );
    }
    default:
      throw unrecognised(raw, shape, ANY_PARSER);
  }
}

/**
 * CloudWatch alarm shapes only: EventBridge "CloudWatch Alarm State Change", the Lambda alarm
 * action, or SNS alarm notifications. Anything else (schedules included) → InvalidEventError.
 */
export function parseAlarmChanges(raw: unknown): AlarmChange[] {
  const shape = classifyEvent(raw);
  switch (shape.kind) {
    case "sns":
      return parseSnsAlarms(shape.records);
    case "lambda-alarm-action":
      return [parseLambdaAlarmAction(raw)];
    case "eventbridge": {
      const { source, detailType } = shape;
      if (source === "aws.cloudwatch" && detailType === ALARM_STATE_CHANGE)
        return [parseEventBridgeAlarm(raw)];
      if (source === "aws.cloudwatch" && detailType === ALARM_CONFIGURATION_CHANGE) {
        throw configurationChange(source, detailType, ALARM_PARSER);
      }
      throw new InvalidEventError(
        `Unsupported event: expected a CloudWatch alarm state change, received detail-type "${detailType}" from ${source}`,
        {
          parser: ALARM_PARSER,
          source,
          detailType,
          issues: [
            `source/detail-type: expected "aws.cloudwatch"/"${ALARM_STATE_CHANGE}", received ${labelOf(shape)}`,
          ],
        },
      );
    }
    default:
      throw unrecognised(raw, shape, ALARM_PARSER);
  }
}
