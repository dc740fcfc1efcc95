import { describe, expect, it } from "vitest";
import { parseArguments } from "../../../tools/lib/cli";

class Failed extends Error {}

const failWith =
  (seen: string[]) =>
  (message: string): never => {
    seen.push(message);
    throw new Failed(message);
  };

const options = { group: { type: "string" }, json: { type: "boolean", default: false } } as const;

describe("parseArguments", () => {
  it("returns what parseArgs returns for a good command line", () => {
    const seen: string[] = [];
    const parsed = parseArguments({ args: ["--group", "lz-prod", "--json"], options }, failWith(seen));
    expect(parsed.values).toEqual({ group: "lz-prod", json: true });
    expect(seen).toEqual([]);
  });

  it("hands an unknown option to the tool's fail, with parseArgs' message", () => {
    const seen: string[] = [];
    expect(() => parseArguments({ args: ["--bogus"], options }, failWith(seen))).toThrow(Failed);
    expect(seen).toEqual([expect.stringContaining("Unknown option '--bogus'")]);
  });

  it("hands a missing value to the tool's fail", () => {
    const seen: string[] = [];
    expect(() => parseArguments({ args: ["--group"], options }, failWith(seen))).toThrow(Failed);
    expect(seen).toEqual([expect.stringContaining("--group")]);
  });
});
