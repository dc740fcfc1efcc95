import { describe, expect, it } from "vitest";
import { loadConfigFromEnv, parseConfig } from "../../../shared/runtime/config";
import { ConfigurationError } from "../../../shared/runtime/errors";

describe("configuration", () => {
  it("gives every knob a safe default", () => {
    const config = parseConfig({}, "test");
    expect(config.mode).toBe("apply");
    expect(config.idleHibernate).toMatchObject({
      alarmNamePrefix: "ops-idle-",
      notConfiguredFallback: "skip",
      maxInstancesPerInvocation: 10,
      optInTag: { key: "ops:hibernate", value: "idle" },
    });
  });

  it("rejects an invalid configuration with every issue named", () => {
    let caught: unknown;
    try {
      parseConfig(
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
    const config = loadConfigFromEnv({
      OPS_CONFIG: JSON.stringify({ idleHibernate: { maxInstancesPerInvocation: 3 } }),
      OPS_MODE: "dry-run",
    });
    expect(config.mode).toBe("dry-run");
    expect(config.idleHibernate.maxInstancesPerInvocation).toBe(3);
  });

  it("fails loudly on unparsable OPS_CONFIG and unknown OPS_MODE", () => {
    expect(() => loadConfigFromEnv({ OPS_CONFIG: "{nope" })).toThrow(/OPS_CONFIG is not valid JSON/);
    expect(() => loadConfigFromEnv({ OPS_MODE: "maybe" })).toThrow(ConfigurationError);
  });
});
