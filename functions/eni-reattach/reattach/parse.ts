import {
  type LifecycleAction,
  type LifecycleTestNotification,
  parseEvents,
  type ScheduleTick,
} from "../../../shared/events";
import { InvalidEventError } from "../../../shared/runtime/errors";
import { CAPABILITY } from "../config";

/** A record of an SQS or SNS batch that is not a lifecycle message: dropped, counted, logged. */
export interface InvalidRecord {
  eventId: string;
  issue: string;
}

export type EniReattachInput =
  | { kind: "lifecycle"; actions: LifecycleAction[]; invalid: InvalidRecord[] }
  | { kind: "test-notification"; events: LifecycleTestNotification[] }
  | { kind: "reconcile"; tick: ScheduleTick };

type Parsed = ReturnType<typeof parseEvents>;

/** Lifecycle actions and test notifications only; anything else is refused. */
const lifecycleOnly = (events: Parsed) => {
  const actions = events.flatMap((event) => (event.kind === "lifecycle-action" ? [event] : []));
  const tests = events.flatMap((event) => (event.kind === "lifecycle-test" ? [event] : []));
  if (actions.length + tests.length !== events.length || events.length === 0) {
    throw new InvalidEventError("eni-reattach accepts Auto Scaling lifecycle actions and schedules only", {
      parser: CAPABILITY,
      issues: events.map((event) => `unexpected ${event.kind} event`),
    });
  }
  return { actions, tests };
};

const recordId = (record: unknown, index: number): string => {
  const r = record as { messageId?: unknown; Sns?: { MessageId?: unknown } } | null;
  const id = r?.messageId ?? r?.Sns?.MessageId;
  return typeof id === "string" ? id : `Records[${index}]`;
};

/**
 * The records of an SQS (or SNS) batch one at a time: a record that is not a lifecycle message (a shared
 * queue, another tool's message, a truncated body) is set aside instead of refusing the whole batch —
 * which Lambda would then delete, the valid lifecycle messages with it. Only a batch with no valid record
 * is refused.
 */
const parseBatch = (records: readonly unknown[]) => {
  const events: Parsed = [];
  const invalid: InvalidRecord[] = [];
  let firstError: unknown;
  records.forEach((record, index) => {
    try {
      const parsed = parseEvents({ Records: [record] });
      lifecycleOnly(parsed);
      events.push(...parsed);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      firstError ??= error;
      invalid.push({ eventId: recordId(record, index), issue: error.message });
    }
  });
  if (events.length === 0) throw firstError;
  return { events, invalid };
};

const batchOf = (raw: unknown): unknown[] | undefined => {
  const records = (raw as { Records?: unknown } | null)?.Records;
  return Array.isArray(records) && records.length > 1 ? records : undefined;
};

/** Raw event → input: lifecycle actions (EventBridge, SNS, SQS), the test notification, or a schedule. */
export const parseEniReattachInput = (raw: unknown): EniReattachInput => {
  const batch = batchOf(raw);
  const { events, invalid } =
    batch === undefined ? { events: parseEvents(raw), invalid: [] } : parseBatch(batch);
  const first = events[0];
  if (first?.kind === "schedule") return { kind: "reconcile", tick: first };
  const { actions, tests } = lifecycleOnly(events);
  return actions.length > 0
    ? { kind: "lifecycle", actions, invalid }
    : { kind: "test-notification", events: tests };
};

/** The event ids of an input, for the logs. */
export const eventIdsOf = (input: EniReattachInput): string =>
  (input.kind === "lifecycle"
    ? input.actions.map((a) => a.eventId)
    : input.kind === "reconcile"
      ? [input.tick.eventId]
      : input.events.map((e) => e.eventId)
  ).join(",");
