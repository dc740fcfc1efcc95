import { type BuildHandler, createHandler, createRuntime } from "../../../shared/runtime/handler";
import { StageConfigSchema } from "../../config";
import { CAPABILITY } from "../config";
import { eventIdsOf, parseEniReattachInput } from "./parse";
import { runEniReattach } from "./run";

/**
 * eni-reattach: re-attaches a firewall group's pre-created ENIs on Auto Scaling lifecycle hooks.
 * Wiring only: parse.ts (lifecycle actions from EventBridge, SNS or SQS; schedules), run.ts.
 */
export const buildHandler: BuildHandler = (env = process.env, overrides = {}) =>
  createHandler(createRuntime(CAPABILITY, StageConfigSchema, env, overrides), {
    capability: CAPABILITY,
    parse: parseEniReattachInput,
    run: (input, context) => {
      context.logger.appendKeys({ eventId: eventIdsOf(input) });
      return runEniReattach(input, context);
    },
  });

export const handler = buildHandler();
