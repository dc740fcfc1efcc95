import { type AlarmChange, parseEvents, type ScheduleTick } from "../../../shared/events";
import { ConfigurationError, InvalidEventError } from "../../../shared/runtime/errors";
import { CAPABILITY } from "../config";

export type HibernateInput =
  | { kind: "alarms"; changes: AlarmChange[] }
  | { kind: "reconcile"; tick: ScheduleTick };

/** Why an alarm event leads to no action at all (before any instance is looked at). */
export interface AlarmDecision {
  alarmName: string;
  eventId: string;
  decision: string;
  detail: string;
}

/** Raw event → input: CloudWatch alarm state changes (any of their three shapes) or a schedule. */
export const parseHibernateInput = (raw: unknown): HibernateInput => {
  const events = parseEvents(raw);
  const first = events[0];
  if (first?.kind === "schedule") return { kind: "reconcile", tick: first };
  const changes = events.flatMap((event) => (event.kind === "alarm-change" ? [event] : []));
  if (changes.length === 0 || changes.length !== events.length) {
    throw new InvalidEventError("idle-hibernate accepts CloudWatch alarm state changes and schedules only", {
      parser: CAPABILITY,
      issues: events.map((event) => `unexpected ${event.kind} event`),
    });
  }
  return { kind: "alarms", changes };
};

export const eventIdsOf = (input: HibernateInput): string =>
  input.kind === "alarms" ? input.changes.map((change) => change.eventId).join(",") : input.tick.eventId;

export const regionOf = (input: HibernateInput): string =>
  input.kind === "alarms" ? (input.changes[0]?.region ?? "") : input.tick.region;

export const accountOf = (input: HibernateInput): string | undefined =>
  input.kind === "alarms" ? input.changes[0]?.accountId : input.tick.accountId;

/** Every InstanceId dimension of every metric of the alarm (metric math reads several instances). */
export const instanceIdsOfDimensions = (dimensions: ReadonlyArray<Record<string, string>>): string[] => [
  ...new Set(dimensions.map((d) => d.InstanceId).filter((id): id is string => id !== undefined)),
];

const ignoredChange = (
  change: AlarmChange,
  prefix: string,
): Omit<AlarmDecision, "alarmName" | "eventId"> | undefined => {
  if (!change.alarmName.startsWith(prefix)) {
    return { decision: "ignored-foreign-alarm", detail: `alarm name does not start with "${prefix}"` };
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
 * Alarm path, first step (no AWS call): act only on a real transition into ALARM of one of our
 * alarms whose actions are not suppressed; an alarm naming no instance is a configuration error.
 */
export const screenAlarmChanges = (changes: AlarmChange[], prefix: string) => {
  const decisions: AlarmDecision[] = [];
  const candidates: AlarmChange[] = [];
  for (const change of changes) {
    const ignored = ignoredChange(change, prefix);
    if (ignored !== undefined) {
      decisions.push({ alarmName: change.alarmName, eventId: change.eventId, ...ignored });
    } else if (
      change.alarmType === "composite" ||
      instanceIdsOfDimensions(change.metrics.map((m) => m.dimensions)).length === 0
    ) {
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
