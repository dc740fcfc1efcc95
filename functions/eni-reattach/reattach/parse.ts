import {
  type LifecycleAction,
  type LifecycleTestNotification,
  parseEvents,
  type ScheduleTick,
} from "../../../shared/events";
import { InvalidEventError } from "../../../shared/runtime/errors";
import { CAPABILITY } from "../config";

export type EniReattachInput =
  | { kind: "lifecycle"; actions: LifecycleAction[] }
  | { kind: "test-notification"; events: LifecycleTestNotification[] }
  | { kind: "reconcile"; tick: ScheduleTick };

/** Raw event → input: lifecycle actions (EventBridge, SNS, SQS), the test notification, or a schedule. */
export const parseEniReattachInput = (raw: unknown): EniReattachInput => {
  const events = parseEvents(raw);
  const first = events[0];
  if (first?.kind === "schedule") return { kind: "reconcile", tick: first };
  const actions = events.flatMap((event) => (event.kind === "lifecycle-action" ? [event] : []));
  const tests = events.flatMap((event) => (event.kind === "lifecycle-test" ? [event] : []));
  if (actions.length + tests.length !== events.length || events.length === 0) {
    throw new InvalidEventError("eni-reattach accepts Auto Scaling lifecycle actions and schedules only", {
      parser: CAPABILITY,
      issues: events.map((event) => `unexpected ${event.kind} event`),
    });
  }
  return actions.length > 0 ? { kind: "lifecycle", actions } : { kind: "test-notification", events: tests };
};

/** The event ids of an input, for the logs. */
export const eventIdsOf = (input: EniReattachInput): string =>
  (input.kind === "lifecycle"
    ? input.actions.map((a) => a.eventId)
    : input.kind === "reconcile"
      ? [input.tick.eventId]
      : input.events.map((e) => e.eventId)
  ).join(",");
