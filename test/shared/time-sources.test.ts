import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Capability and shared code read time only through OpsContext.clock (shared/runtime/clock.ts), so that
 * the simulated account can run handlers on simulated time. This scans functions/ and shared/ for direct
 * time sources; the allow-list names the few that must stay on real time, and why.
 */

const ROOT = join(__dirname, "..", "..");

const FORBIDDEN: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: "Date.now", pattern: /\bDate\.now\b/ },
  { name: "Date() without argument", pattern: /\bDate\(\s*\)/ },
  { name: "setTimeout", pattern: /\bsetTimeout\b/ },
  { name: "setInterval", pattern: /\bsetInterval\b/ },
  { name: "setImmediate", pattern: /\bsetImmediate\b/ },
  { name: "performance.now", pattern: /\bperformance\.now\b/ },
  { name: "process.hrtime", pattern: /\bprocess\.hrtime\b/ },
  { name: "node:timers", pattern: /["'](node:)?timers(\/promises)?["']/ },
];

/** File → the forbidden sources it may use, and why. */
const ALLOWED: Readonly<Record<string, { sources: readonly string[]; why: string }>> = {
  "shared/runtime/clock.ts": { sources: ["Date.now", "setTimeout"], why: "the system clock itself" },
  "functions/dx-failover/probe/tcp.ts": {
    sources: ["setTimeout", "performance.now"],
    why: "the probe engine's socket connect timeout and handshake latency are real time by nature",
  },
  "functions/dx-failover/probe/icmp.ts": {
    sources: ["performance.now"],
    why: "the probe engine's ping round-trip time is real time by nature",
  },
};

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|cts|js|cjs|mjs)$/.test(entry.name) ? [path] : [];
  });

/** The code without comments (a comment may name what it must not call). */
const code = (path: string): string =>
  readFileSync(join(ROOT, path), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");

const sourcesIn = (path: string): string[] =>
  FORBIDDEN.filter(({ pattern }) => pattern.test(code(path))).map(({ name }) => name);

const files = [...sourceFiles("functions"), ...sourceFiles("shared")].map((p) =>
  relative(ROOT, join(ROOT, p)),
);

describe("time sources in functions/ and shared/", () => {
  it("finds the code to scan", () => {
    expect(files).toContain("functions/idle-hibernate/hibernate/run.ts");
    expect(files).toContain("shared/runtime/handler.ts");
  });

  it.each(files)("%s reads time only through the clock (or is allow-listed)", (path) => {
    const allowed = ALLOWED[path]?.sources ?? [];
    expect(sourcesIn(path).filter((name) => !allowed.includes(name))).toEqual([]);
  });

  it("the allow-list holds no stale entry", () => {
    for (const [path, { sources }] of Object.entries(ALLOWED)) {
      expect(files).toContain(path);
      expect(sourcesIn(path)).toEqual(expect.arrayContaining([...sources]));
    }
  });

  it("the scan sees each forbidden source (so that it can fail)", () => {
    const samples = [
      "const t = Date.now();",
      "const d = new Date();",
      "setTimeout(done, 5)",
      "setInterval(tick, 5)",
      "setImmediate(next)",
      "performance.now()",
      "process.hrtime.bigint()",
      'import { setTimeout } from "node:timers/promises";',
    ];
    for (const sample of samples)
      expect(
        FORBIDDEN.some(({ pattern }) => pattern.test(sample)),
        sample,
      ).toBe(true);
    expect(FORBIDDEN.some(({ pattern }) => pattern.test("new Date(clock.now())"))).toBe(false);
  });
});
