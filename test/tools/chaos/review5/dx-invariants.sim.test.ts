import { afterEach, describe, expect, it } from "vitest";
import {
  encodeRoutes,
  encodeState,
  routesKey,
  stateKey,
} from "../../../../functions/dx-failover/failover/state";
import type { SimulatedAccount } from "../../../../sim/account/index";
import type { Harness } from "../../../../sim/harness";
import { runTrace } from "../../../../tools/chaos/driver";
import { dxFailoverModel } from "../../../../tools/chaos/incidents/dx-failover";
import { startMutantHarness, traceOf } from "../review/mutants";

/**
 * Review (session 5): can the dx invariants fail? `flap` judges only a failback (vpn → direct-connect)
 * that comes too early; nothing judges a failover (direct-connect → vpn) that no failure caused. Issue 14:
 * "never more than one switch per flap cycle beyond the backoff policy" — a switch with no flap at all is
 * more than one per cycle. Mutant: on its 3rd scheduled run, with Direct Connect healthy the whole time,
 * dx-failover moves every configured CIDR to the VPN the way a real failover does (static routes to the
 * appliance ENI, state and ownership tags); the real handler then fails back after the restore window.
 * Production traffic leaves a healthy Direct Connect for the VPN and comes back, twice cutting flows.
 */

const GROUP = "lz-prod";
const ENI = "eni-0d0f00000000000a1";
const TABLES = ["rtb-0d0f0000000000c01", "rtb-0d0f0000000000c02"];
const CIDRS = ["10.100.0.0/16", "10.101.0.0/16"];

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const failOverForNoReason = async (account: SimulatedAccount): Promise<void> => {
  const ec2 = (operation: string, input: Record<string, unknown>) =>
    account.dispatch(
      { service: "ec2", operation, region: account.region, requestId: "review5-mutant" },
      input,
    );
  const now = account.clock.nowMs();
  for (const table of TABLES) {
    for (const cidr of CIDRS)
      await ec2("CreateRoute", { RouteTableId: table, DestinationCidrBlock: cidr, NetworkInterfaceId: ENI });
    await ec2("CreateTags", {
      Resources: [table],
      Tags: [
        {
          Key: stateKey(GROUP),
          Value: encodeState({ activePath: "vpn", since: now, lastSwitchAt: now, flaps: 0 }, ENI),
        },
        { Key: routesKey(GROUP), Value: encodeRoutes(CIDRS)[0] },
      ],
    });
  }
};

describe("review5: dx invariants", () => {
  it("review: a failover while Direct Connect works and nothing failed is a violation (a switch outside any flap cycle)", {
    timeout: 300_000,
  }, async () => {
    let scheduled = 0;
    harness = await startMutantHarness("dx-failover", ({ real, account }) => async (event, context) => {
      const detailType = (event as { "detail-type"?: string })["detail-type"];
      if (detailType === "Scheduled Event" && ++scheduled === 3) {
        await failOverForNoReason(account());
        return { decision: "failed-over" };
      }
      return real(event, context);
    });
    const run = await runTrace(harness, dxFailoverModel, traceOf("dx-failover", "agent", 4, []), {
      stopOnViolation: false,
    });
    const routes = harness.account.calls.filter((c) => c.operation === "CreateRoute" && c.outcome === "ok");
    expect(routes.length).toBeGreaterThanOrEqual(4);
    // The real handler then switches back: two switches, no failure.
    expect(run.delivered.some((d) => d.outcome === "failback")).toBe(true);
    expect(run.violations.map((v) => v.invariant)).toContain("failover-cause");
  });
});
