import { type BuildHandler, createHandler, createRuntime } from "../../../shared/runtime/handler";
import { StageConfigSchema } from "../../config";
import { ALARMS_CAPABILITY } from "../config";
import { alarmsEventId, parseAlarmsInput } from "./parse";
import { runIdleAlarms } from "./run";

/**
 * idle-alarms: provisions the idle alarm of each opted-in instance when it starts running, deletes it
 * when the instance terminates, and reconciles missing and orphaned alarms on a schedule. Wiring only.
 */
export const buildHandler: BuildHandler = (env = process.env, overrides = {}) =>
  createHandler(createRuntime(ALARMS_CAPABILITY, StageConfigSchema, env, overrides), {
    capability: ALARMS_CAPABILITY,
    parse: parseAlarmsInput,
    run: (input, context) => {
      context.logger.appendKeys({ eventId: alarmsEventId(input) });
      return runIdleAlarms(input, context);
    },
  });

export const handler = buildHandler();
