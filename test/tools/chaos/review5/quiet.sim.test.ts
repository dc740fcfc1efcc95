import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  encodeRoutes,
  encodeState,
  routesKey,
  stateKey,
} from "../../../../functions/dx-failover/failover/state";
import type { Harness } from "../../../../sim/harness";
import { runTrace } from "../../../../tools/chaos/driver";
import { dxFailoverModel } from "../../../../tools/chaos/incidents/dx-failover";
import type { CapabilityModel, IncidentKind, Trace } from "../../../../tools/chaos/types";
import { startHarness } from "../../../support/harness";

/**
 * Review (session 5): quiet-time collapse skips a reconcile that would have acted. dx-failover's
 * reconcile runs every minute (functions/index.ts) and fails back once Direct Connect has worked for the
 * restore window, which doubles per recent flap (300 s, then up to 3600 s). 20 minutes after the last
 * item the driver jumps 15 minutes at a time and delivers one reconcile per jump, so a failback due in
 * quiet time happens up to 15 minutes late: the traffic stays on the VPN longer than it would in AWS,
 * and a failback that comes a little too early (the `flap` invariant's boundary) is judged at the next
 * jump, when it is no longer early.
 */

const GROUP = "lz-prod";
const ENI = "eni-0d0f00000000000a1";
const TABLES = ["rtb-0d0f0000000000c01", "rtb-0d0f0000000000c02"];
const CIDRS = ["10.100.0.0/16", "10.101.0.0/16"];
const FLAPS = 3;
/** 300 s doubled per flap. */
const WINDOW_MS = 300_000 * 2 ** FLAPS;

/** The group as the toolkit left it after its third flap: on the VPN, with Direct Connect healthy. */
const onVpnAfterFlaps: IncidentKind = {
  name: "review5-on-vpn-after-flaps",
  weight: 0,
  draw: () => ({}),
  apply: async ({ account }) => {
    const now = account.clock.nowMs();
    const ec2 = (operation: string, input: Record<string, unknown>) =>
      account.dispatch({ service: "ec2", operation, region: account.region, requestId: "review5" }, input);
    for (const table of TABLES) {
      for (const cidr of CIDRS)
        await ec2("CreateRoute", {
          RouteTableId: table,
          DestinationCidrBlock: cidr,
          NetworkInterfaceId: ENI,
        });
      const state = encodeState({ activePath: "vpn", since: now, lastSwitchAt: now, flaps: FLAPS }, ENI);
      await ec2("CreateTags", {
        Resources: [table],
        Tags: [
          { Key: stateKey(GROUP), Value: state },
          { Key: routesKey(GROUP), Value: encodeRoutes(CIDRS)[0] },
        ],
      });
    }
    return "on the VPN after 3 flaps";
  },
};

const model: CapabilityModel = {
  ...dxFailoverModel,
  incidents: [...dxFailoverModel.incidents, onVpnAfterFlaps],
};

const trace: Trace = {
  capability: "dx-failover",
  seed: 9,
  days: 7_200_000 / 86_400_000,
  variant: "agent",
  items: [{ at: 0, kind: `incident:${onVpnAfterFlaps.name}`, params: {} }],
};

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

describe("review5: quiet time", () => {
  it("review: in quiet time, while a failback waits on its restore window, the 1-minute reconcile runs at its times (not one per 15-minute jump)", {
    timeout: 300_000,
  }, async () => {
    const run = await runTrace(harness, model, trace, { stopOnViolation: false });
    const failback = run.delivered.find((d) => d.outcome === "failback");
    expect(failback).toBeDefined();
    const reconciles = run.delivered
      .filter((d) => d.via.startsWith("schedule") && d.at <= (failback?.at ?? 0))
      .map((d) => d.at);
    // Quiet from 20 minutes on: every reconcile up to the failback a minute after the one before.
    const gaps = reconciles.slice(1).map((at, k) => at - (reconciles[k] ?? 0));
    expect(reconciles.length).toBeGreaterThan(30);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(60_000 + 5_000);
  });

  // speed5: the quiet collapse is fixed (above: the reconcile now runs every minute, the failback comes
  // within a minute of the capability's decision). What still fails here is the capability's own timing:
  // it fails back at t+2161 s, before the 2400 s window, and the `flap` invariant now catches it (the
  // collapse used to hide it by failing back at t+3002 s). Owner: dx-failover (lead / dx5).
  it.fails("review: a failback due in quiet time happens within a reconcile period of its restore window, not at the end of a 15-minute jump", {
    timeout: 300_000,
  }, async () => {
    const run = await runTrace(harness, model, trace, { stopOnViolation: false });
    const failback = run.delivered.find((d) => d.outcome === "failback");
    expect(failback).toBeDefined();
    expect(failback?.at).toBeGreaterThanOrEqual(WINDOW_MS);
    // The 1-minute reconcile, a step and a little slack.
    expect(failback?.at).toBeLessThanOrEqual(WINDOW_MS + 60_000 + 15_000);
  });
});
