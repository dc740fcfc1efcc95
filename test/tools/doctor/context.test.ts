import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { FUNCTIONS } from "../../../functions/index";
import { functionTimeouts, resolveStage, serverlessTimeouts } from "../../../tools/doctor/context";
import { demoConfig } from "./support";

const helper = createRequire(import.meta.url)("../../../tools/serverless-config.cjs") as {
  loadStageConfig(stage: string): {
    lambda: { timeoutSeconds: number };
    eniReattach: { timeoutSeconds: number };
    vfxtIpMove: { timeoutSeconds: number };
  };
};

describe("functionTimeouts (serverless.yml resolved against the stage)", () => {
  it("gives every registered function the timeout packaging gives it", () => {
    const loaded = resolveStage(demoConfig(), "dev", "config/dev.json");
    if (!loaded.ok) throw new Error(loaded.issues.join("; "));
    const timeouts = functionTimeouts(loaded.resolved);
    const packaged = helper.loadStageConfig("dev");
    expect(Object.keys(timeouts).sort()).toEqual(FUNCTIONS.map((f) => f.name).sort());
    expect(timeouts["dx-probe"]).toBe(70);
    expect(timeouts["eni-reattach"]).toBe(packaged.eniReattach.timeoutSeconds);
    expect(timeouts["vfxt-ip-move"]).toBe(packaged.vfxtIpMove.timeoutSeconds);
    expect(timeouts["idle-hibernate"]).toBe(packaged.lambda.timeoutSeconds);
  });

  it("follows a larger configured budget", () => {
    const slow = demoConfig();
    slow.eniReattach.detachTimeoutMs = 300_000;
    const loaded = resolveStage(slow, "dev", "slow.json");
    if (!loaded.ok) throw new Error(loaded.issues.join("; "));
    const base = resolveStage(demoConfig(), "dev", "config/dev.json");
    if (!base.ok) throw new Error(base.issues.join("; "));
    expect(functionTimeouts(loaded.resolved)["eni-reattach"]).toBeGreaterThan(
      functionTimeouts(base.resolved)["eni-reattach"] ?? Number.POSITIVE_INFINITY,
    );
  });

  it("reads a function's own timeout and falls back to the provider's", () => {
    const written = serverlessTimeouts(readFileSync("serverless.yml", "utf8"));
    expect(written.provider).toContain("self:custom.ops.lambda.timeoutSeconds");
    expect(written.functions.dxProbe).toBe("70");
    expect(written.functions.idleHibernate).toBeUndefined();
  });
});

describe("resolveStage", () => {
  it("returns the issues packaging would print for an invalid configuration", () => {
    const bad = demoConfig();
    bad.mode = "yolo";
    const loaded = resolveStage(bad, "dev", "bad.json");
    expect(loaded).toMatchObject({ ok: false, issues: [expect.stringMatching(/^mode: /)] });
  });

  it("refuses unknown keys as packaging does", () => {
    const typo = demoConfig();
    typo.idleHibernate.alarmPrefix = "x-";
    const loaded = resolveStage(typo, "dev", "typo.json");
    expect(loaded).toMatchObject({
      ok: false,
      issues: [expect.stringMatching(/idleHibernate\.alarmPrefix: unknown key/)],
    });
  });
});
