import { type Ec2StateChange, parseEvents, type ScheduleTick } from "../../../shared/events";
import { InvalidEventError } from "../../../shared/runtime/errors";
import { ALARMS_CAPABILITY } from "../config";

export type AlarmsInput =
  | { kind: "state-change"; change: Ec2StateChange }
  | { kind: "reconcile"; tick: ScheduleTick };

/** Raw event → input: one EC2 instance state-change notification or one schedule. */
export const parseAlarmsInput = (raw: unknown): AlarmsInput => {
  const events = parseEvents(raw);
  const [event] = events;
  if (events.length === 1 && event?.kind === "ec2-state-change")
    return { kind: "state-change", change: event };
  if (events.length === 1 && event?.kind === "schedule") return { kind: "reconcile", tick: event };
  throw new InvalidEventError(
    "idle-alarms accepts EC2 instance state-change notifications and schedules only",
    {
      parser: ALARMS_CAPABILITY,
      issues: events.map((e) => `unexpected ${e.kind} event`),
    },
  );
};

export const alarmsEventId = (input: AlarmsInput): string =>
  input.kind === "state-change" ? input.change.eventId : input.tick.eventId;

export const alarmsRegion = (input: AlarmsInput): string =>
  input.kind === "state-change" ? input.change.region : input.tick.region;
