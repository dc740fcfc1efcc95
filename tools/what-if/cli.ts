/**
 * npm run what-if -- <scenario> --account <fixture.json> [--config <config.json>] [--json]
 *   dx-down --group G [--for 10m] | node-stop --instance I | firewall-replace --group G
 *   [--launch-before-terminate] | idle --instance I
 *
 * Injects the scenario's incident into the simulated account and runs the toolkit's real handlers over
 * simulated time until the account is quiet, then prints the timeline (docs/what-if.md). Exit 0 when the
 * account became quiet and the checks hold; 1 when one is broken, the run reached its cap, or the scenario
 * cannot run on this account (unknown target: the candidates are listed); 2 on a bad command line.
 */
import { existsSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArguments } from "../lib/cli";
import type { ScenarioOptions } from "./scenarios";
import { timelineText } from "./timeline";
import { isScenarioName, type ScenarioName, WhatIfError, type WhatIfResult } from "./types";

const DEFAULT_CONFIG = "config/dev.json";

export const USAGE = `usage: npm run what-if -- <scenario> --account <fixture.json> [--config <config.json>] [--json]
  scenarios:
    dx-down --group <G> [--for <N>s|m|h]           the group's Direct Connect data plane goes down (and back after --for)
    node-stop --instance <I>                       a vFXT node stops
    firewall-replace --group <G> [--launch-before-terminate]
                                                   Auto Scaling replaces the eni-reattach group's firewall
    idle --instance <I>                            the instance's idle alarm goes to ALARM`;

/** Which options each scenario takes (and requires). */
const TAKES: Record<ScenarioName, { required: "group" | "instance"; optional: string[] }> = {
  "dx-down": { required: "group", optional: ["for"] },
  "node-stop": { required: "instance", optional: [] },
  "firewall-replace": { required: "group", optional: ["launch-before-terminate"] },
  idle: { required: "instance", optional: [] },
};

const MAX_FOR_MS = 24 * 3_600_000;
const UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** `90s`, `10m`, `2h` → ms; undefined when malformed. */
export const parseDuration = (text: string): number | undefined => {
  const m = /^(\d+)(s|m|h)$/.exec(text);
  const ms = m === null ? 0 : Number(m[1]) * (UNITS_MS[m[2] ?? ""] ?? 0);
  return ms > 0 ? ms : undefined;
};

export interface Command {
  scenario: ScenarioName;
  options: ScenarioOptions;
  account: string;
  config: string;
  json: boolean;
}

/** The command line → the command, or `fail(message)` (usage, exit 2). */
export const parseCommand = (args: string[], fail: (message: string) => never): Command | "help" => {
  const { values, positionals } = parseArguments(
    {
      args,
      allowPositionals: true,
      options: {
        account: { type: "string" },
        config: { type: "string", default: DEFAULT_CONFIG },
        group: { type: "string" },
        instance: { type: "string" },
        for: { type: "string" },
        "launch-before-terminate": { type: "boolean" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    },
    fail,
  );
  if (values.help) return "help";
  const [name, ...extra] = positionals;
  if (name === undefined) return fail("missing <scenario>");
  if (!isScenarioName(name)) return fail(`unknown scenario "${name}"`);
  if (extra.length > 0) fail(`unexpected argument "${extra[0]}"`);
  const takes = TAKES[name];
  if (values[takes.required] === undefined) fail(`${name} needs --${takes.required}`);
  for (const option of ["group", "instance", "for", "launch-before-terminate"] as const)
    if (values[option] !== undefined && option !== takes.required && !takes.optional.includes(option))
      fail(`${name} takes no --${option}`);
  const forMs =
    values.for === undefined
      ? undefined
      : (parseDuration(values.for) ?? fail(`--for "${values.for}": give a duration such as 90s, 10m or 2h`));
  // dx-down steps every 5 s through the outage: a day is the longest run that stays a what-if.
  if (forMs !== undefined && forMs > MAX_FOR_MS) fail(`--for "${values.for}": at most 24h`);
  const account = values.account ?? fail("missing --account <fixture.json>");
  const config = values.config ?? DEFAULT_CONFIG;
  if (!existsSync(account)) fail(`no such account fixture: ${account}`);
  if (!existsSync(config)) fail(`no such configuration file: ${config}`);
  return {
    scenario: name,
    options: {
      ...(values.group === undefined ? {} : { group: values.group }),
      ...(values.instance === undefined ? {} : { instance: values.instance }),
      ...(forMs === undefined ? {} : { forMs }),
      ...(values["launch-before-terminate"] === true ? { launchBeforeTerminate: true } : {}),
    },
    account,
    config,
    json: values.json === true,
  };
};

/** A JSON file, or a WhatIfError saying why not. */
const jsonFile = (path: string, what: string): unknown => {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new WhatIfError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
};

/**
 * Runs the command on a fresh harness (manual clock) and returns the result. The simulated account and the
 * handlers load only now: a bad command line is answered without them.
 */
export const whatIf = async (command: Command): Promise<WhatIfResult> => {
  const account = jsonFile(command.account, "account fixture");
  const config = jsonFile(command.config, "configuration");
  const [{ FUNCTIONS }, { Harness }, { runWhatIf }] = await Promise.all([
    import("../../functions/index"),
    import("../../sim/harness"),
    import("./run"),
  ]);
  const harness = await Harness.start({ functions: FUNCTIONS, clock: "manual" });
  try {
    return await runWhatIf(harness, {
      scenario: command.scenario,
      options: command.options,
      account,
      accountPath: command.account,
      config,
      configPath: command.config,
    });
  } finally {
    await harness.close();
  }
};

const main = async (): Promise<number> => {
  const fail = (message: string): never => {
    process.stderr.write(`${message}\n${USAGE}\n`);
    process.exit(2);
  };
  const command = parseCommand(process.argv.slice(2), fail);
  if (command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const result = await whatIf(command);
    process.stdout.write(command.json ? `${JSON.stringify(result, null, 2)}\n` : timelineText(result));
    // Not quiet at the cap: the end-of-run checks were not made, and the toolkit did not settle.
    return result.end.quiet && result.checks.every((c) => c.holds) ? 0 : 1;
  } catch (error) {
    const known = error instanceof WhatIfError;
    process.stderr.write(`what-if: ${known ? "" : "failed: "}${(error as Error).message}\n`);
    return 1;
  }
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href)
  // Exit only once stdout is flushed (on a pipe it is asynchronous: process.exit() would cut it).
  process.exitCode = await main();
