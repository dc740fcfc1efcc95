import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { demoFixture } from "../support/fixtures";

/** The replay command as a user runs it: a separate process, real handler, simulated account. */

const TSX = join("node_modules", ".bin", "tsx");
const run = (...args: string[]) =>
  spawnSync(TSX, ["tools/replay.ts", ...args], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });

describe("npm run replay", () => {
  it("prints the decision, every call and the state change for the default demo", () => {
    const result = run("events/idle-hibernate/alarm-eventbridge.json");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Decision: hibernate");
    expect(result.stdout).toMatch(/ec2:StopInstances\s+ok/);
    expect(result.stdout).toContain('"Hibernate":true');
    expect(result.stdout).toContain("i-0123456789abcdef0 State: running → stopping");
  });

  it("--json prints one object with function, decision, actions, calls and the state before/after", () => {
    const result = run("events/idle-hibernate/alarm-eventbridge.json", "--json", "--mode", "dry-run");
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ function: "idle-hibernate", decision: "hibernate", mode: "dry-run" });
    expect(report.actions).toEqual([
      {
        operation: "ec2:StopInstances",
        input: { InstanceIds: ["i-0123456789abcdef0"], Hibernate: true, DryRun: true },
        outcome: expect.stringMatching(/^DryRunOperation: /),
      },
    ]);
    expect((report.calls as unknown[]).length).toBe(4);
    expect(report.stateChanges).toEqual([]);
    expect(report).toHaveProperty("before.instances");
    expect(report).toHaveProperty("after.instances");
  });

  it("picks the function from the event's shape", () => {
    const result = run("events/idle-hibernate/ec2-running.json", "--json");
    expect(JSON.parse(result.stdout)).toMatchObject({ function: "idle-alarms" });
  });

  it("reports rejected input with exit 0 and no AWS call", () => {
    const result = run(
      "events/samples/cloudwatch-alarm-configuration-change.metric-alarm-update.json",
      "--json",
    );
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ decision: "rejected", calls: [] });
  });

  it("exits 1 when the handler fails (throttling that outlives the retries)", () => {
    const dir = mkdtempSync(join(tmpdir(), "replay-"));
    const fixture = demoFixture();
    fixture.faults = [
      {
        service: "ec2",
        operation: "StopInstances",
        error: { code: "RequestLimitExceeded", httpStatus: 503 },
      },
    ];
    writeFileSync(join(dir, "account.json"), JSON.stringify(fixture));
    writeFileSync(join(dir, "config.json"), JSON.stringify({ aws: { maxAttempts: 1 } }));
    const result = run(
      "events/idle-hibernate/alarm-eventbridge.json",
      "--account",
      join(dir, "account.json"),
      "--config",
      join(dir, "config.json"),
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("FAILED: AwsCallError");
    expect(result.stdout).toContain("RequestLimitExceeded");
  });

  it("exits 2 with usage on a missing file", () => {
    const result = run("no-such-event.json");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("no such event file");
  });
});
