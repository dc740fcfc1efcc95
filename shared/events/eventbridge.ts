/** EventBridge schedules (rule and Scheduler) and EC2 instance state changes. */
import { formatIssues, invalidEvent, parseOptions } from "./issues";
import { ec2StateChangeEvent, scheduledEvent } from "./schemas";
import type { Ec2StateChange, ScheduleTick } from "./types";

export const SCHEDULE_PARSER = "schedule";
export const EC2_STATE_PARSER = "ec2-state-change";

export function parseScheduledEvent(raw: unknown, source: string): ScheduleTick {
  const result = scheduledEvent.safeParse(raw, parseOptions);
  if (!result.success) {
    throw invalidEvent(`Invalid scheduled event (eventbridge:${source}/Scheduled Event)`, {
      parser: SCHEDULE_PARSER,
      source,
      detailType: "Scheduled Event",
      issues: formatIssues(result.error.issues),
    });
  }
  const event = result.data;
  return {
    kind: "schedule",
    shape: event.source === "aws.scheduler" ? "eventbridge-scheduler" : "eventbridge-rule",
    eventId: event.id,
    time: event.time,
    region: event.region,
    accountId: event.account,
    resources: event.resources,
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function parseEc2StateChange(raw: unknown): Ec2StateChange {
  const result = ec2StateChangeEvent.safeParse(raw, parseOptions);
  if (!result.success) {
    const issues = formatIssues(result.error.issues);
    // Powertools' eventbridge/base.json test event uses `instance_id`; EC2 never does.
    const detail = isObject(raw) ? raw.detail : undefined;
    if (isObject(detail) && "instance_id" in detail && !("instance-id" in detail)) {
      issues.push(
        'detail.instance_id: snake_case "instance_id" is not an EC2 field (EC2 sends detail["instance-id"]); is this a hand-written test event?',
      );
    }
    throw invalidEvent(
      "Invalid EC2 instance state-change event (eventbridge:aws.ec2/EC2 Instance State-change Notification)",
      {
        parser: EC2_STATE_PARSER,
        source: "aws.ec2",
        detailType: "EC2 Instance State-change Notification",
        issues,
      },
    );
  }
  const event = result.data;
  return {
    kind: "ec2-state-change",
    eventId: event.id,
    time: event.time,
    region: event.region,
    accountId: event.account,
    instanceId: event.detail["instance-id"],
    state: event.detail.state,
  };
}
