import { type BuildHandler, createHandler, createRuntime } from "../../../shared/runtime/handler";
import { StageConfigSchema } from "../../config";
import { CAPABILITY } from "../config";
import { parseDxInput } from "./parse";
import { runDxFailover } from "./run";

/**
 * dx-failover: moves a Local Zone's on-premises routes from Direct Connect to the VPN appliance and back.
 * Wiring only: parse.ts (the accepted events), run.ts (observe → plan → apply → report).
 */
export const buildHandler: BuildHandler = (env = process.env, overrides = {}) =>
  createHandler(createRuntime(CAPABILITY, StageConfigSchema, env, overrides), {
    capability: CAPABILITY,
    parse: parseDxInput,
    run: (input, context) => runDxFailover(input, context),
  });

export const handler = buildHandler();
