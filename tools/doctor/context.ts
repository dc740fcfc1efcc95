/**
 * Building the doctor's DoctorContext: the stage configuration (validated the way packaging validates
 * it), each deployed function's timeout (serverless.yml, resolved against that configuration), and SDK
 * clients pointed either at a fixture served by the simulated account on loopback, in this process, or
 * at a real account through the SDK's default credential chain.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DirectConnectClient } from "@aws-sdk/client-direct-connect";
import { EC2Client } from "@aws-sdk/client-ec2";
import { OutpostsClient } from "@aws-sdk/client-outposts";
import type { HandlerExecutionContext, InitializeHandler } from "@smithy/types";
import type { StageConfig } from "../../functions/config";
import { FUNCTIONS } from "../../functions/index";
import { SERVICE } from "../../functions/triggers";
import { readJson } from "../../sim/harness";
import { parseFixture, SimClock, SimulatedAccount } from "../../sim/index";
import { rebaseFixture } from "../../sim/rebase";
import { startSimServer } from "../../sim/wire/index";
import { DOCTOR_ACTION } from "./run";
import type { DoctorClients, DoctorContext } from "./types";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** What tools/serverless-config.cjs resolves from a stage configuration (the values serverless.yml reads). */
export type ResolvedStage = Record<string, unknown> & { config: StageConfig };

interface ServerlessConfigModule {
  resolveConfig(input: unknown, options: { source: string; stage: string; service?: string }): ResolvedStage;
  StageConfigError: new (...args: never[]) => Error & { issues: string[] };
}

const serverlessConfig = createRequire(import.meta.url)("../serverless-config.cjs") as ServerlessConfigModule;

/** The outcome of reading a stage configuration: the resolved stage, or the issues packaging would print. */
export type StageLoad =
  | { ok: true; stage: string; source: string; resolved: ResolvedStage }
  | { ok: false; stage: string; source: string; issues: string[] };

/**
 * Reads and validates a stage configuration exactly as packaging does (zod schema, unknown keys, Lambda
 * limits): `input` is the parsed JSON. Never throws for an invalid configuration: the issues come back.
 */
export const resolveStage = (input: unknown, stage: string, source: string): StageLoad => {
  try {
    return {
      ok: true,
      stage,
      source,
      resolved: serverlessConfig.resolveConfig(input, { source, stage, service: SERVICE }),
    };
  } catch (error) {
    if (error instanceof serverlessConfig.StageConfigError)
      return { ok: false, stage, source, issues: error.issues.length > 0 ? error.issues : [error.message] };
    throw error;
  }
};

/** A stage configuration file (`config/<stage>.json` or any path), read and validated. */
export const loadStage = (path: string, stage: string): StageLoad => {
  let input: unknown;
  try {
    input = readJson(path);
  } catch (error) {
    return { ok: false, stage, source: path, issues: [`(root): ${(error as Error).message}`] };
  }
  return resolveStage(input, stage, path);
};

/** `timeout:` of each function key in serverless.yml, and the provider's (the default), as written. */
export const serverlessTimeouts = (
  yaml: string,
): { provider?: string; functions: Record<string, string | undefined> } => {
  let section = "";
  let current: string | undefined;
  let provider: string | undefined;
  const functions: Record<string, string | undefined> = {};
  for (const line of yaml.split("\n")) {
    const top = /^([A-Za-z][\w-]*):/.exec(line);
    if (top?.[1] !== undefined) {
      section = top[1];
      current = undefined;
      continue;
    }
    const key = /^ {2}([A-Za-z][\w-]*):\s*$/.exec(line);
    if (section === "functions" && key?.[1] !== undefined) {
      current = key[1];
      functions[current] = undefined;
      continue;
    }
    const timeout = /^( {2}| {4})timeout:\s*(\S+)\s*$/.exec(line);
    if (timeout?.[2] === undefined) continue;
    if (section === "provider" && timeout[1] === "  ") provider = timeout[2];
    if (section === "functions" && current !== undefined && timeout[1] === "    ")
      functions[current] = timeout[2];
  }
  return { provider, functions };
};

/** A `timeout:` value: a number, or `${self:custom.ops.<path>}` read from the resolved stage. */
const resolveTimeout = (expression: string, resolved: ResolvedStage): number => {
  if (/^\d+$/.test(expression)) return Number(expression);
  const path = /^\$\{self:custom\.ops\.([\w.]+)\}$/.exec(expression)?.[1];
  let value: unknown = resolved;
  for (const part of path?.split(".") ?? []) value = (value as Record<string, unknown> | undefined)?.[part];
  if (path === undefined || typeof value !== "number")
    throw new Error(`serverless.yml: cannot resolve the timeout ${expression}`);
  return value;
};

/**
 * Each deployed function's timeout in seconds, by registry name: serverless.yml is the single source
 * (a function's own `timeout:`, else the provider's), resolved against the stage as packaging would.
 */
export const functionTimeouts = (
  resolved: ResolvedStage,
  yaml: string = readFileSync(join(ROOT, "serverless.yml"), "utf8"),
): Record<string, number> => {
  const written = serverlessTimeouts(yaml);
  const timeouts: Record<string, number> = {};
  for (const fn of FUNCTIONS) {
    const expression = written.functions[fn.serverlessName] ?? written.provider;
    if (expression === undefined) throw new Error(`serverless.yml: no timeout for ${fn.serverlessName}`);
    timeouts[fn.name] = resolveTimeout(expression, resolved);
  }
  return timeouts;
};

/** Tags an SDK error with the `service:Operation` that failed, so a denied read names the IAM action. */
const tagFailedAction =
  (service: string) =>
  <I extends object, O extends object>(
    next: InitializeHandler<I, O>,
    context: HandlerExecutionContext,
  ): InitializeHandler<I, O> =>
  async (args) => {
    try {
      return await next(args);
    } catch (error) {
      if (typeof error === "object" && error !== null) {
        const operation = String(context.commandName ?? "").replace(/Command$/, "");
        Object.defineProperty(error, DOCTOR_ACTION, { value: `${service}:${operation}`, configurable: true });
      }
      throw error;
    }
  };

const TAG_STEP = { step: "initialize", name: "opsDoctorFailedAction" } as const;

/** SDK client options shared by the five clients (region, endpoint, credentials, profile). */
export interface ClientOptions {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  profile?: string;
}

/** The doctor's clients: the SDK's standard retries (throttling on a live account), failed calls tagged. */
export const doctorClients = (options: ClientOptions): DoctorClients => {
  const config = { ...options, maxAttempts: 5 };
  const clients: DoctorClients = {
    ec2: new EC2Client(config),
    autoScaling: new AutoScalingClient(config),
    cloudWatch: new CloudWatchClient(config),
    directConnect: new DirectConnectClient(config),
    outposts: new OutpostsClient(config),
  };
  clients.ec2.middlewareStack.add(tagFailedAction("ec2"), TAG_STEP);
  clients.autoScaling.middlewareStack.add(tagFailedAction("autoscaling"), TAG_STEP);
  clients.cloudWatch.middlewareStack.add(tagFailedAction("cloudwatch"), TAG_STEP);
  clients.directConnect.middlewareStack.add(tagFailedAction("directconnect"), TAG_STEP);
  clients.outposts.middlewareStack.add(tagFailedAction("outposts"), TAG_STEP);
  return clients;
};

const destroyClients = (clients: DoctorClients): void => {
  for (const client of Object.values(clients)) (client as { destroy(): void }).destroy();
};

/** A context and what to release when done. */
export interface DoctorSession {
  ctx: DoctorContext;
  /** The simulated account serving the fixture (fixture sessions only): its calls log, faults… */
  account?: SimulatedAccount;
  close(): Promise<void>;
}

export interface StageInput {
  stage: string;
  resolved: ResolvedStage;
}

/**
 * A fixture (path or parsed JSON) loaded into the simulated account, its clock starting now, served on
 * 127.0.0.1 (ephemeral port) in this process; the clients talk to it with fake static credentials.
 * `prepare` may change the account (faults, state) before any check reads it.
 */
export const openFixtureSession = async (
  fixture: unknown,
  stage: StageInput,
  prepare?: (account: SimulatedAccount) => void,
): Promise<DoctorSession> => {
  const raw = typeof fixture === "string" ? readJson(fixture) : fixture;
  const now = new Date();
  const parsed = parseFixture(rebaseFixture(raw, now), typeof fixture === "string" ? fixture : "fixture");
  const account = SimulatedAccount.fromFixture(parsed, {
    clock: new SimClock({ start: now, mode: "manual" }),
  });
  prepare?.(account);
  const server = await startSimServer(account.dispatch, { control: account.control });
  const clients = doctorClients({
    region: account.region,
    endpoint: server.url,
    credentials: { accessKeyId: "AKIDSIMULATED", secretAccessKey: "simulated" },
  });
  const ctx = contextOf(account.region, stage, clients);
  return {
    ctx,
    account,
    close: async () => {
      destroyClients(clients);
      await server.close();
    },
  };
};

/** A real account: the SDK's default credential chain (environment, `--profile`, SSO, instance role…). */
export const openLiveSession = (region: string, stage: StageInput, profile?: string): DoctorSession => {
  const clients = doctorClients({ region, ...(profile === undefined ? {} : { profile }) });
  return {
    ctx: contextOf(region, stage, clients),
    close: async () => destroyClients(clients),
  };
};

const contextOf = (region: string, stage: StageInput, clients: DoctorClients): DoctorContext => ({
  region,
  stage: stage.stage,
  config: stage.resolved.config,
  clients,
  functionTimeouts: functionTimeouts(stage.resolved),
});
