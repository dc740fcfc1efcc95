import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadFixture, parseFixture, SimulatedAccount } from "../../../sim/index";
import type { SimServer } from "../../../sim/wire/index";
import { runSnapshotCli } from "../../../tools/snapshot/main";
import { serve } from "./support";

let server: SimServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const run = async (argv: string[]) => {
  let stdout = "";
  let stderr = "";
  const env: NodeJS.ProcessEnv = {};
  const code = await runSnapshotCli(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env,
  });
  return { code, stdout, stderr, env };
};

const outFile = () => join(mkdtempSync(join(tmpdir(), "snapshot-")), "account.json");

/** A loopback port nothing listens on (bound, then closed). */
const closedPort = async (): Promise<number> => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return typeof address === "object" && address !== null ? address.port : 9;
};

describe("npm run snapshot (the command)", () => {
  it.each([
    [["--out", "x.json"], "--region <region> is required"],
    [["--region", "us-east-1"], "--out <file.json> is required"],
    [["--region", "us-east-1", "--out", "x.json", "--vpc", "subnet-0123"], "--vpc subnet-0123: not a VPC id"],
    [["--region", "us-east-1", "--out", "x.json", "--tag", "novalue"], "--tag novalue: expected Key=Value"],
    [["--region", "us-east-1", "--out", "x.json", "--bogus"], "Unknown option '--bogus'"],
    [["--region", "us-east-1", "--out", "x.json", "stray"], "Unexpected argument 'stray'"],
    [
      ["--region", "us-east-1", "--out", "x.json", "--config", "config/none.json"],
      "--config config/none.json",
    ],
    [["--region", "us-east-1", "--out", "x.json", "--max-attempts", "0"], "--max-attempts"],
  ])("%j → usage, exit 2", async (argv, message) => {
    const { code, stderr, stdout } = await run(argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain("usage: npm run snapshot --");
    expect(stdout).toBe("");
  });

  it("--help prints the usage and exits 0 without reading anything", async () => {
    const { code, stdout, stderr } = await run(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("usage: npm run snapshot --");
    expect(stderr).toBe("");
  });

  it("writes the fixture and prints the summary (resources by kind, calls per operation, retries, time)", async () => {
    const account = SimulatedAccount.fromFixture(await loadFixture("test/fixtures/accounts/vfxt.json"));
    server = await serve(account);
    const out = outFile();
    const { code, stdout } = await run(["--region", account.region, "--out", out]);
    expect(code).toBe(0);
    const written = parseFixture(JSON.parse(readFileSync(out, "utf8")), out);
    expect(written.instances.length).toBeGreaterThan(0);
    expect(stdout).toContain(`written to ${out}`);
    expect(stdout).toMatch(/instances\s+\d+/);
    expect(stdout).toMatch(/DescribeInstances\s+1/);
    expect(stdout).toContain("Retries: 0 (throttled answers: 0)");
    expect(stdout).toMatch(/Wall time: \d+\.\d s/);
  });

  it("--profile: the SDK's default credential chain signs with that profile's keys", async () => {
    const dir = mkdtempSync(join(tmpdir(), "snapshot-profile-"));
    writeFileSync(
      join(dir, "credentials"),
      "[ops-readonly]\naws_access_key_id = AKIAPROFILEREADONLY1\naws_secret_access_key = x\n",
    );
    writeFileSync(join(dir, "config"), "");
    const account = SimulatedAccount.fromFixture(await loadFixture("test/fixtures/accounts/vfxt.json"));
    const keys = new Set<string | undefined>();
    server = await serve(account, (ctx) => keys.add(ctx.accessKeyId));
    Object.assign(process.env, {
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
      AWS_CONFIG_FILE: join(dir, "config"),
      AWS_EC2_METADATA_DISABLED: "true",
    });
    const code = await runSnapshotCli(
      ["--region", account.region, "--out", outFile(), "--profile", "ops-readonly"],
      {
        stdout: () => undefined,
        stderr: () => undefined,
        env: process.env,
      },
    );
    expect(code).toBe(0);
    expect(process.env.AWS_PROFILE).toBe("ops-readonly");
    expect([...keys]).toEqual(["AKIAPROFILEREADONLY1"]);
  });

  it("an unreachable endpoint → a clear error, exit 1, no file written", async () => {
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${await closedPort()}`;
    process.env.AWS_ACCESS_KEY_ID = "AKIDSIMULATED";
    process.env.AWS_SECRET_ACCESS_KEY = "simulated";
    const out = outFile();
    const { code, stderr } = await run(["--region", "us-east-1", "--out", out, "--max-attempts", "2"]);
    expect(code).toBe(1);
    expect(stderr).toContain("cannot reach the AWS endpoint (DescribeInstances): ECONNREFUSED");
    expect(stderr).toContain("Nothing was written.");
    expect(existsSync(out)).toBe(false);
  });

  it("AccessDenied on a later call → exit 1 naming the operation and the policy; an existing file is left as it was", async () => {
    const account = SimulatedAccount.fromFixture(await loadFixture("events/accounts/demo.json"));
    account.faults.add({
      service: "monitoring",
      operation: "DescribeAlarms",
      error: {
        code: "AccessDenied",
        httpStatus: 403,
        message: "User is not authorized to perform: cloudwatch:DescribeAlarms",
      },
    });
    server = await serve(account);
    const out = outFile();
    writeFileSync(out, "previous snapshot\n");
    const { code, stderr } = await run(["--region", account.region, "--out", out]);
    expect(code).toBe(1);
    expect(stderr).toContain("access denied (DescribeAlarms): AccessDenied");
    expect(stderr).toContain("docs/snapshot.md");
    expect(readFileSync(out, "utf8")).toBe("previous snapshot\n");
    expect(account.calls.filter((c) => c.operation === "DescribeAlarms")).toHaveLength(1);
  });
});
