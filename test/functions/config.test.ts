import { describe, expect, it } from "vitest";
import { loadStageConfigFromEnv, parseStageConfig } from "../../functions/config";
import { ConfigurationError } from "../../shared/runtime/errors";

describe("stage configuration (the common keys and every capability's section)", () => {
  it("gives every knob a safe default", () => {
    const config = parseStageConfig({}, "test");
    expect(config.mode).toBe("apply");
    expect(config.idleHibernate).toMatchObject({
      alarmNamePrefix: "ops-idle-",
      notConfiguredFallback: "skip",
      maxInstancesPerInvocation: 10,
      optInTag: { key: "ops:hibernate", value: "idle" },
    });
    expect(Object.keys(config)).toEqual([
      "mode",
      "actionEvents",
      "aws",
      "idleHibernate",
      "eniReattach",
      "vfxtIpMove",
      "dxFailover",
    ]);
  });

  it("rejects an invalid configuration with every issue named", () => {
    let caught: unknown;
    try {
      parseStageConfig(
        { mode: "yolo", idleHibernate: { maxInstancesPerInvocation: 0, alarmNamePrefix: "bad prefix" } },
        "config/x.json",
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    const error = caught as ConfigurationError;
    expect(error.retryable).toBe(false);
    expect(error.context.source).toBe("config/x.json");
    expect(error.context.issues).toEqual([
      expect.stringMatching(/^mode: Invalid option/),
      expect.stringMatching(/^idleHibernate\.alarmNamePrefix: /),
      expect.stringMatching(/^idleHibernate\.maxInstancesPerInvocation: Too small/),
    ]);
  });

  it("reads OPS_CONFIG and lets OPS_MODE override the mode", () => {
    const config = loadStageConfigFromEnv({
      OPS_CONFIG: JSON.stringify({ idleHibernate: { maxInstancesPerInvocation: 3 } }),
      OPS_MODE: "dry-run",
    });
    expect(config.mode).toBe("dry-run");
    expect(config.idleHibernate.maxInstancesPerInvocation).toBe(3);
  });

  it("fails loudly on unparsable OPS_CONFIG and unknown OPS_MODE", () => {
    expect(() => loadStageConfigFromEnv({ OPS_CONFIG: "{nope" })).toThrow(/OPS_CONFIG is not valid JSON/);
    expect(() => loadStageConfigFromEnv({ OPS_MODE: "maybe" })).toThrow(ConfigurationError);
  });
});
