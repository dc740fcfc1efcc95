import { parseEvents } from "../../shared/events";
import { InvalidEventError } from "../../shared/runtime/errors";
import { type BuildHandler, createHandler, createRuntime } from "../../shared/runtime/handler";
import { StageConfigSchema } from "../config";
import { ALARMS_CAPABILITY, type AlarmsInput, runIdleAlarms } from "./alarms";

/**
 * idle-alarms: provisions the idle alarm of each opted-in instance when it starts running, deletes it
 * when the instance terminates, and reconciles missing and orphaned alarms on a schedule.
 */
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

/** Builds the handler from an environment: the deployed one reads process.env at cold start. */
export const buildHandler: BuildHandler = (env = process.env, overrides = {}) =>
  createHandler(createRuntime(ALARMS_CAPABILITY, StageConfigSchema, env, overrides), {
    capability: ALARMS_CAPABILITY,
    parse: parseAlarmsInput,
    run: (input, context) => {
      context.logger.appendKeys({
        eventId: input.kind === "state-change" ? input.change.eventId : input.tick.eventId,
      });
      return runIdleAlarms(input, context);
    },
  });

export const handler = buildHandler();
