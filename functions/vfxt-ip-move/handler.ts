import { type BuildHandler, createHandler, createRuntime } from "../../shared/runtime/handler";
import { StageConfigSchema } from "../config";
import { CAPABILITY } from "./config";
import { parseVfxtInput } from "./parse";
import { runVfxtIpMove } from "./run";

/**
 * vfxt-ip-move: the backstop that moves a failed Avere vFXT node's client-facing addresses (secondary
 * private IPs or /32 routes) to the healthy nodes of its cluster. Wiring only: parse.ts, run.ts.
 */
export const buildHandler: BuildHandler = (env = process.env, overrides = {}) =>
  createHandler(createRuntime(CAPABILITY, StageConfigSchema, env, overrides), {
    capability: CAPABILITY,
    parse: parseVfxtInput,
    run: (input, context) => runVfxtIpMove(input, context),
  });

export const handler = buildHandler();
