import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { WhatIfResult } from "../../../tools/what-if/types";

/** `npm run what-if` as a user runs it: a separate process; the text, the JSON, the exit codes. */

const TSX = join("node_modules", ".bin", "tsx");
const run = (...args: string[]) =>
  spawnSync(TSX, ["tools/what-if/cli.ts", ...args], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
const IDLE = ["idle", "--instance", "i-0123456789abcdef0", "--account", "events/accounts/demo.json"];

describe("npm run what-if", () => {
  it("prints the timeline, the calls, the final state and the checks; exit 0 when they hold", {
    timeout: 120_000,
  }, () => {
    const result = run(...IDLE);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("ops-toolkit what-if: idle i-0123456789abcdef0 (idle-hibernate)\n");
    expect(result.stdout).toContain(
      "  t+0s       idle-hibernate ← EventBridge rule ops-toolkit-dev-idle-hibernate-alarm: hibernate\n",
    );
    expect(result.stdout).toContain(
      'write ec2:StopInstances {"InstanceIds":["i-0123456789abcdef0"],"Hibernate":true,"DryRun":false} → ok',
    );
    expect(result.stdout).toContain("Final state\n  i-0123456789abcdef0 stopped\n");
    expect(result.stdout).toContain("  holds  stops-only-eligible: only eligible instances are stopped\n");
    // Each AWS call takes its simulated latency (tools/chaos/interleave.ts): the end is a second or so later.
    expect(result.stdout).toMatch(/End: t\+6m0\ds quiet: nothing changed for 5 min/);
  });

  it("--json prints the same as data", { timeout: 120_000 }, () => {
    const result = run(...IDLE, "--json");
    expect(result.status).toBe(0);
    const data = JSON.parse(result.stdout) as WhatIfResult;
    expect(Object.keys(data).sort()).toEqual(
      [
        "account",
        "calls",
        "changes",
        "checks",
        "config",
        "end",
        "events",
        "final",
        "incident",
        "invocations",
        "notDriven",
        "scenario",
        "settledMs",
        "start",
      ].sort(),
    );
    expect(data.scenario).toEqual({
      name: "idle",
      capability: "idle-hibernate",
      target: "i-0123456789abcdef0",
      description: "the idle alarm ops-idle-i-0123456789abcdef0 of i-0123456789abcdef0 goes to ALARM",
    });
    expect(data.invocations[0]).toMatchObject({
      at: 0,
      function: "idle-hibernate",
      via: "EventBridge rule ops-toolkit-dev-idle-hibernate-alarm",
      attempt: 0,
      decision: "hibernate",
      writes: expect.arrayContaining([
        {
          operation: "ec2:StopInstances",
          input: { InstanceIds: ["i-0123456789abcdef0"], Hibernate: true, DryRun: false },
          outcome: "ok",
        },
      ]),
    });
    expect(data.calls.writes).toBeGreaterThan(0);
    expect(data.final.instances).toEqual({ "i-0123456789abcdef0": "stopped" });
    expect(data.checks.every((c) => c.holds)).toBe(true);
  });

  it("an unknown target: the candidates, exit 1", { timeout: 120_000 }, () => {
    const result = run("dx-down", "--group", "nope", "--account", "events/accounts/demo.json");
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      'what-if: unknown group "nope" in dxFailover.groups of the configuration; candidates: lz-prod, lz-edge, region-core\n',
    );
  });

  it("a bad command line: the reason and the usage, exit 2", { timeout: 120_000 }, () => {
    for (const args of [[], ["dx-down", "--account", "events/accounts/demo.json"], ["idle", "--instance"]]) {
      const result = run(...args);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("usage: npm run what-if -- <scenario> --account <fixture.json>");
    }
    expect(run("--help").stdout).toContain("firewall-replace --group <G> [--launch-before-terminate]");
  });
});
