import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * `npm run chaos -- --workers N` as a user runs it: the runs shared among child processes give the
 * campaign of one process — same runs, counts and measures; only the wall-clock figures differ.
 */

const TSX = join("node_modules", ".bin", "tsx");

interface Report {
  workers: number;
  results: Array<Record<string, unknown>>;
}

const chaos = (workers: number) => {
  const out = mkdtempSync(join(tmpdir(), "chaos-workers-"));
  const args = ["--capability", "idle-hibernate", "--days", "3", "--seed", "11", "--json", "--out", out];
  const result = spawnSync(TSX, ["tools/chaos/run.ts", ...args, "--workers", String(workers)], {
    encoding: "utf8",
    timeout: 240_000,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  return { ...result, report: JSON.parse(result.stdout) as Report };
};

/** A result without its wall-clock figures. */
const simulated = (result: Record<string, unknown>) => {
  const { wallSeconds, daysPerSecond, ...rest } = result;
  expect(wallSeconds).toBeGreaterThan(0);
  expect(daysPerSecond).toBeGreaterThan(0);
  return rest;
};

describe("npm run chaos -- --workers N (subprocesses)", () => {
  it("two workers run the same seeds as one process and report the same totals", { timeout: 480_000 }, () => {
    const one = chaos(1);
    const two = chaos(2);
    expect([one.status, two.status]).toEqual([0, 0]);
    expect(two.report.workers).toBe(2);
    const [alone] = one.report.results;
    const [shared] = two.report.results;
    expect(alone).toMatchObject({ capability: "idle-hibernate", runs: 3, violations: [] });
    expect(Number(alone?.invocations)).toBeGreaterThan(100);
    expect(simulated(shared ?? {})).toEqual(simulated(alone ?? {}));
    // Each seed ran once, in a worker, as in the one-process campaign.
    for (const seed of [11, 12, 13]) {
      const line = new RegExp(`idle-hibernate seed ${seed}: 1\\.00 day\\(s\\), (\\d+) invocations, ok`);
      expect(two.stderr.match(line)?.[1]).toBe(one.stderr.match(line)?.[1]);
      expect(two.stderr.match(new RegExp(`seed ${seed}:`, "g"))).toHaveLength(1);
    }
  });
});
