import { parseEvents } from "../../shared/events";
import { InvalidEventError } from "../../shared/runtime/errors";
import { type BuildHandler, createHandler, createRuntime } from "../../shared/runtime/handler";
import { StageConfigSchema } from "../config";
import { CAPABILITY, type EniReattachInput, runEniReattach } from "./reattach";

/**
 * eni-reattach: re-attaches a firewall group's pre-created ENIs on Auto Scaling lifecycle hooks.
 * Triggers: EventBridge "EC2 Instance-launch/-terminate Lifecycle Action", the same lifecycle message
 * from an SNS or SQS hook target (the test notification is ignored), and a reconcile schedule.
 */
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

/** Builds the handler from an environment: the deployed one reads process.env at cold start. */
export const buildHandler: BuildHandler = (env = process.env, overrides = {}) =>
  createHandler(createRuntime(CAPABILITY, StageConfigSchema, env, overrides), {
    capability: CAPABILITY,
    parse: parseEniReattachInput,
    run: (input, context) => {
      const ids =
        input.kind === "lifecycle"
          ? input.actions.map((a) => a.eventId)
          : input.kind === "reconcile"
            ? [input.tick.eventId]
            : input.events.map((e) => e.eventId);
      context.logger.appendKeys({ eventId: ids.join(",") });
      return runEniReattach(input, context);
    },
  });

export const handler = buildHandler();
