import { type BuildHandler, createHandler, createRuntime } from "../../../shared/runtime/handler";
import { StageConfigSchema } from "../../config";
import { CAPABILITY } from "../config";
import { eventIdsOf, parseHibernateInput } from "./parse";
import { runHibernate } from "./run";

/**
 * idle-hibernate: hibernates instances whose idle alarm went to ALARM. Wiring only: parse.ts, run.ts.
 * Triggers: EventBridge "CloudWatch Alarm State Change", the alarm's Lambda action, its SNS topic, and a
 * schedule that reconciles alarms left in ALARM.
 */
export const buildHandler: BuildHandler = (env = process.env, overrides = {}) =>
  createHandler(createRuntime(CAPABILITY, StageConfigSchema, env, overrides), {
    capability: CAPABILITY,
    parse: parseHibernateInput,
    run: (input, context) => {
      context.logger.appendKeys({ eventId: eventIdsOf(input) });
      return runHibernate(input, context);
    },
  });

export const handler = buildHandler();
