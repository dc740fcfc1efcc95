/**
 * Validates stage configuration files the way packaging does (tools/serverless-config.cjs: the zod
 * stage schema of functions/config.ts, unknown keys, Lambda limits) and prints the resolved configuration
 * or the issues.
 *
 *   npx tsx tools/check-config.ts                    # every config/*.json
 *   npx tsx tools/check-config.ts prod               # config/prod.json, resolved configuration printed
 *   npx tsx tools/check-config.ts ./my-stage.json    # any file (its name is the stage)
 *
 * Exit code 1 when a file is missing or invalid.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { StageConfig } from "../functions/config";
import { dxConfigWarnings } from "../functions/dx-failover/config-warnings";

interface ResolvedStageConfig {
  stage: string;
  source: string;
  config: StageConfig;
  idleHibernate: { stopInstancesCondition: Record<string, Record<string, string>> };
  actionEvents: { eventBusArn: string };
  lambda: { worstCaseMs: number; timeoutSeconds: number };
}

interface ServerlessConfigModule {
  loadStageConfig(stage: string, options?: { file?: string; service?: string }): ResolvedStageConfig;
  availableStages(): string[];
  StageConfigError: new (...args: never[]) => Error & { issues: string[] };
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const helper = createRequire(import.meta.url)("./serverless-config.cjs") as ServerlessConfigModule;

/** The `service:` of serverless.yml (alarm names are derived from it). */
const serviceName = (): string | undefined => {
  try {
    return /^service:\s*([A-Za-z0-9-]+)\s*$/m.exec(readFileSync(join(root, "serverless.yml"), "utf8"))?.[1];
  } catch {
    return undefined;
  }
};

const isPath = (arg: string): boolean => arg.endsWith(".json") || arg.includes("/") || arg.includes("\\");

const check = (arg: string, verbose: boolean): boolean => {
  const options = isPath(arg) ? { file: resolve(arg), service: serviceName() } : { service: serviceName() };
  const stage = isPath(arg) ? basename(arg, ".json") : arg;
  try {
    const resolved = helper.loadStageConfig(stage, options);
    console.log(
      `✓ ${resolved.source} (stage ${stage}): mode ${resolved.config.mode}, Lambda timeout ` +
        `${resolved.lambda.timeoutSeconds} s (worst case ${resolved.lambda.worstCaseMs} ms)`,
    );
    // Valid, so not an error (the exit code stays 0), but weaker than an operator likely expects.
    for (const warning of resolved.config.dxFailover ? dxConfigWarnings(resolved.config.dxFailover) : [])
      console.log(`  ⚠ ${warning}`);
    if (verbose) {
      console.log(JSON.stringify(resolved.config, null, 2));
      console.log("StopInstances condition:", JSON.stringify(resolved.idleHibernate.stopInstancesCondition));
      console.log("Action events bus:", resolved.actionEvents.eventBusArn);
    }
    return true;
  } catch (error) {
    if (error instanceof helper.StageConfigError) {
      console.error(`✗ ${error.message}`);
      return false;
    }
    throw error;
  }
};

const args = process.argv.slice(2).filter((arg) => arg !== "--");
const targets = args.length > 0 ? args : helper.availableStages();
if (targets.length === 0) {
  console.error("No configuration file: create config/<stage>.json ({} takes every default).");
  process.exitCode = 1;
} else {
  const results = targets.map((target) => check(target, args.length > 0));
  if (results.includes(false)) process.exitCode = 1;
}
