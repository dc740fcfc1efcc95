/**
 * `npm run doctor` in process (runCli): exit codes, --json, --print-policy, --capability, bad command lines.
 * The subprocess itself: cli.e2e.test.ts.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../tools/doctor/cli";
import type { PolicyDocument } from "../../../tools/doctor/policy";
import type { Finding } from "../../../tools/doctor/types";
import { instanceOf } from "../../support/fixtures";
import { demoConfig, demoFixture } from "./support";

const DEMO = ["--account", "events/accounts/demo.json", "--config", "config/dev.json"];

const cli = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  let out = "";
  let err = "";
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
};

const tempFile = (name: string, content: unknown): string => {
  const path = join(mkdtempSync(join(tmpdir(), "doctor-")), name);
  writeFileSync(path, JSON.stringify(content));
  return path;
};

interface JsonRun {
  stage: string;
  region: string;
  summary: { error: number; warning: number; info: number };
  checks: { id: string }[];
  findings: Finding[];
}

describe("npm run doctor on a fixture", () => {
  it("the demo account: exit 0, findings grouped by capability, a summary line", async () => {
    const { code, out } = await cli(DEMO);
    expect(code).toBe(0);
    expect(out).toContain("stage dev, Region us-east-1");
    expect(out.indexOf("idle-hibernate (")).toBeLessThan(out.indexOf("dx-failover ("));
    expect(out).toMatch(/^0 error\(s\), \d+ warning\(s\), \d+ info from \d+ checks: ready$/m);
  });

  it("--json: the same as data", async () => {
    const { code, out } = await cli([...DEMO, "--json"]);
    const run = JSON.parse(out) as JsonRun;
    expect(code).toBe(0);
    expect(run).toMatchObject({ stage: "dev", region: "us-east-1", summary: { error: 0 } });
    expect(run.findings.length).toBe(run.summary.warning + run.summary.info);
    expect(run.checks.map((c) => c.id)).toContain("dx-failover/propagation");
  });

  it("a fixture with an error: exit 1, the finding with its fix printed", async () => {
    const fixture = demoFixture();
    instanceOf(fixture, "i-0d0f00000000000a1").sourceDestCheck = true;
    const { code, out } = await cli(["--account", tempFile("account.json", fixture)]);
    expect(code).toBe(1);
    expect(out).toContain("ERROR     dx-failover/source-dest-check  eni-0d0f00000000000a1");
    expect(out).toContain("fix: aws ec2 modify-network-interface-attribute");
    expect(out).toMatch(/NOT READY$/m);
  });

  it("--capability: that capability's checks and the common ones only", async () => {
    const { code, out } = await cli([...DEMO, "--capability", "dx-failover", "--json"]);
    const run = JSON.parse(out) as JsonRun;
    expect(code).toBe(0);
    expect(new Set(run.checks.map((c) => c.id.split("/")[0]))).toEqual(new Set(["common", "dx-failover"]));
  });

  it("an invalid configuration: exit 1 with the issues as common/config errors, nothing read", async () => {
    const config = demoConfig();
    config.mode = "yolo";
    const { code, out } = await cli([
      "--account",
      "events/accounts/demo.json",
      "--config",
      tempFile("bad.json", config),
      "--json",
    ]);
    const run = JSON.parse(out) as JsonRun;
    expect(code).toBe(1);
    expect(run.findings).toMatchObject([
      { check: "common/config", severity: "error", message: expect.stringContaining("mode") },
    ]);
  });
});

describe("npm run doctor -- --print-policy", () => {
  it("prints the read-only policy and exits 0 without reading any account", async () => {
    const { code, out } = await cli(["--print-policy", "--account", "does-not-exist.json"]);
    const policy = JSON.parse(out) as PolicyDocument;
    expect(code).toBe(0);
    expect(policy.Version).toBe("2012-10-17");
    const actions = policy.Statement.flatMap((s) => s.Action);
    expect(actions.length).toBeGreaterThan(10);
    expect(actions.every((a) => /:(Describe|Get|List|Search)/.test(a))).toBe(true);
  });
});

describe("bad command lines: usage, exit 2", () => {
  it.each([
    [["--bogus"], "Unknown option"],
    [
      ["--account", "events/accounts/demo.json", "--region", "us-east-1"],
      "--region and --profile are for a live account",
    ],
    [["--account", "nope.json"], "no such account fixture"],
    [["--account", "events/accounts/demo.json", "--config", "nope.json"], "no such configuration file"],
    [["--account", "events/accounts/demo.json", "--capability", "teleport"], 'unknown capability "teleport"'],
    [["--profile", "p"], "needs --region"],
  ])("%j", async (argv, message) => {
    const { code, err, out } = await cli(argv);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err).toContain("usage: npm run doctor");
    expect(out).toBe("");
  });

  it("an account fixture that is not one: exit 2", async () => {
    const { code, err } = await cli(["--account", tempFile("broken.json", { accountId: "x" })]);
    expect(code).toBe(2);
    expect(err).toContain("account fixture");
  });
});
