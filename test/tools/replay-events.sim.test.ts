import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStageConfig } from "../../functions/config";
import { FUNCTIONS, findFunction } from "../../functions/index";
import type { Harness } from "../../sim/harness";
import { type ReplayOptions, replayEvent } from "../../tools/lib/replay";
import { startHarness } from "../support/harness";

/**
 * events/README.md is the contract of the shipped events: every file under events/<capability>/ replays
 * with no flags (demo account, config/dev.json, stage dev) to exactly the function(s) its row lists, with
 * the decision(s) listed; every file under events/not-delivered/ reaches no function, and with
 * `--function` gives its decision. Replays run on the simulated clock, as `npm run replay` does.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const EVENTS = join(ROOT, "events");
const README = readFileSync(join(EVENTS, "README.md"), "utf8");
const RAW_CONFIG = JSON.parse(readFileSync(join(ROOT, "config", "dev.json"), "utf8")) as unknown;
const OPTIONS: ReplayOptions = {
  config: parseStageConfig(RAW_CONFIG, "config/dev.json"),
  env: { OPS_CONFIG: JSON.stringify(RAW_CONFIG) },
  stage: "dev",
};

/** The rows of the Markdown table under `## <heading>`, as cells without their backquotes. */
const tableRows = (heading: string): string[][] => {
  const section = README.split(/^## /m).find((s) => s.startsWith(`${heading}\n`));
  if (section === undefined) throw new Error(`events/README.md has no section "${heading}"`);
  return section
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) =>
      line
        .slice(1, -1)
        .split(" | ")
        .map((cell) => cell.trim().replace(/^`|`$/g, "")),
    );
};
const list = (cell: string | undefined): string[] => (cell ?? "").split(",").map((s) => s.trim());

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [relative(EVENTS, path)];
  });

const delivered = tableRows("Delivered with no flags");
const notDelivered = tableRows("Not delivered by the stack");
const capabilities = [...new Set(FUNCTIONS.map((f) => f.capability))];

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const replay = async (file: string, forced?: string) => {
  harness.load(join(EVENTS, "accounts", "demo.json"), { now: new Date() });
  const event = JSON.parse(readFileSync(join(EVENTS, file), "utf8")) as unknown;
  return replayEvent(harness, event, {
    ...OPTIONS,
    forced: forced === undefined ? undefined : findFunction(forced),
  });
};

const decisionOf = (invocation: { report: { error?: unknown; result?: unknown } }): string =>
  invocation.report.error === undefined
    ? String((invocation.report.result as { decision?: string } | undefined)?.decision)
    : `failed: ${String(invocation.report.error)}`;

describe("events/README.md lists every event file", () => {
  it("every file under events/<capability>/ has a row of its own", () => {
    const files = capabilities.flatMap((capability) => filesUnder(join(EVENTS, capability))).sort();
    expect(files.length).toBeGreaterThan(20);
    expect(delivered.map(([file]) => file).sort()).toEqual(files);
  });

  it("every file under events/not-delivered/ has a row of its own", () => {
    expect(notDelivered.map(([file]) => file).sort()).toEqual(
      filesUnder(join(EVENTS, "not-delivered")).sort(),
    );
  });
});

describe("replayed with no flags: the function(s) and decision(s) of its row", () => {
  it.each(delivered.map((row) => [row[0] ?? "", row] as const))(
    "%s",
    async (file, [, functions, decisions]) => {
      const outcome = await replay(file);
      expect(outcome.unmatched).toBeUndefined();
      expect(outcome.invocations.map((i) => i.report.function)).toEqual(list(functions));
      expect(outcome.invocations.map(decisionOf)).toEqual(list(decisions));
      // At least one of them is a function of the file's capability.
      const capability = file.split("/")[0];
      expect(
        outcome.invocations.some((i) => findFunction(i.report.function)?.capability === capability),
      ).toBe(true);
    },
  );
});

describe("not delivered by the stack: reported, and --function shows the handler's decision", () => {
  it.each(notDelivered.map((row) => [row[0] ?? "", row] as const))(
    "%s",
    async (file, [, , forced, decision]) => {
      const plain = await replay(file);
      expect(plain.invocations).toEqual([]);
      expect(plain.unmatched).toEqual(expect.any(String));
      const handed = await replay(file, forced);
      expect(handed.routedAs).toBe("--function");
      expect(handed.invocations.map(decisionOf)).toEqual([decision]);
    },
  );
});
