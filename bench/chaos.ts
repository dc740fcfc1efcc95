/**
 * npm run bench:chaos
 *
 * What a simulated day of the chaos campaign (tools/chaos, docs/chaos.md) costs, per capability: each
 * capability runs in a fresh process (this file with `--capability`), on the in-memory transport, one
 * day per run with the seeds BENCH_CHAOS_SEED, +1, … (as `npm run chaos` does). The first run of the
 * process also loads the handler modules and warms the JIT; it is reported apart (`firstRun`) and the
 * figures with module loading included count it. Reports simulated days per CPU second of the process
 * (`process.cpuUsage`, user + system) and per wall-clock second, invocations per day and AWS calls per
 * invocation. Writes bench/chaos-results.json (committed) and prints a table. Loopback only.
 * Knobs (environment): BENCH_CHAOS_DAYS (measured days after the first run, default 4), BENCH_CHAOS_SEED
 * (default 1000), BENCH_CHAOS_CAPABILITIES (comma-separated, default all). See bench/README.md.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS = join(ROOT, "bench", "chaos-results.json");
const DAY_MS = 86_400_000;

const intFromEnv = (name: string, fallback: number, min: number): number => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value >= min ? value : fallback;
};
const DAYS = intFromEnv("BENCH_CHAOS_DAYS", 4, 1);
const SEED = intFromEnv("BENCH_CHAOS_SEED", 1000, 0);

const round = (value: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

interface Spent {
  days: number;
  cpuSeconds: number;
  wallSeconds: number;
  invocations: number;
  calls: number;
}

const rates = (s: Spent) => ({
  daysPerCpuSecond: round(s.days / s.cpuSeconds),
  daysPerWallSecond: round(s.days / s.wallSeconds),
  cpuSecondsPerDay: round(s.cpuSeconds / s.days),
});

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** The child: one capability, its first run, then DAYS measured runs; prints its figures as JSON. */
const measure = async (capability: string): Promise<void> => {
  const started = { cpu: cpuSeconds(), wall: performance.now() };
  const { FUNCTIONS } = await import("../functions/index");
  const { Harness } = await import("../sim/harness");
  const { runTrace } = await import("../tools/chaos/driver");
  const { generateTrace } = await import("../tools/chaos/generate");
  const { modelOf } = await import("../tools/chaos/models");
  const model = modelOf(capability);
  const harness = await Harness.start({ functions: FUNCTIONS, clock: "manual", transport: "memory" });
  const runs = async (seeds: number[]): Promise<Spent> => {
    const at = { cpu: cpuSeconds(), wall: performance.now() };
    const spent: Spent = { days: 0, cpuSeconds: 0, wallSeconds: 0, invocations: 0, calls: 0 };
    for (const seed of seeds) {
      const { stats } = await runTrace(harness, model, generateTrace(model, seed, 1));
      spent.days += stats.simulatedMs / DAY_MS;
      spent.invocations += stats.invocations;
      spent.calls += stats.calls;
    }
    spent.cpuSeconds = cpuSeconds() - at.cpu;
    spent.wallSeconds = (performance.now() - at.wall) / 1000;
    return spent;
  };
  try {
    const first = await runs([SEED - 1]);
    const loaded = { cpu: cpuSeconds() - started.cpu, wall: (performance.now() - started.wall) / 1000 };
    const measured = await runs(Array.from({ length: DAYS }, (_, k) => SEED + k));
    const all: Spent = {
      ...measured,
      days: measured.days + first.days,
      cpuSeconds: measured.cpuSeconds + loaded.cpu,
      wallSeconds: measured.wallSeconds + loaded.wall,
    };
    const figures = {
      days: round(measured.days),
      ...rates(measured),
      invocationsPerDay: round(measured.invocations / measured.days, 1),
      callsPerInvocation: round(measured.calls / Math.max(measured.invocations, 1), 2),
      callsPerDay: round(measured.calls / measured.days, 1),
      firstRun: {
        days: round(first.days),
        cpuSeconds: round(loaded.cpu),
        wallSeconds: round(loaded.wall),
        invocations: first.invocations,
      },
      moduleLoadIncluded: rates(all),
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    await harness.close();
  }
};

/** The commit the bench ran on, and whether the tree had uncommitted changes (read-only git calls). */
const gitState = (): { commit: string; dirty: boolean | null } => {
  const git = (...args: string[]) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });
  const head = git("rev-parse", "HEAD");
  if (head.status !== 0) return { commit: "unknown", dirty: null };
  const status = git("status", "--porcelain", "--untracked-files=no");
  return { commit: head.stdout.trim(), dirty: status.status === 0 ? status.stdout.trim() !== "" : null };
};

/** Runs each capability in its own process (module loading included once, as in a campaign). */
const benchAll = async (): Promise<void> => {
  const { MODELS } = await import("../tools/chaos/models");
  const wanted = process.env.BENCH_CHAOS_CAPABILITIES?.split(",").filter((c) => c !== "");
  const capabilities = MODELS.map((m) => m.capability).filter(
    (c) => wanted === undefined || wanted.includes(c),
  );
  const loadAtStart = os.loadavg().map((x) => round(x, 2));
  const results: Record<string, unknown> = {};
  for (const capability of capabilities) {
    process.stdout.write(`[chaos]  ${capability}\n`);
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), "--capability", capability],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, POWERTOOLS_LOG_LEVEL: "SILENT" } },
    );
    const line = child.stdout.trim().split("\n").at(-1) ?? "";
    if (child.status !== 0 || !line.startsWith("{"))
      throw new Error(`bench:chaos ${capability} failed (exit ${child.status}):\n${child.stderr}`);
    results[capability] = JSON.parse(line);
  }
  const cpus = os.cpus();
  const report = {
    machine: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpuModel: cpus[0]?.model ?? "unknown",
      cores: cpus.length,
      loadAverage1m5m15m: { atStart: loadAtStart, atEnd: os.loadavg().map((x) => round(x, 2)) },
      date: new Date().toISOString(),
    },
    source: gitState(),
    settings: {
      measuredDays: DAYS,
      seeds: `${SEED - 1} (first run), ${SEED}–${SEED + DAYS - 1}`,
      runDays: 1,
      transport: "memory",
      cpu: "process.cpuUsage() of the capability's process, user + system",
    },
    results,
  };
  writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  printTable(results);
};

const printTable = (results: Record<string, unknown>): void => {
  const rows = Object.entries(results).map(([capability, r]) => {
    const f = r as ReturnType<typeof rates> & {
      invocationsPerDay: number;
      callsPerInvocation: number;
      moduleLoadIncluded: ReturnType<typeof rates>;
    };
    return `${capability.padEnd(15)} ${String(f.daysPerCpuSecond).padStart(8)} ${String(f.daysPerWallSecond).padStart(8)} ${String(f.cpuSecondsPerDay).padStart(8)} ${String(f.moduleLoadIncluded.daysPerCpuSecond).padStart(10)} ${String(f.invocationsPerDay).padStart(8)} ${String(f.callsPerInvocation).padStart(7)}`;
  });
  process.stdout.write(
    [
      "",
      "capability      days/cpu days/wal  cpu s/d  incl.load  inv/day calls/i",
      ...rows,
      "",
      `written to ${RESULTS}`,
      "",
    ].join("\n"),
  );
};

const { values } = parseArgs({ options: { capability: { type: "string" } } });
await (values.capability === undefined ? benchAll() : measure(values.capability));
