/**
 * A function's packaged Lambda timeout (serverless.yml `timeout`), from the one place that computes it:
 * tools/serverless-config.cjs `resolveConfig`, on the stage configuration the function is given. Simulated
 * invocations (the harness's default, replay, the chaos models) run with it, so that a function's time
 * rules (eni-reattach's release needs its detach and attach waits) are tested against the time it has.
 */
import { createRequire } from "node:module";

interface ResolvedTimeouts {
  eniReattach: { timeoutSeconds: number };
  /** The provider's timeout: every function without one of its own. */
  lambda: { timeoutSeconds: number };
}

interface ServerlessConfigModule {
  resolveConfig(input: unknown, meta: { source: string }): ResolvedTimeouts;
}

const helper = createRequire(import.meta.url)("../serverless-config.cjs") as ServerlessConfigModule;

/**
 * The functions whose serverless.yml `timeout` is computed from the configuration, by name: eni-reattach's
 * own, and outposts-capacity's, the provider's (serverless.yml gives it none). The others keep the
 * simulated default (60 s, the provider's floor); vfxt-ip-move's chaos model sets its own.
 */
const TIMEOUT_OF: Readonly<Record<string, (resolved: ResolvedTimeouts) => number>> = {
  "eni-reattach": (resolved) => resolved.eniReattach.timeoutSeconds,
  "outposts-capacity": (resolved) => resolved.lambda.timeoutSeconds,
};

const resolved = new Map<string, ResolvedTimeouts | undefined>();

/** The stage configuration resolved as packaging does; undefined when packaging would refuse it. */
const resolve = (configJson: string): ResolvedTimeouts | undefined => {
  if (!resolved.has(configJson)) {
    let value: ResolvedTimeouts | undefined;
    try {
      value = helper.resolveConfig(JSON.parse(configJson), { source: "packaged-timeout" });
    } catch {
      // Never packaged: the invocation fails its cold-start validation, whatever its timeout.
      value = undefined;
    }
    resolved.set(configJson, value);
  }
  return resolved.get(configJson);
};

/**
 * The packaged timeout (ms) of `functionName` under a stage configuration (OPS_CONFIG's JSON; none: every
 * default), or undefined when it is not computed from the configuration or the configuration is invalid.
 */
export const packagedTimeoutMs = (
  functionName: string,
  opsConfig: string | undefined,
): number | undefined => {
  const timeoutOf = TIMEOUT_OF[functionName];
  if (timeoutOf === undefined) return undefined;
  const config = resolve(opsConfig ?? "{}");
  return config === undefined ? undefined : timeoutOf(config) * 1000;
};
