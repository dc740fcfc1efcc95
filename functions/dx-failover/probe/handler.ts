import { requireRegion } from "../../../shared/aws/region";
import { type BuildHandler, createHandler, createRuntime } from "../../../shared/runtime/handler";
import { StageConfigSchema } from "../../config";
import { PROBE_CAPABILITY } from "../config";
import { parseProbeInput } from "./parse";
import { runProbe } from "./run";

/** dx-probe (Lambda): the scheduled probe of the Region groups. Wiring only: parse.ts, run.ts. */
export const buildHandler: BuildHandler = (env = process.env, overrides = {}) =>
  createHandler(createRuntime(PROBE_CAPABILITY, StageConfigSchema, env, overrides), {
    capability: PROBE_CAPABILITY,
    parse: parseProbeInput,
    run: (input, context) =>
      runProbe(
        { region: requireRegion(input.region, PROBE_CAPABILITY), scheduledAt: input.scheduledAt },
        context,
        overrides.probeConnect,
      ),
  });

export const handler = buildHandler();
