import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { type Clock, systemClock } from "../shared/runtime/clock";
import type { HandlerOverrides } from "../shared/runtime/handler";
import {
  type AccountSnapshot,
  type CallRecord,
  diffSnapshots,
  parseFixture,
  SimClock,
  SimulatedAccount,
  type StateChange,
} from "./account/index";
import { type HarnessFunction, type LambdaHandler, lambdaContext } from "./lambda";
import { type DuringInvocation, type InvocationOutcome, InvocationTimeouts } from "./lambda-timeout";
import { rebaseFixture } from "./rebase";
import { RequestsInFlight } from "./requests-in-flight";
import { type Activity, SimulatedTime } from "./simulated-time";
import type { SimCallContext } from "./types";
import { type SimServer, simEndpointEnv, startSimServer } from "./wire/index";
import { GatedHttpHandler, MemoryHttpHandler, operationOf } from "./wire/memory-transport";
import { ServiceRegistry } from "./wire/services";

/**
 * Runs the real handlers against a simulated account, the way replay, the replayed-event tests, the
 * benchmark and simulations need: one loopback server whose account can be swapped, the SDK pointed at it
 * through AWS_ENDPOINT_URL (the handlers do not know), and for each invocation the calls made and the
 * state before and after. The caller passes the function registry (functions/index.ts).
 */

export interface InvocationReport {
  function: string;
  result?: unknown;
  error?: unknown;
  calls: CallRecord[];
  before: AccountSnapshot;
  after: AccountSnapshot;
  changes: StateChange[];
  /**
   * The invocation reached its timeout (`manual` clock): Lambda stopped it there, `after` is the state at
   * the deadline and `error` says "Task timed out".
   */
  timedOut?: boolean;
  /** Wall-clock time of the invocation. */
  durationMs: number;
  /** Time of the invocation on the simulated account's clock. */
  simulatedMs: number;
}

export interface InvokeOptions {
  /** Environment of the handler: OPS_MODE, OPS_CONFIG… (merged over the harness defaults). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** `manual` clock: what happens in the world at its time while the handler sleeps (sim/lambda-timeout.ts). */
  during?: DuringInvocation;
  /** `manual` clock: the simulated latency (ms) of each of the invocation's calls, drawn in call order. */
  latency?: () => number;
}

/**
 * - `real` (default): the account's clock follows real time and handlers run on the system clock, as
 *   deployed; an asynchronous operation of the account completes after its delay in real time.
 * - `manual`: the account's clock moves only when told (`advance`, fault latency) or when a handler
 *   sleeps: handlers are given `harness.clock` (`overrides.clock`), whose sleeps move simulated time
 *   instead of waiting, so asynchronous operations complete at their simulated times without real waiting.
 */
export type HarnessClockMode = "real" | "manual";

/**
 * How the handlers' SDK clients reach the account:
 * - `loopback` (default): HTTP to the harness's server on 127.0.0.1, as replay and the wire tests need;
 * - `memory`: the SDK's serialised request goes straight to the server's wire codec and its encoded
 *   response back to the SDK (sim/wire/memory-transport.ts): the same bytes, no socket — for long
 *   simulations. The server still runs (its URL, control endpoint and the SDK's endpoint are unchanged).
 */
export type HarnessTransport = "loopback" | "memory";

export interface HarnessOptions {
  /** The functions `invoke` may run (functions/index.ts); none by default. */
  functions?: readonly HarnessFunction[];
  clock?: HarnessClockMode;
  transport?: HarnessTransport;
  logLevel?: string;
  /**
   * A function's packaged Lambda timeout (ms) under an OPS_CONFIG: an invocation's default when it names
   * none (tools/lib/packaged-timeout.ts); 60 s where it gives none.
   */
  packagedTimeoutMs?: (functionName: string, opsConfig: string | undefined) => number | undefined;
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
  readonly mode: HarnessClockMode;
  /** The clock handlers run on: the system clock (`real`) or the simulated account's (`manual`). */
  readonly clock: Clock;
  #account: SimulatedAccount | undefined;
  readonly #server: SimServer;
  readonly #functions: readonly HarnessFunction[];
  readonly #packagedTimeoutMs: HarnessOptions["packagedTimeoutMs"];
  readonly #simulatedTime: SimulatedTime | undefined;
  /** Lambda's timeout on simulated time (`manual` mode). */
  readonly #timeouts: InvocationTimeouts | undefined;
  readonly #requests: RequestsInFlight | undefined;
  readonly #memory: MemoryHttpHandler | undefined;
  /** `manual` mode: every call waits its invocation's latency at this gate, on either transport. */
  readonly #gated: GatedHttpHandler | undefined;
  /** `manual` mode: which invocation made a call that came through the transport (they may run concurrently). */
  readonly #callerOf = new WeakMap<CallRecord, number>();
  /** Calls the world made while invocations were under way (`world`): no invocation's. */
  readonly #worldCalls = new WeakSet<CallRecord>();
  /** Puts the SDK rate limiter's clock back (manual mode moves it onto simulated time). */
  readonly #handlers = new Map<string, LambdaHandler>();
  /**
   * Invocations being prepared (their handler loaded or built): simulated time does not move meanwhile, so
   * that an invocation starting beside a running one starts at the same simulated time whether its modules
   * were loaded already or not.
   */
  readonly #preparing = new Preparing();
  /** Handlers running an invocation now: a concurrent one gets an environment of its own. */
  readonly #busy = new Set<LambdaHandler>();
  /** The SDK retry jitter handlers get on the manual clock (seeded: a run repeats). */
  #random = seededRandom(1);
  /** Overrides a simulation adds for every handler (`setOverrides`). */
  #extra: Pick<HandlerOverrides, "probeConnect"> = {};
  /** process.env values replaced by `start`, put back by `close`. */
  readonly #savedEnv = new Map<string, string | undefined>();

  private constructor(server: SimServer, options: HarnessOptions, registry: ServiceRegistry | undefined) {
    this.#server = server;
    this.#functions = options.functions ?? [];
    this.#packagedTimeoutMs = options.packagedTimeoutMs;
    this.mode = options.clock ?? "real";
    const time = this.mode === "manual" ? new SimulatedTime(() => this.#timeSource()) : undefined;
    const poke = () => time?.poke();
    if (registry !== undefined)
      this.#memory = new MemoryHttpHandler(registry, (ctx, input) => this.dispatch(ctx, input), poke);
    if (time !== undefined) {
      this.#requests = new RequestsInFlight(server.url, poke);
      const timeouts = new InvocationTimeouts(time);
      this.#gated = new GatedHttpHandler(
        this.#memory ?? new NodeHttpHandler(),
        (request) => timeouts.beforeCall(operationOf(request)),
        (signal) => timeouts.afterCall(signal),
      );
      time.watch(
        eitherActivity(
          eitherActivity(this.#requests, this.#memory),
          eitherActivity(this.#gated, this.#preparing),
        ),
      );
      this.#timeouts = timeouts;
      this.#simulatedTime = time;
    }
    // Handlers get the timeouts' view of it (their sleeps end at their invocation's timeout); a test or a
    // driver sleeping on `harness.clock` is not part of an invocation.
    this.clock = this.#simulatedTime ?? systemClock;
  }

  /** A call reaching the account over either transport; refused once the invocation's timeout passed. */
  dispatch(ctx: SimCallContext, input: Record<string, unknown>): ReturnType<SimulatedAccount["dispatch"]> {
    if (this.#timeouts?.pastDeadline === true)
      throw new Error("the invocation's timeout has passed: Lambda stopped the function");
    const caller = this.#timeouts?.callerId;
    const answer = this.account.dispatch(ctx, input);
    // The account logged the call before its first await: it is the last record.
    const record = this.account.calls.at(-1);
    if (caller !== undefined && record !== undefined) this.#callerOf.set(record, caller);
    return answer;
  }

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    let harness: Harness | undefined;
    const server = await startSimServer(
      (ctx: SimCallContext, input: Record<string, unknown>) => {
        if (harness === undefined) throw new Error("harness not ready");
        return harness.dispatch(ctx, input);
      },
      { control: (method, path, body) => (harness as Harness).account.control(method, path, body) },
    );
    let registry: ServiceRegistry | undefined;
    if (options.transport === "memory") {
      registry = new ServiceRegistry();
      await registry.preload();
    }
    harness = new Harness(server, options, registry);
    const env: Record<string, string> = { ...LOCAL_ENV, ...simEndpointEnv(server) };
    if (process.env.AWS_REGION) delete env.AWS_REGION;
    env.POWERTOOLS_LOG_LEVEL = options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT";
    harness.#setEnv(env);
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
   * Loads a fixture (raw JSON or a path). Its timestamps are moved so that its clock starts at `now`
   * (default: the current time, so that handlers reading the system clock see the account as its author
   * wrote it). In `manual` mode pass `now` for a run that does not depend on when it starts. The functions
   * start cold on the new account.
   */
  load(fixture: unknown, options: { now?: Date } = {}): SimulatedAccount {
    if ((this.#simulatedTime?.pending ?? 0) > 0)
      throw new Error("harness.load: a handler is still sleeping on the current account's clock");
    const raw = typeof fixture === "string" ? readJson(fixture) : fixture;
    const now = options.now ?? new Date();
    const parsed = parseFixture(rebaseFixture(raw, now), typeof fixture === "string" ? fixture : "fixture");
    this.#account = SimulatedAccount.fromFixture(parsed, {
      clock: new SimClock({ start: now, mode: this.mode }),
    });
    // A slow call (a fault's latency) is a wait of its invocation on simulated time, not a jump of the clock.
    const timeouts = this.#timeouts;
    if (timeouts !== undefined) this.#account.latencyWait = (ms) => timeouts.deferLatency(ms);
    // Another account: Lambda runs its functions in other execution environments (nothing a warm
    // container learnt, such as instance-type facts, carries over).
    this.#handlers.clear();
    return this.#account;
  }

  /** Moves the account's clock forward by `ms` and applies what became due (both modes). */
  advance(ms: number): Date {
    return this.account.advance(ms);
  }

  /** The registry entry for a name or serverless key. */
  functionNamed(name: string): HarnessFunction {
    const entry = this.#functions.find((f) => f.name === name || f.serverlessName === name);
    if (entry === undefined) {
      const known = this.#functions.map((f) => f.name).join(", ") || "none";
      throw new Error(`unknown function "${name}" (functions given to Harness.start: ${known})`);
    }
    return entry;
  }

  /** The handler built for an environment (cached), on `harness.clock` in `manual` mode. */
  async handlerFor(entry: HarnessFunction, env: Record<string, string> = {}): Promise<LambdaHandler> {
    const key = handlerKey(entry, env);
    const cached = this.#handlers.get(key);
    if (cached !== undefined) return cached;
    const handler = await this.#build(entry, env);
    this.#handlers.set(key, handler);
    return handler;
  }

  /**
   * A new execution environment of the function: its own SDK clients, retry quota, rate limiter and
   * deadline (the module-level code is shared, as in one process, and keeps no state of its own).
   */
  async #build(entry: HarnessFunction, env: Record<string, string> = {}): Promise<LambdaHandler> {
    const build = await entry.load();
    const overrides = {
      ...(this.#timeouts === undefined ? {} : { clock: this.#timeouts.clock, random: () => this.#random() }),
      ...((this.#gated ?? this.#memory) === undefined ? {} : { requestHandler: this.#gated ?? this.#memory }),
      ...this.#extra,
    };
    return build({ ...process.env, ...env }, overrides);
  }

  /**
   * Drops the handlers built so far, as a new deployment would: the next invocation of each function is a
   * cold start (new SDK clients, retry quota and rate limiter), and the retry jitter restarts from `seed`.
   * A simulation calls it after `load` so that a run does not depend on the runs before it.
   */
  coldStart(seed = 1): void {
    this.#handlers.clear();
    this.#random = seededRandom(seed);
  }

  /**
   * Overrides for every handler built from now on, e.g. the dx probe's connect backed by the simulated
   * account's data plane (`HandlerOverrides.probeConnect`); drops the handlers built so far.
   */
  setOverrides(extra: Pick<HandlerOverrides, "probeConnect">): void {
    this.#extra = { ...extra };
    this.#handlers.clear();
  }

  async invoke(functionName: string, event: unknown, options: InvokeOptions = {}): Promise<InvocationReport> {
    const entry = this.functionNamed(functionName);
    // Before the invocation starts (its first resolution loads the configuration schema).
    const timeoutMs =
      options.timeoutMs ??
      this.#packagedTimeoutMs?.(entry.name, options.env?.OPS_CONFIG ?? process.env.OPS_CONFIG) ??
      60_000;
    const { warm, handler } = await this.#preparing.during(async () => {
      const warm = await this.handlerFor(entry, options.env);
      // Lambda runs concurrent invocations of a function in separate execution environments.
      return { warm, handler: this.#busy.has(warm) ? await this.#build(entry, options.env) : warm };
    });
    this.#simulatedTime?.poke();
    this.#busy.add(handler);
    const account = this.account;
    const firstCall = account.calls.length;
    const before = account.snapshot();
    const simulatedStart = account.clock.nowMs();
    const context = lambdaContext(entry.name, timeoutMs, randomUUID(), this.clock);
    const started = performance.now();
    const run = () => handler(structuredClone(event), context);
    const outcome = await (this.#timeouts?.run(timeoutMs, run, {
      ...(options.during === undefined ? {} : { during: options.during }),
      ...(options.latency === undefined ? {} : { latency: options.latency }),
    }) ?? settle(run));
    this.#busy.delete(handler);
    // After a timeout Lambda starts the next invocation in a new execution environment.
    if (outcome.timedOut && handler === warm) this.#handlers.delete(handlerKey(entry, options.env));
    const result = "value" in outcome ? outcome.value : undefined;
    const error = outcome.timedOut
      ? new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`)
      : "error" in outcome
        ? outcome.error
        : undefined;
    const durationMs = performance.now() - started;
    const after = account.snapshot();
    let changes: StateChange[] | undefined;
    return {
      function: entry.name,
      result,
      error,
      // Its own calls: not those of invocations that ran beside it (calls made on the account directly count).
      calls: account.calls
        .slice(firstCall)
        .filter((c) => !this.#worldCalls.has(c) && (this.#callerOf.get(c) ?? outcome.id) === outcome.id),
      before,
      after,
      // Computed when read: a long simulation reads it rarely.
      get changes() {
        changes ??= diffSnapshots(before, after);
        return changes;
      },
      timedOut: outcome.timedOut,
      durationMs,
      simulatedMs: account.clock.nowMs() - simulatedStart,
    };
  }

  /**
   * Runs what happens in the world while invocations are under way (a simulation's incidents, made on the
   * account directly): the calls it makes are no invocation's, so a report does not count them as the
   * handler's. `work` must not wait on simulated time (no invocation moves meanwhile).
   */
  async world<T>(work: () => Promise<T>): Promise<T> {
    const calls = this.account.calls;
    const first = calls.length;
    try {
      return await work();
    } finally {
      for (const call of calls.slice(first)) if (!this.#callerOf.has(call)) this.#worldCalls.add(call);
    }
  }

  /** Stops the server and puts back the environment `start` changed. */
  async close(): Promise<void> {
    this.#requests?.close();
    await this.#server.close();
    for (const [key, value] of this.#savedEnv) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    this.#savedEnv.clear();
  }

  /** The current account's clock (the account is replaced by `load`). */
  #timeSource() {
    const account = this.account;
    return { nowMs: () => account.clock.nowMs(), advance: (ms: number) => account.advance(ms) };
  }

  #setEnv(env: Record<string, string>): void {
    for (const [key, value] of Object.entries(env)) {
      if (!this.#savedEnv.has(key)) this.#savedEnv.set(key, process.env[key]);
      process.env[key] = value;
    }
  }
}

/** Work under way on either transport. */
const eitherActivity = (a: Activity, b: Activity | undefined): Activity =>
  b === undefined
    ? a
    : {
        get busy() {
          return a.busy || b.busy;
        },
        get changes() {
          return a.changes + b.changes;
        },
      };

/** Work counted as activity while it runs (simulated time waits for it). */
class Preparing implements Activity {
  #count = 0;
  #changes = 0;

  get busy(): boolean {
    return this.#count > 0;
  }

  get changes(): number {
    return this.#changes;
  }

  async during<T>(work: () => Promise<T>): Promise<T> {
    this.#count += 1;
    this.#changes += 1;
    try {
      return await work();
    } finally {
      this.#count -= 1;
      this.#changes += 1;
    }
  }
}

/** mulberry32: a small seeded generator in [0, 1). */
const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

const handlerKey = (entry: HarnessFunction, env: Record<string, string> = {}): string =>
  `${entry.name}|${JSON.stringify(env)}`;

/** The outcome of an invocation without a timeout (`real` clock: Lambda's timeout is not modelled). */
const settle = async <T>(work: () => Promise<T>): Promise<InvocationOutcome<T>> => {
  try {
    return { timedOut: false, value: await work() };
  } catch (error) {
    return { timedOut: false, error };
  }
};
