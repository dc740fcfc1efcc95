import { describe, expect, it } from "vitest";
import { CommonConfigSchema, loadConfigFromEnv, parseConfig } from "../../../shared/runtime/config";
import { ConfigurationError } from "../../../shared/runtime/errors";
import * as z from "../../../shared/runtime/zod";

/** A composed schema of the kind functions/config.ts builds: the common keys and one section. */
const ComposedSchema = z.extend(CommonConfigSchema, {
  section: z._default(z.object({ limit: z._default(z.int().check(z.minimum(1)), 10) }), { limit: 10 }),
});

describe("common configuration", () => {
  it("gives every common knob a safe default", () => {
    expect(parseConfig(CommonConfigSchema, {}, "test")).toEqual({
      mode: "apply",
      actionEvents: { enabled: true, source: "ops-toolkit", eventBusName: "default" },
      aws: { maxAttempts: 5, connectionTimeoutMs: 1000, requestTimeoutMs: 3000, deadlineSafetyMs: 1500 },
    });
  });

  it("refuses a deadlineSafetyMs shorter than the attempt cut-off before the Lambda timeout (300 ms)", () => {
    let caught: unknown;
    try {
      parseConfig(CommonConfigSchema, { aws: { deadlineSafetyMs: 299 } }, "config/x.json");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    expect((caught as ConfigurationError).context.issues).toEqual([
      "aws.deadlineSafetyMs: must be at least 300 ms: every SDK attempt is cut off 300 ms before the Lambda timeout, to report in time",
    ]);
    expect(
      parseConfig(CommonConfigSchema, { aws: { deadlineSafetyMs: 300 } }, "test").aws.deadlineSafetyMs,
    ).toBe(300);
  });

  it("validates the whole schema it is given, sections included, naming every issue", () => {
    expect(parseConfig(ComposedSchema, {}, "test").section).toEqual({ limit: 10 });
    let caught: unknown;
    try {
      parseConfig(ComposedSchema, { mode: "yolo", section: { limit: 0 } }, "config/x.json");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    const error = caught as ConfigurationError;
    expect(error.retryable).toBe(false);
    expect(error.context.source).toBe("config/x.json");
    expect(error.context.issues).toEqual([
      expect.stringMatching(/^mode: Invalid option/),
      expect.stringMatching(/^section\.limit: Too small/),
    ]);
  });

  it("reads OPS_CONFIG with the schema it is given and lets OPS_MODE override the mode", () => {
    const config = loadConfigFromEnv(ComposedSchema, {
      OPS_CONFIG: JSON.stringify({ section: { limit: 3 } }),
      OPS_MODE: "dry-run",
    });
    expect(config.mode).toBe("dry-run");
    expect(config.section.limit).toBe(3);
  });

  it("fails loudly on unparsable OPS_CONFIG and unknown OPS_MODE", () => {
    expect(() => loadConfigFromEnv(CommonConfigSchema, { OPS_CONFIG: "{nope" })).toThrow(
      /OPS_CONFIG is not valid JSON/,
    );
    expect(() => loadConfigFromEnv(CommonConfigSchema, { OPS_MODE: "maybe" })).toThrow(ConfigurationError);
  });
});
