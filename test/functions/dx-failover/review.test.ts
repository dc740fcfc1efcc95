import { readFileSync } from "node:fs";
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { describe, expect, it } from "vitest";
import { DxFailoverGroupSchema } from "../../../functions/dx-failover/config";
import {
  DEFAULT_POLICY,
  decidePath,
  type Signals,
} from "../../../functions/dx-failover/failover/plan/decide";
import { createAgentPublisher } from "../../../functions/dx-failover/probe/agent";
import type { ProbeSample } from "../../../functions/dx-failover/probe/loop";

/**
 * Adversarial review of dx-failover (issue 10), unit tier: each test is a finding of the review (F7, F8,
 * F11), written as a failing test and fixed since; the README's failure catalogue lists them.
 */

const group = DxFailoverGroupSchema.parse({
  name: "lz-prod",
  location: "local-zone",
  cidrs: ["10.100.0.0/16"],
  applianceEniId: "eni-0d0f00000000000a1",
  probe: { directConnect: ["10.100.0.53:53"], vpn: ["10.101.0.53:53"] },
});

const healthySample = (seq: number): ProbeSample => {
  const path = (p: "direct-connect" | "vpn") => ({
    path: p,
    ok: true,
    latencyMs: 2,
    results: [{ target: "10.100.0.53:53", ok: true, latencyMs: 2 }],
    consecutiveFailures: 0,
    consecutiveSuccesses: seq + 1,
  });
  return {
    seq,
    at: 1_700_000_000_000 + seq * group.probe.intervalMs,
    durationMs: 2,
    dx: path("direct-connect"),
    vpn: path("vpn"),
    status: "healthy",
    triggered: false,
    armed: true,
  };
};

describe("review: the agent's metrics and the function's staleness", () => {
  it("review: the agent publishes healthy samples once a minute but the failover function calls samples older than probeStaleSeconds (30 s) stale", async () => {
    let puts = 0;
    const cloudWatch = {
      send: async () => {
        puts += 1;
        return {};
      },
    } as unknown as CloudWatchClient;
    const publisher = createAgentPublisher({
      group: group.name,
      namespace: "OpsToolkit/DxFailover",
      busName: "ops-toolkit-dx-trigger",
      source: "ops-toolkit",
      cloudWatch,
      eventBridge: {} as EventBridgeClient,
    });
    // Samples spanning the staleness bound, one per interval: by then some must have been published,
    // else the reconcile finds the agent's newest datapoint stale and decides on alarms alone.
    const samples = (group.probeStaleSeconds * 1000) / group.probe.intervalMs + 1;
    for (let seq = 0; seq < samples; seq++) await publisher.onSample(healthySample(seq));
    expect(puts).toBeGreaterThan(0);
  });
});

describe("review: failback when the VPN is judged down", () => {
  const now = 1_700_000_000_000;
  const cidr = "10.100.0.0/16";
  const signals: Signals = {
    probes: {
      // DX answered its last 2 probes (M = 2) in the middle of a flap storm.
      directConnect: {
        consecutiveFailures: 0,
        consecutiveSuccesses: 2,
        lastSampleAt: now - 500,
        healthySince: now - 2000,
        recentFailures: 0,
      },
      // The appliance is congested by the failed-over traffic: 3 of its last 5 probes lost, the last answered.
      vpn: {
        consecutiveFailures: 0,
        consecutiveSuccesses: 1,
        lastSampleAt: now - 500,
        healthySince: now - 1000,
        recentFailures: 3,
      },
    },
    alarms: {},
    virtualInterfaces: [
      { id: "dxvif-fgdx0001", state: "available", peers: [{ family: "ipv4", status: "up" }] },
    ],
    families: ["ipv4"],
    appliance: { attached: true, instanceRunning: true, sourceDestCheck: false },
    failbackReady: { [cidr]: true },
  };

  // Fixed: a lossy VPN no longer skips the dwell and the window. The decision is `hold` (touch nothing: the
  // routes stay on the VPN, alarm vpn-unhealthy) rather than "vpn", since rule 2 never desires a VPN that
  // is not healthy; what the finding asks — no failback — holds.
  it("review: a lossy (still answering) VPN fails back onto a DX up for 2 probes, 10 s after the last switch, in a flap storm: no dwell, no back-off", () => {
    const state = {
      activePath: "vpn" as const,
      since: now - 10_000,
      lastSwitchAt: now - 10_000,
      lastFailbackAt: now - 40_000,
      flaps: 3,
    };
    const decision = decidePath(signals, state, DEFAULT_POLICY, now);
    expect(decision.desired).not.toBe("direct-connect");
    expect(decision.switch).toBe(false);
  });
});

describe("review: the game day on the real control plane (issue 10 item 9)", () => {
  it("review: serverless.yml tells operators to run `npm run game-day` (StartBgpFailoverTest), which does not exist", () => {
    expect(readFileSync("serverless.yml", "utf8")).toContain("npm run game-day");
    const scripts = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> })
      .scripts;
    expect(scripts["game-day"]).toBeDefined();
  });
});
