import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** `npm run replay` on the eni-reattach events: the function is picked from the event's shape. */

const TSX = join("node_modules", ".bin", "tsx");
const replay = (...args: string[]) =>
  spawnSync(TSX, ["tools/replay.ts", ...args, "--account", "events/accounts/eni-reattach.json"], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });

describe("npm run replay (eni-reattach)", () => {
  it.each(["launch-sqs.json"])(
    "%s: eni-reattach attaches and completes the lifecycle action",
    (file) => {
      const result = replay(`events/eni-reattach/${file}`);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("ops-toolkit replay — eni-reattach (apply mode)");
      expect(result.stdout).toContain("Decision: attached");
      expect(result.stdout).toMatch(/autoscaling:CompleteLifecycleAction\s+ok/);
    },
    60_000,
  );

  it("the test notification: ignored, no call", () => {
    const result = replay("events/eni-reattach/test-notification-sns.json", "--json");
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { function: string; decision: string; calls: unknown[] };
    expect(report).toMatchObject({ function: "eni-reattach", decision: "ignored-test-notification" });
    expect(report.calls).toEqual([]);
  }, 60_000);
});
