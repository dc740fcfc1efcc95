import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { demoFixture } from "../support/fixtures";

/** The replay command as a user runs it: a separate process, routing like the stack, real handlers, simulated account. */

const TSX = join("node_modules", ".bin", "tsx");
const run = (...args: string[]) =>
  spawnSync(TSX, ["tools/replay.ts", ...args], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });

interface JsonReport {
  functions: string[];
  unmatched?: string;
  event: { routedAs: string };
  invocations: Array<{
    function: string;
    via: string;
    decision: string;
    mode: string;
    actions: unknown[];
    calls: Array<{ operation: string }>;
    stateChanges: unknown[];
  }>;
}
const json = (result: ReturnType<typeof run>): JsonReport => JSON.parse(result.stdout) as JsonReport;

describe("npm run replay", () => {
  it("prints the routing, the decision, every call and the state change for the default demo", () => {
    const result = run("events/idle-hibernate/alarm-eventbridge.json");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("config   config/dev.json (stage dev)");
    expect(result.stdout).toContain(
      'routed   EventBridge event aws.cloudwatch / "CloudWatch Alarm State Change" → idle-hibernate',
    );
    expect(result.stdout).toContain(
      "═══ idle-hibernate (apply mode), via EventBridge rule ops-toolkit-dev-idle-hibernate-alarm",
    );
    expect(result.stdout).toContain("Decision: hibernate");
    expect(result.stdout).toMatch(/ec2:StopInstances\s+ok/);
    expect(result.stdout).toContain('"Hibernate":true');
    expect(result.stdout).toContain("i-0123456789abcdef0 State: running → stopping");
  });

  it("--json prints the routing and, per function, decision, actions, calls and the state before/after", () => {
    const result = run("events/idle-hibernate/alarm-eventbridge.json", "--json", "--mode", "dry-run");
    expect(result.status).toBe(0);
    const report = json(result);
    expect(report.functions).toEqual(["idle-hibernate"]);
    expect(report.invocations).toHaveLength(1);
    const [invocation] = report.invocations;
    expect(invocation).toMatchObject({
      function: "idle-hibernate",
      via: "EventBridge rule ops-toolkit-dev-idle-hibernate-alarm",
      decision: "hibernate",
      mode: "dry-run",
    });
    expect(invocation?.actions).toEqual([
      {
        operation: "ec2:StopInstances",
        input: { InstanceIds: ["i-0123456789abcdef0"], Hibernate: true, DryRun: true },
        outcome: expect.stringMatching(/^DryRunOperation: /),
      },
    ]);
    expect(invocation?.calls.map((call) => call.operation)).toEqual([
      "monitoring:DescribeAlarms",
      "ec2:DescribeInstances",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeRouteTables",
      "monitoring:ListTagsForResource",
      "ec2:StopInstances",
    ]);
    expect(invocation?.stateChanges).toEqual([]);
    expect(invocation).toHaveProperty("before.instances");
    expect(invocation).toHaveProperty("after.instances");
  });

  it("delivers to every function whose deployed trigger matches: an EC2 state change reaches two", () => {
    const result = run("events/idle-hibernate/ec2-running.json", "--json");
    // More than a pipe's 64 KiB: the whole report arrives before the process exits.
    expect(result.stdout.length).toBeGreaterThan(65_536);
    const report = json(result);
    expect(report.functions).toEqual(["idle-alarms", "vfxt-ip-move"]);
    expect(report.invocations.map((i) => i.via)).toEqual([
      "EventBridge rule ops-toolkit-dev-idle-alarms-instance-state",
      "EventBridge rule ops-toolkit-dev-vfxt-ip-move-instance-state",
    ]);
  });

  it("the probe's trigger event goes to dx-failover; the capacity schedule to outposts-capacity, which stops nothing", () => {
    expect(json(run("events/dx-failover/probe-trigger.json", "--json")).functions).toEqual(["dx-failover"]);
    const capacity = json(run("events/eni-reattach/schedule-capacity.json", "--json"));
    expect(capacity.functions).toEqual(["outposts-capacity"]);
    expect(capacity.invocations[0]?.via).toBe(
      "schedule ops-toolkit-dev-outposts-capacity (rate(15 minutes))",
    );
    expect(capacity.invocations.flatMap((i) => i.calls.map((c) => c.operation))).not.toContain(
      "ec2:StopInstances",
    );
  });

  it("an event no deployed trigger matches: reported, exit 0, no handler runs", () => {
    const text = run("events/samples/cloudwatch-alarm-configuration-change.metric-alarm-update.json");
    expect(text.status).toBe(0);
    expect(text.stdout).toContain("→ no function");
    expect(text.stdout).toContain(
      "Not delivered: no deployed trigger matches this event (no deployed EventBridge rule's pattern matches it).",
    );
    expect(text.stdout).not.toContain("═══");
    const report = json(run("events/not-delivered/eni-reattach/launch-sqs.json", "--json"));
    expect(report).toMatchObject({
      functions: [],
      invocations: [],
      unmatched: "no deployed function reads the queue fw-asg-lifecycle",
    });
  });

  it("--function hands the event to that function anyway: rejected input, exit 0, no AWS call", () => {
    const result = run(
      "events/samples/cloudwatch-alarm-configuration-change.metric-alarm-update.json",
      "--function",
      "idle-hibernate",
      "--json",
    );
    expect(result.status).toBe(0);
    const report = json(result);
    expect(report.event.routedAs).toBe("--function");
    expect(report.invocations).toEqual([
      expect.objectContaining({
        function: "idle-hibernate",
        via: "--function",
        decision: "rejected",
        calls: [],
      }),
    ]);
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

  it("exits 2 with usage on a missing file or an unknown function", () => {
    const result = run("no-such-event.json");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("no such event file");
    const unknown = run("events/idle-hibernate/alarm-eventbridge.json", "--function", "nope");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown function "nope"');
  });

  it("exits 2 with usage on an unknown option, without a stack trace", () => {
    const result = run("events/idle-hibernate/alarm-eventbridge.json", "--bogus");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Unknown option '--bogus'");
    expect(result.stderr).toContain("usage: npm run replay");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
