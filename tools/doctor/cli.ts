/**
 * npm run doctor -- [--account <fixture.json> | --region <r> [--profile <p>]] [--config config/<stage>.json]
 *                   [--stage <name>] [--capability <c>] [--json] [--print-policy]
 *
 * Readiness of the toolkit in an account, with read-only calls: a fixture served by the simulated account
 * (in this process, on loopback), or a real account through the SDK's default credential chain. Exit 1
 * when any finding is an error, 3 when none is but some check could not read the account (INCOMPLETE),
 * 0 otherwise, 2 on a bad command line. `--print-policy` prints the
 * read-only IAM policy the doctor needs and reads nothing.
 */
import { existsSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { parseArguments } from "../lib/cli";
import { configFindings } from "./checks/common";
import { CHECKS } from "./checks/index";
import {
  type DoctorSession,
  loadStage,
  openFixtureSession,
  openLiveSession,
  type StageLoad,
} from "./context";
import { doctorPolicy } from "./policy";
import { type DoctorRun, doctorJson, doctorText, verdictOf } from "./report";
import { runDoctor } from "./run";
import type { Check } from "./types";

export const CAPABILITIES = [
  "common",
  "idle-hibernate",
  "dx-failover",
  "eni-reattach",
  "vfxt-ip-move",
] as const;

export const USAGE = `usage: npm run doctor -- [--account <fixture.json> | --region <region> [--profile <profile>]]
                     [--config config/<stage>.json] [--stage <name>] [--capability <${CAPABILITIES.join("|")}>]
                     [--json] [--print-policy]`;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

class UsageError extends Error {}

const fail = (message: string): never => {
  throw new UsageError(message);
};

const parse = (argv: readonly string[]) =>
  parseArguments(
    {
      args: [...argv],
      options: {
        account: { type: "string" },
        region: { type: "string" },
        profile: { type: "string" },
        config: { type: "string", default: "config/dev.json" },
        stage: { type: "string" },
        capability: { type: "string" },
        json: { type: "boolean", default: false },
        "print-policy": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    },
    fail,
  ).values;

type Options = ReturnType<typeof parse>;

/** The stage a config/<stage>.json file configures; any other file is stage dev unless --stage says. */
const stageOf = (options: Options): string =>
  options.stage ??
  (resolve(dirname(options.config)) === resolve("config") ? basename(options.config, ".json") : "dev");

const checksFor = (capability: string | undefined): readonly Check[] => {
  if (capability === undefined) return CHECKS;
  if (!(CAPABILITIES as readonly string[]).includes(capability)) fail(`unknown capability "${capability}"`);
  return CHECKS.filter((c) => c.capability === "common" || c.capability === capability);
};

/** Where the account is read, or a usage error. */
const accountOf = (options: Options, env: NodeJS.ProcessEnv): { fixture: string } | { region: string } => {
  if (options.account !== undefined) {
    if (options.region !== undefined || options.profile !== undefined)
      fail("--account reads a fixture: --region and --profile are for a live account");
    if (!existsSync(options.account)) fail(`no such account fixture: ${options.account}`);
    return { fixture: options.account };
  }
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined || region === "") fail("a live account needs --region (or AWS_REGION)");
  return { region: region as string };
};

const openSession = async (
  where: { fixture: string } | { region: string },
  stage: Extract<StageLoad, { ok: true }>,
  profile: string | undefined,
): Promise<DoctorSession> => {
  const input = { stage: stage.stage, resolved: stage.resolved };
  if ("region" in where) return openLiveSession(where.region, input, profile);
  try {
    return await openFixtureSession(where.fixture, input);
  } catch (error) {
    return fail(`account fixture ${where.fixture}: ${(error as Error).message}`);
  }
};

const print = (run: DoctorRun, json: boolean, io: CliIo): number => {
  io.out(json ? doctorJson(run) : doctorText(run));
  return verdictOf(run.findings).exitCode;
};

const doctor = async (options: Options, io: CliIo): Promise<number> => {
  const checks = checksFor(options.capability);
  const where = accountOf(options, io.env);
  if (!existsSync(options.config)) fail(`no such configuration file: ${options.config}`);
  const stage = loadStage(options.config, stageOf(options));
  const account = "fixture" in where ? where.fixture : "live";
  if (!stage.ok) {
    const region = "region" in where ? where.region : "(fixture)";
    const findings = configFindings(stage.source, stage.issues);
    return print({ stage: stage.stage, region, account, checks, findings }, options.json, io);
  }
  const session = await openSession(where, stage, options.profile);
  try {
    const findings = await runDoctor(session.ctx, checks);
    return print(
      { stage: stage.stage, region: session.ctx.region, account, checks, findings },
      options.json,
      io,
    );
  } finally {
    await session.close();
  }
};

/** The whole command: its exit code (0 ready, 1 an error found, 2 a bad command line, 3 incomplete). */
export const runCli = async (argv: readonly string[], io: CliIo): Promise<number> => {
  try {
    const options = parse(argv);
    if (options.help) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    if (options["print-policy"]) {
      io.out(`${JSON.stringify(doctorPolicy(checksFor(options.capability)), null, 2)}\n`);
      return 0;
    }
    return await doctor(options, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`doctor: ${error.message}\n${USAGE}\n`);
    return 2;
  }
};
