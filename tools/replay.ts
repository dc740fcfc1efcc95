/**
 * npm run replay -- <event.json> [--account <fixture.json>] [--config <config.json>] [--stage <name>]
 *                   [--function <name>] [--mode plan|dry-run|apply] [--json] [--logs]
 *
 * Delivers an event the way the deployed stack would: to every function whose trigger matches it
 * (tools/lib/routing.ts, over the triggers of functions/index.ts for the stage's configuration), each a
 * real handler against the simulated account, and prints per function what it decided, every AWS call
 * it made and what changed. An event no trigger matches is reported as such. `--function` hands the event
 * to one function whatever its triggers. The account runs on a simulated clock (handlers' waits take no
 * real time). Exit 1 when a handler throws, 2 on bad arguments.
 */
import { existsSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { parseStageConfig, type StageConfig } from "../functions/config";
import { type DeployedFunction, FUNCTIONS, findFunction } from "../functions/index";
import { describeEventShape } from "../shared/events";
import { Harness, readJson } from "../sim/harness";
import { parseArguments } from "./lib/cli";
import { replayEvent } from "./lib/replay";
import { type ReplayRun, replayJson, replayText } from "./lib/replay-output";

const DEFAULT_ACCOUNT = "events/accounts/demo.json";
const DEFAULT_CONFIG = "config/dev.json";

const usage = `usage: npm run replay -- <event.json> [--account <fixture.json>] [--config <config.json>] [--stage <name>]
                     [--function <${FUNCTIONS.map((f) => f.name).join("|")}>] [--mode plan|dry-run|apply] [--json] [--logs]`;

const fail = (message: string): never => {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
};

const { values, positionals } = parseArguments(
  {
    allowPositionals: true,
    options: {
      account: { type: "string", default: DEFAULT_ACCOUNT },
      function: { type: "string" },
      mode: { type: "string" },
      config: { type: "string", default: DEFAULT_CONFIG },
      stage: { type: "string" },
      json: { type: "boolean", default: false },
      logs: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  },
  fail,
);
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const eventPath = positionals[0] ?? fail("missing <event.json>");
if (!existsSync(eventPath)) fail(`no such event file: ${eventPath}`);
if (!existsSync(values.account)) fail(`no such account fixture: ${values.account}`);
if (values.mode !== undefined && !["plan", "dry-run", "apply"].includes(values.mode))
  fail(`unknown mode "${values.mode}"`);
if (!existsSync(values.config)) fail(`no such configuration file: ${values.config}`);
const forced: DeployedFunction | undefined =
  values.function === undefined
    ? undefined
    : (findFunction(values.function) ?? fail(`unknown function "${values.function}"`));

/** The stage a config/<stage>.json file configures; another file replays as stage dev unless --stage says. */
const stageOf = (configPath: string): string =>
  values.stage ??
  (resolve(dirname(configPath)) === resolve("config") ? basename(configPath, ".json") : "dev");

/** A JSON file, or exit 2 saying why not. */
const jsonFile = (path: string, what: string): unknown => {
  try {
    return readJson(path);
  } catch (error) {
    return fail(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
};

const rawConfig = jsonFile(values.config, "configuration");
let config: StageConfig;
try {
  config = parseStageConfig(rawConfig, values.config);
} catch (error) {
  const issues = (error as { context?: { issues?: string[] } }).context?.issues ?? [];
  config = fail(
    `invalid configuration ${values.config}: ${(error as Error).message}\n  ${issues.join("\n  ")}`,
  );
}
const stage = stageOf(values.config);
const event = jsonFile(eventPath, "event file");

const env: Record<string, string> = { OPS_CONFIG: JSON.stringify(rawConfig) };
if (values.mode !== undefined) env.OPS_MODE = values.mode;

// The simulated clock: the handlers' waits (an ENI attaching, a read-back, the probe's interval) move the
// account's time instead of taking real time, so a replay takes what the handler computes, not minutes.
const harness = await Harness.start({
  functions: FUNCTIONS,
  clock: "manual",
  logLevel: values.logs ? "INFO" : "SILENT",
});
let run: ReplayRun;
try {
  harness.load(values.account, { now: new Date() });
  const outcome = await replayEvent(harness, event, { config, env, stage, forced });
  run = {
    ...outcome,
    eventFile: eventPath,
    shape: describeEventShape(event),
    account: values.account,
    config: values.config,
    stage,
    mode: values.mode ?? config.mode,
  };
} finally {
  await harness.close();
}

// Exit only once the report is flushed: on a pipe, stdout is asynchronous and process.exit() would cut it
// at 64 KiB (seen on Node 22 with `--json | jq`).
const exitCode = run.invocations.some(({ report }) => report.error !== undefined) ? 1 : 0;
process.stdout.write(values.json ? replayJson(run) : replayText(run), () => process.exit(exitCode));
