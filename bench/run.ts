/**
 * npm run bench
 *
 * For every function of the registry (functions/index.ts FUNCTIONS):
 *   1. bundle: the deployed bundle (esbuild, the serverless.yml settings) → bench/out/<name>.cjs; raw and
 *      deflated size, largest inputs and packages;
 *   2. cold load: `node -e "require(bundle)"` in fresh processes, interleaved with `node -e 0`;
 *   3. warm handler time per event scenario against the simulated account (in-process), plus one scenario
 *      with the simulated account in a separate process.
 * Writes bench/results.json (committed) and prints tables and the targets met or missed.
 * Loopback only. Knobs (environment): BENCH_ITERATIONS (default 250), BENCH_WARMUP (30), BENCH_COLD_RUNS (21).
 * See bench/README.md.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { deflateRawSync } from "node:zlib";

// Silence the handlers before anything that could read these is loaded.
process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED = "true";
process.env.POWERTOOLS_TRACE_ENABLED = "false";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
process.env.AWS_REGION ||= "us-east-1";

const { build, version: esbuildVersion } = await import("esbuild");
const { FUNCTIONS } = await import("../functions/index");
type FunctionEntry = (typeof FUNCTIONS)[number];
const { Harness, readJson } = await import("../sim/harness");
const { lambdaContext } = await import("../sim/lambda");
type LambdaHandler = import("../sim/lambda").LambdaHandler;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT_DIR = join(ROOT, "bench", "out");
const RESULTS = join(ROOT, "bench", "results.json");
const require = createRequire(import.meta.url);

const intFromEnv = (name: string, fallback: number, min: number): number => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value >= min ? value : fallback;
};
const ITERATIONS = intFromEnv("BENCH_ITERATIONS", 250, 1);
const WARMUP = intFromEnv("BENCH_WARMUP", 30, 0);
const COLD_RUNS = intFromEnv("BENCH_COLD_RUNS", 21, 1);
const COLD_DISCARD = 2;
/** Iterations run again, untimed, right before a scenario is measured (after the global warm-up). */
const REWARM = 10;

const TARGETS = {
  bundleRawBytes: 1024 * 1024,
  /** p50(node -e "require(bundle)") / p50(node -e 0), both measured in this run (issue 8). */
  coldLoadRatio: 2.5,
  warmP99Ms: 5,
} as const;

/** The settings serverless.yml gives serverless-esbuild (custom.esbuild). */
const ESBUILD_SETTINGS = {
  bundle: true,
  platform: "node",
  format: "cjs",
  outExtension: { ".js": ".cjs" },
  mainFields: ["module", "main"],
  minify: true,
  keepNames: true,
  target: "node22",
  sourcemap: false,
  external: [] as string[],
} as const;

const started = performance.now();
const loadAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
const log = (line = "") => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------------
// Small statistics helpers

const round = (value: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};
/** Nearest-rank percentile of an ascending array. */
const pct = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
const summarize = (samples: readonly number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, x) => sum + x, 0) / Math.max(1, sorted.length);
  return {
    n: sorted.length,
    min: round(sorted[0] ?? Number.NaN),
    p50: round(pct(sorted, 50)),
    p90: round(pct(sorted, 90)),
    p99: round(pct(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
    mean: round(mean),
  };
};

// ---------------------------------------------------------------------------------------------------
// 1. Bundles

/** The registry's `handler` (serverless.yml's), e.g. functions/idle-hibernate/hibernate/handler.handler. */
const handlerSpec = (entry: FunctionEntry): { source: string; exportName: string } => {
  const dot = entry.handler.lastIndexOf(".");
  const base = entry.handler.slice(0, dot);
  const source = [".ts", ".mts", ".js", ".mjs"]
    .map((ext) => `${base}${ext}`)
    .find((p) => existsSync(join(ROOT, p)));
  if (source === undefined) throw new Error(`no source file for handler ${entry.handler}`);
  return { source, exportName: entry.handler.slice(dot + 1) };
};

const packageOf = (input: string): string => {
  const matches = [...input.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
  const last = matches[matches.length - 1];
  if (last?.[1] !== undefined) return last[1];
  return `(project) ${input.split("/").slice(0, 2).join("/")}`;
};

interface BundleResult {
  entry: string;
  output: string;
  rawBytes: number;
  deflateBytes: number;
  deflateNote: string;
  buildMs: number;
  topInputs: Array<{ path: string; bytes: number }>;
  topPackages: Array<{ package: string; bytes: number }>;
}

const plugins = require(join(ROOT, "tools", "esbuild-plugins.cjs"));

const buildBundle = async (entry: FunctionEntry): Promise<BundleResult> => {
  const { source } = handlerSpec(entry);
  const outfile = join(OUT_DIR, `${entry.name}.cjs`);
  const t0 = performance.now();
  const result = await build({
    ...ESBUILD_SETTINGS,
    mainFields: [...ESBUILD_SETTINGS.mainFields],
    absWorkingDir: ROOT,
    entryPoints: [source],
    outfile,
    metafile: true,
    plugins,
    logLevel: "error",
  });
  const buildMs = performance.now() - t0;
  const raw = readFileSync(outfile);
  const output = result.metafile.outputs[relative(ROOT, outfile)];
  if (output === undefined) throw new Error(`esbuild metafile has no output ${outfile}`);
  const inputs = Object.entries(output.inputs).map(([path, info]) => ({ path, bytes: info.bytesInOutput }));
  inputs.sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path));
  const byPackage = new Map<string, number>();
  for (const input of inputs)
    byPackage.set(packageOf(input.path), (byPackage.get(packageOf(input.path)) ?? 0) + input.bytes);
  const packages = [...byPackage].map(([name, bytes]) => ({ package: name, bytes }));
  packages.sort((a, b) => b.bytes - a.bytes || a.package.localeCompare(b.package));
  return {
    entry: source,
    output: relative(ROOT, outfile),
    rawBytes: raw.byteLength,
    deflateBytes: deflateRawSync(raw, { level: 9 }).byteLength,
    deflateNote:
      "zlib deflateRaw level 9 of the file: an estimate of the zip's compressed size (a real zip adds ~100 B of headers)",
    buildMs: round(buildMs, 1),
    topInputs: inputs.slice(0, 8),
    topPackages: packages.slice(0, 8),
  };
};

// ---------------------------------------------------------------------------------------------------
// 2. Cold load

interface ColdResult {
  runs: number;
  discarded: number;
  bareNode: { min: number; p50: number; p90: number };
  bundleLoad: { min: number; p50: number; p90: number };
  /** min: the least noisy figure on a busy machine; p50 is the one the target uses. */
  overBareMs: { min: number; p50: number; p90: number };
  ratio: number;
}

const COLD_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: process.env.HOME ?? "/tmp",
  AWS_REGION: "us-east-1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  POWERTOOLS_LOG_LEVEL: "SILENT",
  POWERTOOLS_METRICS_DISABLED: "true",
};

const timeNode = (script: string): number => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["-e", script], { env: COLD_ENV, cwd: ROOT, encoding: "utf8" });
  const ms = performance.now() - t0;
  if (r.status !== 0 || r.error !== undefined) {
    throw new Error(
      `node -e ${JSON.stringify(script)} failed (${r.status}): ${r.error?.message ?? r.stderr}`,
    );
  }
  if (r.stdout.trim() !== "" || r.stderr.trim() !== "") {
    throw new Error(
      `node -e ${JSON.stringify(script)} printed output (logs not silenced?): ${r.stdout}${r.stderr}`,
    );
  }
  return ms;
};

/**
 * All bundles and `node -e 0` in one loop: every round runs each once, in an order rotated by one per
 * round, so that on a busy machine every subject sees the same conditions and none always runs first.
 */
const coldLoadAll = (bundles: readonly string[]): ColdResult[] => {
  const subjects = ["0", ...bundles.map((bundle) => `require(${JSON.stringify(bundle)})`)];
  const samples = subjects.map((): number[] => []);
  for (let round = 0; round < COLD_RUNS + COLD_DISCARD; round++) {
    for (let k = 0; k < subjects.length; k++) {
      const index = (k + round) % subjects.length;
      const ms = timeNode(subjects[index] as string);
      if (round >= COLD_DISCARD) samples[index]?.push(ms);
    }
  }
  const b = summarize(samples[0] ?? []);
  return bundles.map((_, i) => {
    const l = summarize(samples[i + 1] ?? []);
    return {
      runs: COLD_RUNS,
      discarded: COLD_DISCARD,
      bareNode: { min: round(b.min, 1), p50: round(b.p50, 1), p90: round(b.p90, 1) },
      bundleLoad: { min: round(l.min, 1), p50: round(l.p50, 1), p90: round(l.p90, 1) },
      overBareMs: {
        min: round(l.min - b.min, 1),
        p50: round(l.p50 - b.p50, 1),
        p90: round(l.p90 - b.p90, 1),
      },
      ratio: round(l.p50 / b.p50, 2),
    };
  });
};

// ---------------------------------------------------------------------------------------------------
// 3. Warm handler time

type RawFixture = {
  instances: Array<Record<string, unknown>>;
  alarms: Array<Record<string, unknown>>;
  [key: string]: unknown;
};

interface Scenario {
  name: string;
  function: string;
  description: string;
  event: string;
  account?: string;
  /** Edits a copy of the raw fixture (before the harness rebases and parses it). */
  fixture?: (raw: RawFixture) => void;
  env?: Record<string, string>;
}

const DEMO = "events/accounts/demo.json";
const HAPPY_ALARM = "ops-idle-i-0123456789abcdef0";

const findIn = <T extends Record<string, unknown>>(items: T[], key: string, value: string): T => {
  const found = items.find((item) => item[key] === value);
  if (found === undefined) throw new Error(`fixture has no item with ${key} ${value}`);
  return found;
};

const SCENARIOS: Scenario[] = [
  {
    name: "hibernate-eventbridge",
    function: "idle-hibernate",
    description: "alarm state change via EventBridge → hibernate i-…def0",
    event: "events/idle-hibernate/alarm-eventbridge.json",
  },
  {
    name: "hibernate-lambda-action",
    function: "idle-hibernate",
    description: "alarm's Lambda action → hibernate i-…def0",
    event: "events/idle-hibernate/alarm-lambda-action.json",
  },
  {
    name: "hibernate-sns",
    function: "idle-hibernate",
    description: "alarm's SNS topic → hibernate i-…def0",
    event: "events/idle-hibernate/alarm-sns.json",
  },
  {
    name: "foreign-alarm",
    function: "idle-hibernate",
    description: "alarm not managed by the toolkit (ignored)",
    event: "events/samples/cloudwatch-alarm-state-change.single-metric-ec2-instanceid.ALARM-from-OK.json",
  },
  {
    name: "alarm-recovered",
    function: "idle-hibernate",
    description: "ALARM event, but the alarm is OK again",
    event: "events/idle-hibernate/alarm-eventbridge.json",
    fixture: (raw) => {
      findIn(raw.alarms, "name", HAPPY_ALARM).state = "OK";
    },
  },
  {
    name: "reconcile-schedule",
    function: "idle-hibernate",
    description: "scheduled reconcile over the demo account",
    event: "events/idle-hibernate/schedule-reconcile.json",
  },
  {
    name: "hibernate-dry-run",
    function: "idle-hibernate",
    description: "EventBridge hibernate with OPS_MODE=dry-run",
    event: "events/idle-hibernate/alarm-eventbridge.json",
    env: { OPS_MODE: "dry-run" },
  },
  {
    name: "alarms-ec2-running",
    function: "idle-alarms",
    description: "opted-in instance running, no alarm → create it",
    event: "events/idle-hibernate/ec2-running.json",
  },
  {
    name: "alarms-ec2-terminated",
    function: "idle-alarms",
    description: "instance terminated → delete its managed alarm",
    event: "events/idle-hibernate/ec2-terminated.json",
    fixture: (raw) => {
      const alarm = findIn(raw.alarms, "name", "ops-idle-i-0123456789abcdef4");
      alarm.tags = { ...(alarm.tags as Record<string, string>), "ops:managed-by": "ops-toolkit" };
      const instance = findIn(raw.instances, "id", "i-0123456789abcdef4");
      instance.state = "terminated";
      delete instance.stateReason;
      delete instance.stateTransitionReason;
    },
  },
];

const SEPARATE_PROCESS_SCENARIO = "hibernate-eventbridge";

interface LoadedFunction {
  entry: FunctionEntry;
  handlerSource: "bundle" | "source";
  note?: string;
  handlerFor: (env?: Record<string, string>) => Promise<LambdaHandler>;
}

/** The built bundle, required in-process (its SDK reads AWS_ENDPOINT_URL, set by Harness.start). */
const loadFunction = async (entry: FunctionEntry, bundle: string): Promise<LoadedFunction> => {
  const { exportName } = handlerSpec(entry);
  try {
    const mod = require(bundle) as Record<string, unknown>;
    const deployed = mod[exportName];
    const buildHandler = mod.buildHandler;
    if (typeof deployed !== "function" || typeof buildHandler !== "function") {
      throw new Error(`bundle exports no ${exportName}/buildHandler`);
    }
    return {
      entry,
      handlerSource: "bundle",
      handlerFor: async (env) =>
        env === undefined
          ? (deployed as LambdaHandler)
          : (buildHandler({ ...process.env, ...env }) as LambdaHandler),
    };
  } catch (error) {
    const build = await entry.load();
    const base = build(process.env);
    return {
      entry,
      handlerSource: "source",
      note: `require(bundle) failed: ${(error as Error).message}`,
      handlerFor: async (env) => (env === undefined ? base : build({ ...process.env, ...env })),
    };
  }
};

interface CallCount {
  operation: string;
  count: number;
}

const countCalls = (calls: ReadonlyArray<{ service: string; operation: string; outcome: string }>) => {
  const counts = new Map<string, number>();
  let errors = 0;
  for (const call of calls) {
    const key = `${call.service}:${call.operation}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (call.outcome !== "ok") errors += 1;
  }
  const list: CallCount[] = [...counts].map(([operation, count]) => ({ operation, count }));
  return { total: calls.length, errors, byOperation: list };
};
const callsText = (byOperation: CallCount[]): string =>
  byOperation.length === 0
    ? "none"
    : byOperation.map((c) => `${c.operation.split(":")[1]} ${c.count}`).join(", ");

interface WarmResult {
  name: string;
  function: string;
  description: string;
  event: string;
  env: Record<string, string>;
  handlerSource: string;
  decision: string;
  firstInvocationMs: number;
  warmup: number;
  iterations: number;
  handlerMs: ReturnType<typeof summarize>;
  /** process.cpuUsage (user+system) of this process over the call: the handler's and, in-process, the sim's. */
  cpuMsMean: number;
  calls: ReturnType<typeof countCalls>;
  callsVaried: boolean;
  note?: string;
}

const decisionOf = (result: unknown): string => {
  if (typeof result === "object" && result !== null && "decision" in result)
    return String((result as { decision: unknown }).decision);
  return result === undefined ? "(undefined)" : typeof result;
};

const runScenario = async (
  scenario: Scenario,
  fn: LoadedFunction,
  invocation: {
    reset: () => Promise<void>;
    calls: () => Promise<Array<{ service: string; operation: string; outcome: string }>>;
  },
  handler: LambdaHandler,
  eventRaw: unknown,
  warmup: number,
  iterations: number,
): Promise<Omit<WarmResult, "name" | "function" | "description" | "event" | "env" | "handlerSource">> => {
  const times: number[] = [];
  let cpu = 0;
  let firstInvocationMs = Number.NaN;
  let decision = "";
  const signatures = new Set<string>();
  let lastCalls: ReturnType<typeof countCalls> = { total: 0, errors: 0, byOperation: [] };
  for (let i = 0; i < warmup + iterations; i++) {
    // Untimed: a fresh account (every iteration does the full work) and a fresh event and context.
    await invocation.reset();
    const event = structuredClone(eventRaw);
    const context = lambdaContext(fn.entry.name, 60_000, `bench-${scenario.name}-${i}`, harness.clock);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let result: unknown;
    try {
      result = await handler(event, context);
    } catch (error) {
      throw new Error(
        `scenario ${scenario.name}, iteration ${i}: handler threw ${(error as Error)?.stack ?? String(error)}`,
      );
    }
    const ms = performance.now() - t0;
    const cpuDelta = process.cpuUsage(cpu0);
    if (i === 0) firstInvocationMs = ms;
    const calls = countCalls(await invocation.calls());
    signatures.add(JSON.stringify(calls));
    if (i >= warmup) {
      times.push(ms);
      cpu += (cpuDelta.user + cpuDelta.system) / 1000;
      decision = decisionOf(result);
      lastCalls = calls;
    }
  }
  return {
    decision,
    firstInvocationMs: round(firstInvocationMs),
    warmup,
    iterations,
    handlerMs: summarize(times),
    cpuMsMean: round(cpu / Math.max(1, times.length)),
    calls: lastCalls,
    callsVaried: signatures.size > 1,
  };
};

/** The simulated account in a child process (bench/sim-child.ts); reset through POST /__sim/reset. */
const startSimChild = async (fixture: string): Promise<{ url: string; child: ChildProcess }> => {
  const child = spawn(process.execPath, ["--import", "tsx", join("bench", "sim-child.ts"), fixture], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: "" },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let buffer = "";
    const timer = setTimeout(() => reject(new Error("sim child did not start within 30 s")), 30_000);
    child.once("exit", (code) => reject(new Error(`sim child exited (${code}) before listening`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      const line = buffer.split("\n")[0];
      if (buffer.includes("\n") && line !== undefined) {
        clearTimeout(timer);
        try {
          resolveUrl((JSON.parse(line) as { url: string }).url);
        } catch (error) {
          reject(error);
        }
      }
    });
  });
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`sim child is not on loopback: ${url}`);
  return { url, child };
};

const stopSimChild = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  child.stdin?.end();
  const timer = setTimeout(() => child.kill("SIGTERM"), 5000);
  await exited;
  clearTimeout(timer);
};

// ---------------------------------------------------------------------------------------------------
// Output helpers

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const table = (header: string[], rows: Array<Array<string | number>>): string => {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? "").length)));
  const line = (row: string[]) =>
    row
      .map((cell, c) =>
        c === 0 || Number.isNaN(Number(cell)) ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0),
      )
      .join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
};

// ---------------------------------------------------------------------------------------------------
// Main

mkdirSync(OUT_DIR, { recursive: true });
const cpus = os.cpus();
log(`ops-toolkit bench — node ${process.version}, ${cpus[0]?.model ?? "unknown cpu"} × ${cpus.length}`);
log(
  `iterations ${ITERATIONS} (warm-up ${WARMUP}), cold-load runs ${COLD_RUNS} (+${COLD_DISCARD} discarded)\n`,
);

const built: Array<{ entry: FunctionEntry; bundle: BundleResult }> = [];
for (const entry of FUNCTIONS) {
  log(`[bundle] ${entry.name}`);
  built.push({ entry, bundle: await buildBundle(entry) });
}
log(`[cold]   ${built.map((b) => b.entry.name).join(", ")} and bare node, interleaved`);
const coldResults = coldLoadAll(built.map(({ bundle }) => join(ROOT, bundle.output)));
const perFunction = built.map(({ entry, bundle }, i) => ({
  entry,
  bundle,
  cold: coldResults[i] as ColdResult,
}));

// In-process: Harness.start() first so the bundles' SDK clients use its endpoint.
const harness = await Harness.start({ functions: FUNCTIONS, logLevel: "SILENT" });
const configPath = join(ROOT, "config", "dev.json");
if (existsSync(configPath)) process.env.OPS_CONFIG = JSON.stringify(readJson(configPath));
const loaded = new Map<string, LoadedFunction>();
const skipped: Array<{ name: string; reason: string }> = [];
for (const { entry, bundle } of perFunction) {
  if (!SCENARIOS.some((s) => s.function === entry.name)) continue;
  try {
    loaded.set(entry.name, await loadFunction(entry, join(ROOT, bundle.output)));
  } catch (error) {
    skipped.push({ name: entry.name, reason: `could not load its handler: ${(error as Error).message}` });
  }
}

const warm: WarmResult[] = [];
interface Prepared {
  scenario: Scenario;
  fn: LoadedFunction;
  raw: RawFixture;
  eventRaw: unknown;
  handler: LambdaHandler;
  firstInvocationMs: number;
}
const inProcess = {
  reset: (raw: RawFixture) => async () => {
    harness.load(raw);
  },
  calls: async () => harness.account.calls,
};
try {
  const prepared: Prepared[] = [];
  for (const scenario of SCENARIOS) {
    const fn = loaded.get(scenario.function);
    if (fn === undefined) {
      const known = FUNCTIONS.some((f) => f.name === scenario.function);
      skipped.push({
        name: scenario.name,
        reason: known
          ? `function ${scenario.function} did not load`
          : `no function ${scenario.function} in FUNCTIONS`,
      });
      continue;
    }
    const raw = readJson(join(ROOT, scenario.account ?? DEMO)) as RawFixture;
    scenario.fixture?.(raw);
    const eventRaw = readJson(join(ROOT, scenario.event));
    const handler = await fn.handlerFor(scenario.env);
    prepared.push({ scenario, fn, raw, eventRaw, handler, firstInvocationMs: Number.NaN });
  }
  // Warm-up of every scenario first, so that the first one measured does not pay the JIT's tier-up of
  // the code paths all of them share (SDK, HTTP, sim).
  log(`[warm]   warm-up: ${WARMUP} iterations of each of ${prepared.length} scenarios`);
  for (const p of prepared) {
    const { reset, calls } = inProcess;
    const stats = await runScenario(
      p.scenario,
      p.fn,
      { reset: reset(p.raw), calls },
      p.handler,
      p.eventRaw,
      WARMUP,
      0,
    );
    p.firstInvocationMs = stats.firstInvocationMs;
  }
  for (const p of prepared) {
    const { scenario, fn } = p;
    log(`[warm]   ${scenario.name}`);
    const { reset, calls } = inProcess;
    const stats = await runScenario(
      scenario,
      fn,
      { reset: reset(p.raw), calls },
      p.handler,
      p.eventRaw,
      REWARM,
      ITERATIONS,
    );
    const result: WarmResult = {
      name: scenario.name,
      function: scenario.function,
      description: scenario.description,
      event: scenario.event,
      env: scenario.env ?? {},
      handlerSource:
        fn.handlerSource === "bundle" ? "bundle (require bench/out/*.cjs)" : "source (FUNCTIONS.load)",
      ...stats,
      firstInvocationMs: p.firstInvocationMs,
      warmup: WARMUP + REWARM,
    };
    if (fn.note !== undefined) result.note = fn.note;
    warm.push(result);
  }
  for (const entry of FUNCTIONS) {
    if (!SCENARIOS.some((s) => s.function === entry.name))
      skipped.push({ name: entry.name, reason: "no warm scenario defined yet" });
  }
} finally {
  await harness.close();
}

// Separate-process sim: the same bundle, a new runtime (new SDK clients) pointed at the child's URL.
let separate: (WarmResult & { simUrl: string }) | { skipped: string } = { skipped: "not run" };
const sepScenario = SCENARIOS.find((s) => s.name === SEPARATE_PROCESS_SCENARIO);
const sepFn = sepScenario && loaded.get(sepScenario.function);
if (sepScenario !== undefined && sepFn !== undefined) {
  log(`[warm]   ${sepScenario.name} (sim in a separate process)`);
  const { url, child } = await startSimChild(sepScenario.account ?? DEMO);
  const savedEndpoint = process.env.AWS_ENDPOINT_URL;
  try {
    process.env.AWS_ENDPOINT_URL = url;
    const handler = await sepFn.handlerFor({ ...(sepScenario.env ?? {}), AWS_ENDPOINT_URL: url });
    const getJson = async <T>(path: string, method = "GET"): Promise<T> => {
      const response = await fetch(`${url}/__sim/${path}`, { method });
      if (!response.ok)
        throw new Error(`${method} /__sim/${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const stats = await runScenario(
      sepScenario,
      sepFn,
      {
        reset: async () => {
          await getJson("reset", "POST");
        },
        calls: async () =>
          (await getJson<{ calls: Array<{ service: string; operation: string; outcome: string }> }>("calls"))
            .calls,
      },
      handler,
      readJson(join(ROOT, sepScenario.event)),
      WARMUP,
      ITERATIONS,
    );
    if (stats.calls.total === 0)
      throw new Error("separate-process sim saw no calls: the SDK did not use its endpoint");
    separate = {
      name: sepScenario.name,
      function: sepScenario.function,
      description: `${sepScenario.description}; simulated account in a child process (bench/sim-child.ts), reset by POST /__sim/reset`,
      event: sepScenario.event,
      env: sepScenario.env ?? {},
      handlerSource:
        sepFn.handlerSource === "bundle"
          ? "bundle (require bench/out/*.cjs), new runtime"
          : "source (FUNCTIONS.load)",
      simUrl: "http://127.0.0.1:<ephemeral>",
      ...stats,
    };
  } catch (error) {
    separate = { skipped: `failed: ${(error as Error).message}` };
    log(`  separate-process variant failed: ${(error as Error).message}`);
  } finally {
    if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL;
    else process.env.AWS_ENDPOINT_URL = savedEndpoint;
    await stopSimChild(child);
  }
}

// ---------------------------------------------------------------------------------------------------
// Targets

interface TargetCheck {
  target: string;
  subject: string;
  limit: number;
  value: number;
  unit: string;
  met: boolean;
}
const checks: TargetCheck[] = [];
for (const { entry, bundle, cold } of perFunction) {
  checks.push({
    target: "bundle raw size ≤ 1 MiB",
    subject: entry.name,
    limit: TARGETS.bundleRawBytes,
    value: bundle.rawBytes,
    unit: "bytes",
    met: bundle.rawBytes <= TARGETS.bundleRawBytes,
  });
  checks.push({
    target: "cold load / bare node (medians, same run) ≤ 2.5×",
    subject: entry.name,
    limit: TARGETS.coldLoadRatio,
    value: cold.ratio,
    unit: "×",
    met: cold.ratio <= TARGETS.coldLoadRatio,
  });
}
for (const w of warm) {
  checks.push({
    target: "warm handler p99 ≤ 5 ms (in-process sim)",
    subject: w.name,
    limit: TARGETS.warmP99Ms,
    value: w.handlerMs.p99,
    unit: "ms",
    met: w.handlerMs.p99 <= TARGETS.warmP99Ms,
  });
}
if ("handlerMs" in separate) {
  checks.push({
    target: "warm handler p99 ≤ 5 ms (sim in separate process)",
    subject: separate.name,
    limit: TARGETS.warmP99Ms,
    value: separate.handlerMs.p99,
    unit: "ms",
    met: separate.handlerMs.p99 <= TARGETS.warmP99Ms,
  });
}

// ---------------------------------------------------------------------------------------------------
// results.json (stable key order) and the printed report

/** The commit the bench ran on, and whether the tree had uncommitted changes (read-only git calls). */
function gitState(): { commit: string; dirty: boolean | null } {
  const git = (...args: string[]) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });
  const head = git("rev-parse", "HEAD");
  if (head.status !== 0) return { commit: "unknown", dirty: null };
  const status = git("status", "--porcelain", "--untracked-files=no");
  return { commit: head.stdout.trim(), dirty: status.status === 0 ? status.stdout.trim() !== "" : null };
}

// Capability paths (vfxt-ip-move, eni-reattach, dx-failover…): each bench file measures its own path
// (API calls, simulated-clock and wall time) against its own simulated account. A capability whose
// bench file does not exist yet is listed under `skipped`.
const CAPABILITY_BENCHES: ReadonlyArray<{ name: string; file: string; exportName: string }> = [
  { name: "vfxt-ip-move", file: "vfxt.ts", exportName: "benchVfxt" },
  { name: "eni-reattach", file: "eni-reattach.ts", exportName: "benchEniReattach" },
  { name: "dx-failover", file: "dx-failover.ts", exportName: "benchDxFailover" },
  { name: "idle-hibernate", file: "idle-hibernate.ts", exportName: "benchIdleHibernate" },
  { name: "snapshot", file: "snapshot.ts", exportName: "benchSnapshot" },
];
const capabilities: Record<string, unknown> = {};
for (const bench of CAPABILITY_BENCHES) {
  const file = join(ROOT, "bench", bench.file);
  if (!existsSync(file)) {
    skipped.push({ name: `${bench.name} path bench`, reason: `bench/${bench.file} does not exist yet` });
    continue;
  }
  log(`[path]   ${bench.name}`);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const run = module[bench.exportName];
  if (typeof run !== "function") {
    skipped.push({
      name: `${bench.name} path bench`,
      reason: `bench/${bench.file} exports no ${bench.exportName}()`,
    });
    continue;
  }
  capabilities[bench.name] = await (run as () => Promise<Record<string, unknown>>)();
}

const durationS = round((performance.now() - started) / 1000, 1);
const results = {
  machine: {
    node: process.version,
    v8: process.versions.v8,
    esbuild: esbuildVersion,
    platform: `${process.platform}-${process.arch}`,
    cpuModel: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    totalMemoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    loadAverage1m5m15m: { atStart: loadAtStart, atEnd: os.loadavg().map((x) => round(x, 2)) },
    date: new Date().toISOString(),
  },
  source: gitState(),
  settings: {
    esbuild: { ...ESBUILD_SETTINGS, plugins: "tools/esbuild-plugins.cjs" },
    coldRuns: COLD_RUNS,
    coldDiscarded: COLD_DISCARD,
    warmup: WARMUP,
    iterations: ITERATIONS,
    timer:
      "performance.now() around `await handler(event, context)` only; fixture reload, event clone and context outside",
    percentiles: "nearest rank",
    durationS,
  },
  targets: {
    bundleRawBytes: TARGETS.bundleRawBytes,
    coldLoadRatio: TARGETS.coldLoadRatio,
    warmP99Ms: TARGETS.warmP99Ms,
  },
  functions: perFunction.map(({ entry, bundle, cold }) => ({ name: entry.name, bundle, coldLoad: cold })),
  warm,
  warmSeparateProcessSim: separate,
  capabilities,
  skipped,
  checks,
};
writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);

log("\nBundles (esbuild, serverless.yml settings; zipped = deflate estimate)");
log(
  table(
    [
      "function",
      "raw",
      "zipped",
      "build ms",
      "cold bare p50",
      "cold load p50",
      "over bare p50",
      "p90 bare/load",
      "ratio",
    ],
    perFunction.map(({ entry, bundle, cold }) => [
      entry.name,
      kib(bundle.rawBytes),
      kib(bundle.deflateBytes),
      bundle.buildMs,
      `${cold.bareNode.p50} ms`,
      `${cold.bundleLoad.p50} ms`,
      `${cold.overBareMs.p50} ms (min ${cold.overBareMs.min})`,
      `${cold.bareNode.p90}/${cold.bundleLoad.p90} ms`,
      `${cold.ratio}×`,
    ]),
  ),
);
for (const { entry, bundle } of perFunction) {
  log(`\nLargest inputs of ${entry.name} (bytes in output)`);
  log(
    table(
      ["input", "bytes"],
      bundle.topInputs.map((i) => [i.path, i.bytes]),
    ),
  );
  log(`Largest packages: ${bundle.topPackages.map((p) => `${p.package} ${kib(p.bytes)}`).join(", ")}`);
}

const warmRows = [
  ...warm,
  ...("handlerMs" in separate ? [{ ...separate, name: `${separate.name} [sim in child]` }] : []),
];
log(
  "\nWarm handler time per invocation, ms (in-process sim unless marked; fixture reloaded before every call)",
);
log(
  table(
    ["scenario", "decision", "first", "p50", "p90", "p99", "max", "cpu", "calls (per invocation)"],
    warmRows.map((w) => [
      w.name,
      w.decision,
      w.firstInvocationMs,
      w.handlerMs.p50,
      w.handlerMs.p90,
      w.handlerMs.p99,
      w.handlerMs.max,
      w.cpuMsMean,
      `${w.calls.total}: ${callsText(w.calls.byOperation)}${w.calls.errors ? ` (${w.calls.errors} error)` : ""}${w.callsVaried ? " (varied)" : ""}`,
    ]),
  ),
);
log(
  `handler: ${warm[0]?.handlerSource ?? "-"}; first = first (cold-client) invocation; cpu = mean CPU ms of this process per call`,
);
if ("skipped" in separate) log(`separate-process sim: ${separate.skipped}`);
for (const s of skipped) log(`skipped ${s.name}: ${s.reason}`);

log("\nTargets");
for (const c of checks) {
  const shown =
    c.unit === "bytes"
      ? `${kib(c.value)} (limit ${kib(c.limit)})`
      : `${c.value} ${c.unit} (limit ${c.limit} ${c.unit})`;
  log(`  ${c.met ? "MET   " : "MISSED"}  ${c.target.padEnd(48)} ${c.subject.padEnd(32)} ${shown}`);
}
log(
  `\n${checks.filter((c) => c.met).length}/${checks.length} targets met; wrote ${relative(ROOT, RESULTS)} in ${durationS} s`,
);
