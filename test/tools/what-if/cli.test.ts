import { describe, expect, it } from "vitest";
import { parseCommand, parseDuration } from "../../../tools/what-if/cli";

/** The what-if command line: each scenario's options, and every bad command line refused with its reason. */

class Refused extends Error {}
const fail = (message: string): never => {
  throw new Refused(message);
};
const parse = (...args: string[]) => parseCommand(args, fail);
const refusal = (...args: string[]): string => {
  try {
    parse(...args);
  } catch (error) {
    if (error instanceof Refused) return error.message;
    throw error;
  }
  throw new Error(`accepted: ${args.join(" ")}`);
};

const ACCOUNT = ["--account", "events/accounts/demo.json"];

describe("what-if command line", () => {
  it("reads each scenario's target and options, with config/dev.json by default", () => {
    expect(parse("dx-down", "--group", "lz-prod", "--for", "10m", ...ACCOUNT)).toEqual({
      scenario: "dx-down",
      options: { group: "lz-prod", forMs: 600_000 },
      account: "events/accounts/demo.json",
      config: "config/dev.json",
      json: false,
    });
    expect(
      parse("firewall-replace", "--group", "fw-asg", "--launch-before-terminate", ...ACCOUNT, "--json"),
    ).toMatchObject({
      scenario: "firewall-replace",
      options: { group: "fw-asg", launchBeforeTerminate: true },
      json: true,
    });
    expect(
      parse("node-stop", "--instance", "i-0af7c0de000000a02", ...ACCOUNT, "--config", "config/ci.json"),
    ).toMatchObject({
      options: { instance: "i-0af7c0de000000a02" },
      config: "config/ci.json",
    });
    expect(parse("idle", "--instance", "i-0123456789abcdef0", ...ACCOUNT)).toMatchObject({
      options: { instance: "i-0123456789abcdef0" },
    });
    expect(parse("--help")).toBe("help");
  });

  it("refuses a missing or unknown scenario, a missing target, an option of another scenario", () => {
    expect(refusal(...ACCOUNT)).toBe("missing <scenario>");
    expect(refusal("dx-up", ...ACCOUNT)).toBe('unknown scenario "dx-up"');
    expect(refusal("dx-down", ...ACCOUNT)).toBe("dx-down needs --group");
    expect(refusal("idle", ...ACCOUNT)).toBe("idle needs --instance");
    expect(refusal("idle", "--instance", "i-1", "--for", "10m", ...ACCOUNT)).toBe("idle takes no --for");
    expect(refusal("node-stop", "--instance", "i-1", "--group", "g", ...ACCOUNT)).toBe(
      "node-stop takes no --group",
    );
    expect(refusal("dx-down", "--group", "g", "--launch-before-terminate", ...ACCOUNT)).toBe(
      "dx-down takes no --launch-before-terminate",
    );
    expect(refusal("idle", "extra", "--instance", "i-1", ...ACCOUNT)).toBe('unexpected argument "extra"');
    expect(refusal("idle", "--instance", "i-1", "--nope", ...ACCOUNT)).toMatch(/Unknown option '--nope'/);
  });

  it("refuses a malformed --for, a missing --account and files that do not exist", () => {
    expect(refusal("dx-down", "--group", "g", "--for", "10", ...ACCOUNT)).toBe(
      '--for "10": give a duration such as 90s, 10m or 2h',
    );
    expect(refusal("dx-down", "--group", "g", "--for", "25h", ...ACCOUNT)).toBe('--for "25h": at most 24h');
    expect(parse("dx-down", "--group", "g", "--for", "24h", ...ACCOUNT)).toMatchObject({
      options: { forMs: 86_400_000 },
    });
    expect(refusal("dx-down", "--group", "g")).toBe("missing --account <fixture.json>");
    expect(refusal("idle", "--instance", "i-1", "--account", "nope.json")).toBe(
      "no such account fixture: nope.json",
    );
    expect(refusal("idle", "--instance", "i-1", ...ACCOUNT, "--config", "config/nope.json")).toBe(
      "no such configuration file: config/nope.json",
    );
  });

  it("reads durations in seconds, minutes or hours, nothing else", () => {
    expect([parseDuration("90s"), parseDuration("10m"), parseDuration("2h")]).toEqual([
      90_000, 600_000, 7_200_000,
    ]);
    for (const bad of ["0m", "10", "1.5h", "m", "10 m", "-5m"]) expect(parseDuration(bad)).toBeUndefined();
  });
});
