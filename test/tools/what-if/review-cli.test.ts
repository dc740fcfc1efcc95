import { describe, expect, it } from "vitest";
import { parseCommand } from "../../../tools/what-if/cli";

const usage = (message: string): never => {
  throw new Error(`usage: ${message}`);
};

describe("review: --for is bounded", () => {
  it("review: dx-down --for 1000h is refused as a bad command line (the run would step 5 s at a time through 42 simulated days)", () => {
    const args = [
      "dx-down",
      "--group",
      "lz-prod",
      "--for",
      "1000h",
      "--account",
      "events/accounts/demo.json",
    ];
    expect(() => parseCommand(args, usage)).toThrow(/usage: .*--for/);
  });
});
