/**
 * What a violation leaves behind, ready to become a regression test: under `<out>/<capability>-<seed>/`
 * the minimized trace (`trace.json`, replayable with `npm run chaos -- --replay <path>`), the account it ran
 * on (`fixture.json`), the events as delivered with the functions they reached (`events.json`), the
 * run's log and the violations (`report.txt`).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunResult } from "./driver";
import type { CapabilityModel, Trace } from "./types";

export const writeArtifacts = (out: string, model: CapabilityModel, result: RunResult): string => {
  const dir = join(out, `${result.trace.capability}-${result.trace.seed}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "trace.json"), `${JSON.stringify(result.trace, null, 2)}\n`);
  writeFileSync(
    join(dir, "fixture.json"),
    `${JSON.stringify(model.fixture(result.trace.variant), null, 2)}\n`,
  );
  writeFileSync(join(dir, "events.json"), `${JSON.stringify(result.delivered, null, 2)}\n`);
  const lines = [
    `seed ${result.trace.seed}, ${result.trace.capability} (${result.trace.variant}), ${result.trace.items.length} item(s)`,
    ...result.violations.map(
      (v) => `VIOLATION ${v.invariant} at t+${Math.round((v.at ?? 0) / 1000)}s: ${v.message}`,
    ),
    "",
    ...result.log,
  ];
  writeFileSync(join(dir, "report.txt"), `${lines.join("\n")}\n`);
  return dir;
};

export const readTrace = (path: string): Trace => JSON.parse(readFileSync(path, "utf8")) as Trace;
