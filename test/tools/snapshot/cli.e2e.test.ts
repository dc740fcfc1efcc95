import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** The command as a user runs it (tsx, not bundled): a separate process, its exit code and output. */
const TSX = join("node_modules", ".bin", "tsx");
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(TSX, ["tools/snapshot/cli.ts", ...args], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env },
  });

describe("npm run snapshot (process)", () => {
  it("a bad command line prints the usage and exits 2", () => {
    const result = run(["--region", "us-east-1"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("snapshot: --out <file.json> is required");
    expect(result.stderr).toContain("usage: npm run snapshot --");
  });

  it("an endpoint nobody answers on exits 1 with the reason and writes nothing", () => {
    const out = join(mkdtempSync(join(tmpdir(), "snapshot-e2e-")), "account.json");
    // Port 9 (discard) on loopback: nothing listens there on a test machine; only loopback is used.
    const result = run(["--region", "us-east-1", "--out", out, "--max-attempts", "1"], {
      AWS_ENDPOINT_URL: "http://127.0.0.1:9",
      AWS_ACCESS_KEY_ID: "AKIDSIMULATED",
      AWS_SECRET_ACCESS_KEY: "simulated",
      AWS_EC2_METADATA_DISABLED: "true",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("cannot reach the AWS endpoint (DescribeInstances)");
    expect(result.stderr).toContain("Nothing was written.");
    expect(existsSync(out)).toBe(false);
  });
});
