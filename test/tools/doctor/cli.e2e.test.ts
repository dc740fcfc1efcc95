import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** `npm run doctor` as a user runs it: a separate process, its output and its exit code. */

const TSX = join("node_modules", ".bin", "tsx");
const doctor = (...args: string[]) =>
  spawnSync(TSX, ["tools/doctor/main.ts", ...args], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });

describe("npm run doctor (subprocess)", () => {
  it("the demo account: exit 0 and a ready summary, then the process ends", () => {
    const result = doctor("--account", "events/accounts/demo.json", "--json");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ summary: { error: 0 } });
  });

  it("--print-policy: the policy JSON, exit 0", () => {
    const result = doctor("--print-policy");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ Version: "2012-10-17" });
  });

  it("a bad command line: the usage on stderr, exit 2", () => {
    const result = doctor("--bogus");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("usage: npm run doctor");
  });
});
