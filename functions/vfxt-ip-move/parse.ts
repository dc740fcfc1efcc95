import { type AlarmChange, type Ec2StateChange, parseEvents, type ScheduleTick } from "../../shared/events";
import { InvalidEventError } from "../../shared/runtime/errors";
import { CAPABILITY, NODE_STATES, type VfxtIpMoveConfig } from "./config";

/**
 * The events vfxt-ip-move takes: EC2 instance state changes (a node leaving or returning), CloudWatch
 * alarm state changes of the nodes' status-check alarms (any shape), and a schedule (reconcile).
 */
export type VfxtInput =
  | { kind: "instance"; change: Ec2StateChange }
  | { kind: "alarms"; changes: AlarmChange[] }
  | { kind: "reconcile"; tick: ScheduleTick };

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

const pick = <T>(
  input: VfxtInput,
  of: { instance: (c: Ec2StateChange) => T; alarms: (c: AlarmChange[]) => T; tick: (t: ScheduleTick) => T },
): T =>
  input.kind === "instance"
    ? of.instance(input.change)
    : input.kind === "alarms"
      ? of.alarms(input.changes)
      : of.tick(input.tick);

export const eventIdsOf = (input: VfxtInput): string =>
  pick(input, {
    instance: (c) => c.eventId,
    alarms: (cs) => cs.map((c) => c.eventId).join(","),
    tick: (t) => t.eventId,
  });

export const regionOf = (input: VfxtInput): string =>
  pick(input, { instance: (c) => c.region, alarms: (cs) => cs[0]?.region ?? "", tick: (t) => t.region });

export const accountOf = (input: VfxtInput): string | undefined =>
  pick(input, { instance: (c) => c.accountId, alarms: (cs) => cs[0]?.accountId, tick: (t) => t.accountId });

/** When the trigger happened (the event's time): the start of the cluster's grace when EC2 gives no other. */
export const triggerTimeOf = (input: VfxtInput): number =>
  pick(input, {
    instance: (c) => c.time.getTime(),
    alarms: (cs) => Math.min(...cs.map((c) => c.time.getTime())),
    tick: (t) => t.time.getTime(),
  });

/** The instance a status-check alarm watches: its InstanceId dimension, else the name after the prefix. */
const instanceOfStatusAlarm = (
  name: string,
  dimensions: ReadonlyArray<Record<string, string>>,
  prefix: string,
): string | undefined => {
  const fromDimension = dimensions.map((d) => d.InstanceId).find((id) => id !== undefined);
  if (fromDimension !== undefined) return fromDimension;
  const suffix = name.slice(prefix.length);
  return /^i-[0-9a-f]{8,17}$/.test(suffix) ? suffix : undefined;
};

export interface Screened {
  decisions: TriggerDecision[];
  instanceIds: string[];
}

const screenStateChange = (change: Ec2StateChange, out: Screened): void => {
  if ((NODE_STATES as readonly string[]).includes(change.state)) {
    out.instanceIds.push(change.instanceId);
    return;
  }
  out.decisions.push({
    eventId: change.eventId,
    resource: change.instanceId,
    decision: "ignored-state",
    detail: `state ${change.state} neither removes nor returns a node`,
  });
};

const screenAlarm = (change: AlarmChange, prefix: string, out: Screened): void => {
  const base = { eventId: change.eventId, resource: change.alarmName };
  if (!change.alarmName.startsWith(prefix)) {
    out.decisions.push({
      ...base,
      decision: "ignored-foreign-alarm",
      detail: `alarm name does not start with "${prefix}"`,
    });
    return;
  }
  const id = instanceOfStatusAlarm(
    change.alarmName,
    change.metrics.map((m) => m.dimensions),
    prefix,
  );
  if (id === undefined) {
    out.decisions.push({
      ...base,
      decision: "ignored-no-instance",
      detail: "the alarm names no instance (no InstanceId dimension, no instance id after the prefix)",
    });
    return;
  }
  out.instanceIds.push(id);
};

/** Which instances the event concerns (no AWS call); ignored events are recorded with their reason. */
export const screen = (input: VfxtInput, policy: VfxtIpMoveConfig): Screened => {
  const out: Screened = { decisions: [], instanceIds: [] };
  if (input.kind === "instance") screenStateChange(input.change, out);
  if (input.kind === "alarms")
    for (const change of input.changes) screenAlarm(change, policy.statusAlarmPrefix, out);
  return out;
};
