import { parseEvents } from "../../shared/events";
import { InvalidEventError } from "../../shared/runtime/errors";
import { type BuildHandler, createHandler, createRuntime } from "../../shared/runtime/handler";
import { StageConfigSchema } from "../config";
import { CAPABILITY, type HibernateInput, runHibernate } from "./hibernate";

/**
 * idle-hibernate: hibernates instances whose idle alarm went to ALARM.
 * Triggers: EventBridge "CloudWatch Alarm State Change", the alarm's Lambda action, its SNS topic, and a
 * schedule that reconciles alarms left in ALARM.
 */
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

/** Builds the handler from an environment: the deployed one reads process.env at cold start. */
export const buildHandler: BuildHandler = (env = process.env, overrides = {}) =>
  createHandler(createRuntime(CAPABILITY, StageConfigSchema, env, overrides), {
    capability: CAPABILITY,
    parse: parseHibernateInput,
    run: (input, context) => {
      const ids =
        input.kind === "alarms" ? input.changes.map((change) => change.eventId) : [input.tick.eventId];
      context.logger.appendKeys({ eventId: ids.join(",") });
      return runHibernate(input, context);
    },
  });

export const handler = buildHandler();
