import { type AlarmChange, type Ec2StateChange, parseEvents, type ScheduleTick } from "../../shared/events";
import { InvalidEventError } from "../../shared/runtime/errors";
import { CAPABILITY, type VfxtIpMoveConfig } from "./config";

/**
 * The events vfxt-ip-move takes: EC2 instance state changes (a node leaving or returning), CloudWatch
 * alarm state changes of the nodes' status-check alarms (any shape), and a schedule (reconcile).
 */
export type VfxtInput =
  | { kind: "instance"; change: Ec2StateChange }
  | { kind: "alarms"; changes: AlarmChange[] }
  | { kind: "reconcile"; tick: ScheduleTick };

/** EC2 states that make a node unhealthy (move its addresses away) or bring it back (`running`). */
export const NODE_STATES = ["stopping", "stopped", "shutting-down", "terminated", "running"] as const;

/** What the function decided about one event (or one alarm of a batch), for the result and the logs. */
export interface TriggerDecision {
  eventId: string;
  resource: string;
  decision: string;
  detail: string;
}

export const parseVfxtInput = (raw: unknown): VfxtInput => {
  const events = parseEvents(raw);
  const first = events[0];
  if (first?.kind === "schedule") return { kind: "reconcile", tick: first };
  if (first?.kind === "ec2-state-change" && events.length === 1) return { kind: "instance", change: first };
  const changes = events.flatMap((event) => (event.kind === "alarm-change" ? [event] : []));
  if (changes.length === 0 || changes.length !== events.length) {
    throw new InvalidEventError(
      "vfxt-ip-move accepts EC2 instance state changes, CloudWatch alarm state changes and schedules only",
      { parser: CAPABILITY, issues: events.map((event) => `unexpected ${event.kind} event`) },
    );
  }
  return { kind: "alarms", changes };
};

export const eventIdsOf = (input: VfxtInput): string =>
  input.kind === "instance"
    ? input.change.eventId
    : input.kind === "alarms"
      ? input.changes.map((c) => c.eventId).join(",")
      : input.tick.eventId;

export const regionOf = (input: VfxtInput): string =>
  input.kind === "instance"
    ? input.change.region
    : input.kind === "alarms"
      ? (input.changes[0]?.region ?? "")
      : input.tick.region;

export const accountOf = (input: VfxtInput): string | undefined =>
  input.kind === "instance"
    ? input.change.accountId
    : input.kind === "alarms"
      ? input.changes[0]?.accountId
      : input.tick.accountId;

/** The instance a status-check alarm watches: its InstanceId dimension, else the name after the prefix. */
export const instanceOfStatusAlarm = (
  name: string,
  dimensions: ReadonlyArray<Record<string, string>>,
  prefix: string,
): string | undefined => {
  const fromDimension = dimensions.map((d) => d.InstanceId).find((id) => id !== undefined);
  if (fromDimension !== undefined) return fromDimension;
  const suffix = name.slice(prefix.length);
  return /^i-[0-9a-f]{8,17}$/.test(suffix) ? suffix : undefined;
};

/** Which instances the event concerns (no AWS call); ignored events are recorded with their reason. */
export const screen = (input: VfxtInput, policy: VfxtIpMoveConfig) => {
  const decisions: TriggerDecision[] = [];
  const instanceIds: string[] = [];
  if (input.kind === "instance") {
    const { change } = input;
    if (!(NODE_STATES as readonly string[]).includes(change.state)) {
      decisions.push({
        eventId: change.eventId,
        resource: change.instanceId,
        decision: "ignored-state",
        detail: `state ${change.state} neither removes nor returns a node`,
      });
    } else {
      instanceIds.push(change.instanceId);
    }
  } else if (input.kind === "alarms") {
    for (const change of input.changes) {
      const base = { eventId: change.eventId, resource: change.alarmName };
      if (!change.alarmName.startsWith(policy.statusAlarmPrefix)) {
        decisions.push({
          ...base,
          decision: "ignored-foreign-alarm",
          detail: `alarm name does not start with "${policy.statusAlarmPrefix}"`,
        });
        continue;
      }
      const id = instanceOfStatusAlarm(
        change.alarmName,
        change.metrics.map((m) => m.dimensions),
        policy.statusAlarmPrefix,
      );
      if (id === undefined) {
        decisions.push({
          ...base,
          decision: "ignored-no-instance",
          detail: "the alarm names no instance (no InstanceId dimension, no instance id after the prefix)",
        });
        continue;
      }
      instanceIds.push(id);
    }
  }
  return { decisions, instanceIds };
};
