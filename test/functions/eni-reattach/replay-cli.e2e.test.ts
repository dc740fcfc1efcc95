import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * `npm run replay` on eni-reattach events, against the eni-reattach test account (fast ENI transitions):
 * the SNS message of the stack's lifecycle topic is routed to eni-reattach; an SQS message is not (the
 * stack deploys no queue) unless `--function` says so.
 */

const TSX = join("node_modules", ".bin", "tsx");
const replay = (...args: string[]) =>
  spawnSync(TSX, ["tools/replay.ts", ...args, "--account", "test/fixtures/accounts/eni-reattach.json"], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });

describe("npm run replay (eni-reattach)", () => {
  it("launch via SQS: not delivered (no queue deployed); with --function eni-reattach it attaches and completes", () => {
    const plain = replay("events/not-delivered/eni-reattach/launch-sqs.json");
    expect(plain.status).toBe(0);
    expect(plain.stdout).toContain("Not delivered: no deployed trigger matches this event");
    const forced = replay("events/not-delivered/eni-reattach/launch-sqs.json", "--function", "eni-reattach");
    expect(forced.status).toBe(0);
    expect(forced.stdout).toContain("═══ eni-reattach (apply mode), via --function");
    expect(forced.stdout).toContain("Decision: attached");
    expect(forced.stdout).toMatch(/autoscaling:CompleteLifecycleAction\s+ok/);
  }, 60_000);

  it("the test notification on the stack's lifecycle topic: eni-reattach ignores it, no call", () => {
    const result = replay("events/eni-reattach/test-notification-sns.json", "--json");
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as {
      invocations: Array<{ function: string; via: string; decision: string; calls: unknown[] }>;
    };
    expect(report.invocations).toEqual([
      expect.objectContaining({
        function: "eni-reattach",
        via: "SNS subscription to ops-toolkit-dev-eni-reattach-lifecycle",
        decision: "ignored-test-notification",
        calls: [],
      }),
    ]);
  }, 60_000);
});
