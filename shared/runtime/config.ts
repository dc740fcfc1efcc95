import { LAST_WORDS_MS } from "../aws/attempt-cutoff";
import { ConfigurationError } from "./errors";
import * as z from "./zod";

/**
 * The keys of the per-stage configuration every function shares (mode, action events, AWS SDK settings),
 * and the loader of the whole configuration. The stage schema composes these keys with each capability's
 * section (functions/config.ts); it is validated when the stack is packaged (serverless.yml resolves it
 * through tools/serverless-config.cjs) and again at cold start (from the OPS_CONFIG environment variable),
 * the handler passing the composed schema in. Every knob has a safe default; docs/configuration.md and
 * each capability's README document each one.
 */

export const EXECUTION_MODES = ["plan", "dry-run", "apply"] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

const positiveInt = (max: number) => z.int().check(z.minimum(1), z.maximum(max));

export const CommonConfigSchema = z.object({
  /** plan: compute and report only; dry-run: EC2 DryRun proves permissions; apply: act. */
  mode: z._default(z.enum(EXECUTION_MODES), "apply"),
  actionEvents: z._default(
    z.object({
      enabled: z._default(z.boolean(), true),
      source: z._default(z.string().check(z.minLength(1), z.maxLength(256)), "ops-toolkit"),
      eventBusName: z._default(z.string(), "default"),
    }),
    { enabled: true, source: "ops-toolkit", eventBusName: "default" },
  ),
  aws: z._default(
    z.object({
      maxAttempts: z._default(positiveInt(10), 5),
      connectionTimeoutMs: z._default(positiveInt(30_000), 1000),
      requestTimeoutMs: z._default(positiveInt(60_000), 3000),
      /**
       * Time kept back from the Lambda timeout to log and report after the last retry. At least the time
       * every attempt is cut off before the timeout (LAST_WORDS_MS): a deadline inside it would let work
       * start that its own cut-off has already ended.
       */
      deadlineSafetyMs: z._default(
        z.int().check(
          z.minimum(LAST_WORDS_MS, {
            error: `must be at least ${LAST_WORDS_MS} ms: every SDK attempt is cut off ${LAST_WORDS_MS} ms before the Lambda timeout, to report in time`,
          }),
          z.maximum(60_000),
        ),
        1500,
      ),
    }),
    { maxAttempts: 5, connectionTimeoutMs: 1000, requestTimeoutMs: 3000, deadlineSafetyMs: 1500 },
  ),
});

export type CommonConfig = z.infer<typeof CommonConfigSchema>;

/** A schema of the whole configuration: the common keys, and whatever sections it composes. */
export type ConfigSchema<C extends CommonConfig> = z.ZodMiniType<C, unknown>;

/** Validates a configuration object; an invalid one fails loudly, before any action. */
export const parseConfig = <C extends CommonConfig>(
  schema: ConfigSchema<C>,
  input: unknown,
  source: string,
): C => {
  const result = z.safeParse(schema, input);
  if (!result.success) {
    throw new ConfigurationError(`Invalid ops-toolkit configuration in ${source}`, {
      source,
      issues: z.formatZodIssues(result.error),
    });
  }
  return result.data;
};

/**
 * The configuration of this process: OPS_CONFIG (JSON, set by serverless.yml from the validated stage
 * file) or the defaults, then OPS_MODE overriding the mode (e.g. `OPS_MODE=dry-run` on a deployed function).
 */
export const loadConfigFromEnv = <C extends CommonConfig>(
  schema: ConfigSchema<C>,
  env: NodeJS.ProcessEnv = process.env,
): C => {
  let raw: unknown = {};
  if (env.OPS_CONFIG !== undefined && env.OPS_CONFIG.trim() !== "") {
    try {
      raw = JSON.parse(env.OPS_CONFIG);
    } catch (error) {
      throw new ConfigurationError("OPS_CONFIG is not valid JSON", {
        source: "OPS_CONFIG",
        issues: [String(error)],
      });
    }
  }
  const config = parseConfig(schema, raw, "OPS_CONFIG");
  const mode = env.OPS_MODE;
  if (mode !== undefined && mode !== "") {
    if (!(EXECUTION_MODES as readonly string[]).includes(mode)) {
      throw new ConfigurationError(`OPS_MODE must be one of ${EXECUTION_MODES.join(", ")}`, {
        source: "OPS_MODE",
        issues: [`got "${mode}"`],
      });
    }
    return { ...config, mode: mode as ExecutionMode };
  }
  return config;
};
