import {
  type AlarmChange,
  type Ec2StateChange,
  parseEvents,
  type ScheduleTick,
} from "../../../shared/events";
import { ConfigurationError, InvalidEventError } from "../../../shared/runtime/errors";
import { CAPABILITY, type IdleHibernateConfig } from "../config";
import { instanceIdsOfDimensions, ownerOfName } from "../idle-alarm";

/**
 * - alarms: idle alarms' state changes (EventBridge, the alarm's Lambda action, SNS);
 * - reconcile: the 15-minute schedule (every idle alarm still in ALARM);
 * - hibernation-age: the daily schedule (rule name ending in `idle-hibernate-hibernation-age`);
 * - stopped: an EC2 instance reached `stopped` (what the API proves of a hibernation).
 */
export type HibernateInput =
  | { kind: "alarms"; changes: AlarmChange[] }
  | { kind: "reconcile"; tick: ScheduleTick }
  | { kind: "hibernation-age"; tick: ScheduleTick }
  | { kind: "stopped"; change: Ec2StateChange };

/** The schedule rule of the daily hibernation-age watch ends with this (serverless.yml names it). */
export const HIBERNATION_AGE_RULE = "idle-hibernate-hibernation-age";

/** Why an alarm event leads to no action at all (before any instance is looked at). */
export interface AlarmDecision {
  alarmName: string;
  eventId: string;
  decision: string;
  detail: string;
}

const isAgeWatch = (tick: ScheduleTick): boolean =>
  tick.resources.some(
    (resource) =>
      resource.endsWith(`/${HIBERNATION_AGE_RULE}`) || resource.endsWith(`-${HIBERNATION_AGE_RULE}`),
  );

const invalid = (message: string, kinds: string[]) =>
  new InvalidEventError(message, { parser: CAPABILITY, issues: kinds.map((kind) => `unexpected ${kind}`) });

/** Raw event → input. */
export const parseHibernateInput = (raw: unknown): HibernateInput => {
  const events = parseEvents(raw);
  const first = events[0];
  if (first?.kind === "schedule") {
    return isAgeWatch(first) ? { kind: "hibernation-age", tick: first } : { kind: "reconcile", tick: first };
  }
  if (events.length === 1 && first?.kind === "ec2-state-change") {
    if (first.state === "stopped") return { kind: "stopped", change: first };
    throw invalid("idle-hibernate accepts EC2 state changes to stopped only", [`state ${first.state}`]);
  }
  const changes = events.flatMap((event) => (event.kind === "alarm-change" ? [event] : []));
  if (changes.length === 0 || changes.length !== events.length) {
    throw invalid(
      "idle-hibernate accepts CloudWatch alarm state changes, EC2 stopped notifications and schedules only",
      events.map((event) => `${event.kind} event`),
    );
  }
  return { kind: "alarms", changes };
};

const tickOrChange = (input: HibernateInput) =>
  input.kind === "alarms" ? input.changes[0] : input.kind === "stopped" ? input.change : input.tick;

export const eventIdsOf = (input: HibernateInput): string =>
  input.kind === "alarms"
    ? input.changes.map((change) => change.eventId).join(",")
    : (tickOrChange(input)?.eventId ?? "");

export const regionOf = (input: HibernateInput): string => tickOrChange(input)?.region ?? "";

export const accountOf = (input: HibernateInput): string | undefined => tickOrChange(input)?.accountId;

const ignoredChange = (
  change: AlarmChange,
  policy: IdleHibernateConfig,
): Omit<AlarmDecision, "alarmName" | "eventId"> | undefined => {
  if (ownerOfName(change.alarmName, policy) === "foreign") {
    return {
      decision: "ignored-foreign-alarm",
      detail: `not "${policy.alarmNamePrefix}*" nor an adopted alarm name`,
    };
  }
  if (change.state.value !== "ALARM") {
    return { decision: "ignored-not-alarm", detail: `new state is ${change.state.value}` };
  }
  if (change.state.actionsSuppressedBy !== undefined) {
    return {
      decision: "ignored-actions-suppressed",
      detail: `alarm actions are suppressed (${change.state.actionsSuppressedBy})`,
    };
  }
  if (change.previousState?.value === "ALARM") {
    return { decision: "ignored-no-transition", detail: "previous state was already ALARM" };
  }
  return undefined;
};

/**
 * Alarm path, first step (no AWS call): act only on a real transition into ALARM of one of our (or an
 * adopted) alarm whose actions are not suppressed; an alarm naming no instance is a configuration error.
 */
export const screenAlarmChanges = (changes: AlarmChange[], policy: IdleHibernateConfig) => {
  const decisions: AlarmDecision[] = [];
  const candidates: AlarmChange[] = [];
  for (const change of changes) {
    const ignored = ignoredChange(change, policy);
    const namesNoInstance =
      change.alarmType === "composite" ||
      instanceIdsOfDimensions(change.metrics.map((m) => m.dimensions)).length === 0;
    if (ignored !== undefined) {
      decisions.push({ alarmName: change.alarmName, eventId: change.eventId, ...ignored });
    } else if (namesNoInstance && ownerOfName(change.alarmName, policy) === "adopted") {
      decisions.push({
        alarmName: change.alarmName,
        eventId: change.eventId,
        decision: "ignored-not-idle-alarm",
        detail: "matches an adoption pattern but reads no instance",
      });
    } else if (namesNoInstance) {
      throw new ConfigurationError(
        `Alarm ${change.alarmName} names no instance: it has no InstanceId dimension`,
        {
          source: change.alarmArn,
          issues: ["every idle alarm must read a metric with an InstanceId dimension"],
        },
      );
    } else {
      candidates.push(change);
    }
  }
  return { decisions, candidates };
};
