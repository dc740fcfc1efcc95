import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { parseStageConfig } from "../../functions/config";
import { deployedName, FUNCTIONS, findFunction } from "../../functions/index";
import { SERVICE, type TriggerContext } from "../../functions/triggers";
import { compileEventPattern } from "../../tools/lib/event-pattern";

/** The function registry on its own (its agreement with serverless.yml: test/serverless/registry.e2e.test.ts). */

const ROOT = join(import.meta.dirname, "..", "..");
const STAGES = readdirSync(join(ROOT, "config"))
  .filter((file) => file.endsWith(".json"))
  .map((file) => file.slice(0, -".json".length));
const contextOf = (stage: string): TriggerContext => ({
  config: parseStageConfig(JSON.parse(readFileSync(join(ROOT, "config", `${stage}.json`), "utf8")), stage),
  service: SERVICE,
  stage,
});

describe("function registry", () => {
  it("names and serverless keys are unique, and every capability has a function", () => {
    expect(new Set(FUNCTIONS.map((f) => f.name)).size).toBe(FUNCTIONS.length);
    expect(new Set(FUNCTIONS.map((f) => f.serverlessName)).size).toBe(FUNCTIONS.length);
    expect(new Set(FUNCTIONS.map((f) => f.capability))).toEqual(
      new Set(["idle-hibernate", "dx-failover", "eni-reattach", "vfxt-ip-move"]),
    );
    for (const f of FUNCTIONS) expect(f.name).toMatch(/^[a-z][a-z0-9-]*$/);
  });

  it("findFunction takes a name or a serverless key; deployedName is osls's <service>-<stage>-<key>", () => {
    expect(findFunction("dx-probe")?.serverlessName).toBe("dxProbe");
    expect(findFunction("dxProbe")?.name).toBe("dx-probe");
    expect(findFunction("nope")).toBeUndefined();
    const probe = findFunction("dx-probe");
    if (probe === undefined) throw new Error("no dx-probe");
    expect(deployedName(probe, { service: "ops-toolkit", stage: "dev" })).toBe("ops-toolkit-dev-dxProbe");
  });

  it.each(FUNCTIONS.map((f) => [f.name, f] as const))(
    "%s: load() is the buildHandler of its handler module",
    async (_n, f) => {
      const module = f.handler.slice(0, f.handler.lastIndexOf("."));
      const exported = f.handler.slice(f.handler.lastIndexOf(".") + 1);
      const loaded = (await import(pathToFileURL(join(ROOT, `${module}.ts`)).href)) as Record<
        string,
        unknown
      >;
      expect(typeof loaded[exported]).toBe("function");
      expect(await f.load()).toBe(loaded.buildHandler);
    },
  );

  it.each(STAGES)(
    "config/%s.json: rule names are unique and fit EventBridge's 64 characters; patterns are valid",
    (stage) => {
      const ctx = contextOf(stage);
      const triggers = FUNCTIONS.flatMap((f) => f.triggers(ctx));
      const names = triggers.flatMap((t) =>
        t.kind === "eventbridge" || t.kind === "schedule" ? [t.name] : [],
      );
      expect(names.length).toBeGreaterThan(FUNCTIONS.length);
      expect(new Set(names).size).toBe(names.length);
      for (const name of names) expect(name.length).toBeLessThanOrEqual(64);
      for (const t of triggers) {
        if (t.kind === "eventbridge") expect(() => compileEventPattern(t.pattern)).not.toThrow();
        if (t.kind === "direct-invoke") expect(() => compileEventPattern(t.payload)).not.toThrow();
      }
      for (const f of FUNCTIONS) expect(ctx.config[f.configSection]).toBeDefined();
    },
  );

  it("triggers follow the stage configuration (prefixes, action-event source, stage name)", () => {
    const ci = contextOf("ci");
    const idle = findFunction("idle-hibernate")?.triggers(ci) ?? [];
    expect(idle).toContainEqual(
      expect.objectContaining({ kind: "alarm-action", alarmNamePrefix: "ops-ci-idle-" }),
    );
    expect(idle).toContainEqual(
      expect.objectContaining({ kind: "schedule", name: "ops-toolkit-ci-idle-hibernate-reconcile" }),
    );
    const dx = findFunction("dx-failover")?.triggers(ci) ?? [];
    expect(dx).toContainEqual(
      expect.objectContaining({
        kind: "eventbridge",
        pattern: { source: ["ops-toolkit.ci"], "detail-type": ["DX Path Degraded"] },
      }),
    );
  });
});
