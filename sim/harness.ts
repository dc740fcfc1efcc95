import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { FUNCTIONS, type FunctionEntry, type LambdaHandler, lambdaContext } from "../tools/lib/functions";
import {
  type AccountSnapshot,
  type CallRecord,
  diffSnapshots,
  parseFixture,
  SimClock,
  SimulatedAccount,
  type StateChange,
} from "./account/index";
import { rebaseFixture } from "./rebase";
import type { SimCallContext } from "./types";
import { type SimServer, simEndpointEnv, startSimServer } from "./wire/index";

/**
 * Runs the real handlers against a simulated account, the way replay, the replayed-event tests and the
 * benchmark need: one loopback server whose account can be swapped, the SDK pointed at it through
 * AWS_ENDPOINT_URL (the handlers do not know), and for each invocation the calls made and the state
 * before and after.
 */

export interface InvocationReport {
  function: string;
  result?: unknown;
  error?: unknown;
  calls: CallRecord[];
  before: AccountSnapshot;
  after: AccountSnapshot;
  changes: StateChange[];
  durationMs: number;
}

export interface InvokeOptions {
  /** Environment of the handler: OPS_MODE, OPS_CONFIG… (merged over the harness defaults). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

export const readJson = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));

/** Quiet, local defaults: no EMF on stdout, no X-Ray, logs only when asked, no SDK Node-20 notice. */
const LOCAL_ENV: Record<string, string> = {
  POWERTOOLS_METRICS_DISABLED: "true",
  POWERTOOLS_TRACE_ENABLED: "false",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  AWS_XRAY_CONTEXT_MISSING: "IGNORE_ERROR",
};

export class Harness {
  #account: SimulatedAccount | undefined;
  readonly #server: SimServer;
  readonly #handlers = new Map<string, LambdaHandler>();

  private constructor(server: SimServer) {
    this.#server = server;
  }

  static async start(options: { logLevel?: string } = {}): Promise<Harness> {
    let harness: Harness | undefined;
    const server = await startSimServer(
      (ctx: SimCallContext, input: Record<string, unknown>) => {
        if (harness === undefined) throw new Error("harness not ready");
        return harness.account.dispatch(ctx, input);
      },
      { control: (method, path, body) => (harness as Harness).account.control(method, path, body) },
    );
    harness = new Harness(server);
    for (const [key, value] of Object.entries({ ...LOCAL_ENV, ...simEndpointEnv(server) })) {
      if (key === "AWS_REGION" && process.env.AWS_REGION) continue;
      process.env[key] = value;
    }
    process.env.POWERTOOLS_LOG_LEVEL = options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT";
    return harness;
  }

  get url(): string {
    return this.#server.url;
  }

  get account(): SimulatedAccount {
    if (this.#account === undefined) throw new Error("no account loaded: call harness.load(fixture) first");
    return this.#account;
  }

  /**
   * Loads a fixture (raw JSON or a path). Its timestamps are moved so that its clock starts now, and the
   * clock follows real time: handlers, which read the real clock, see the account as its author wrote it.
   */
  load(fixture: unknown, options: { now?: Date } = {}): SimulatedAccount {
    const raw = typeof fixture === "string" ? readJson(fixture) : fixture;
    const now = options.now ?? new Date();
    const parsed = parseFixture(rebaseFixture(raw, now), typeof fixture === "string" ? fixture : "fixture");
    this.#account = SimulatedAccount.fromFixture(parsed, {
      clock: new SimClock({ start: now, mode: "real" }),
    });
    return this.#account;
  }

  async handlerFor(entry: FunctionEntry, env: Record<string, string> = {}): Promise<LambdaHandler> {
    const key = `${entry.name}|${JSON.stringify(env)}`;
    const cached = this.#handlers.get(key);
    if (cached !== undefined) return cached;
    const build = await entry.load();
    const handler = build({ ...process.env, ...env });
    this.#handlers.set(key, handler);
    return handler;
  }

  async invoke(functionName: string, event: unknown, options: InvokeOptions = {}): Promise<InvocationReport> {
    const entry = FUNCTIONS.find((f) => f.name === functionName || f.serverlessName === functionName);
    if (entry === undefined) throw new Error(`unknown function "${functionName}"`);
    const handler = await this.handlerFor(entry, options.env);
    const account = this.account;
    const firstCall = account.calls.length;
    const before = account.snapshot();
    const started = performance.now();
    let result: unknown;
    let error: unknown;
    try {
      result = await handler(
        structuredClone(event),
        lambdaContext(entry.name, options.timeoutMs ?? 60_000, randomUUID()),
      );
    } catch (caught) {
      error = caught;
    }
    const durationMs = performance.now() - started;
    const after = account.snapshot();
    return {
      function: entry.name,
      result,
      error,
      calls: account.calls.slice(firstCall),
      before,
      after,
      changes: diffSnapshots(before, after),
      durationMs,
    };
  }

  async close(): Promise<void> {
    await this.#server.close();
  }
}
