import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAgentPublisher } from "../../../functions/dx-failover/probe/agent";
import { ProbeLoop } from "../../../functions/dx-failover/probe/loop";
import type { Harness } from "../../../sim/harness";
import { startHarness } from "../../support/harness";
import { closeAll, listen } from "./probe/sockets";
import {
  CIDRS,
  dxEnv,
  dxFixture,
  GROUP,
  NAMESPACE,
  resultOf,
  STATE_KEY,
  staticRoutes,
  TABLES,
  triggerEvent,
} from "./support";

/**
 * Issue 10, item 1, end to end: the agent (the authoritative probe of a Local Zone group) probes real TCP
 * targets, publishes its `Probe=agent` series and puts its trigger on the trigger bus with its own
 * credentials; the bus's rule delivers it; the failover function, invoked with the delivered event, fails
 * over on its counters. Another principal of the account cannot put a trigger there (the bus policy).
 */

const BUS = "ops-toolkit-dx-trigger";
const AGENT_KEY = "AKIAAGENT00000000001"; // the agent's instance role (test/fixtures/accounts/dx-failover.json)
const OTHER_KEY = "AKIAOTHERAPP00000001"; // another role of the account, allowed PutEvents by its identity policy

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});
afterEach(async () => {
  await closeAll();
});

const clientConfig = (accessKeyId: string) => ({
  region: "us-east-1",
  endpoint: harness.url,
  credentials: { accessKeyId, secretAccessKey: "simulated" },
  maxAttempts: 1,
});

/** The agent as tools/dx-probe.ts runs it, for a few rounds, signing as `accessKeyId`. */
const runAgent = async (dxPort: number, vpnPort: number, accessKeyId = AGENT_KEY) => {
  const errors: unknown[] = [];
  const publisher = createAgentPublisher({
    group: GROUP,
    namespace: NAMESPACE,
    busName: BUS,
    source: "ops-toolkit",
    cloudWatch: new CloudWatchClient(clientConfig(accessKeyId)),
    eventBridge: new EventBridgeClient(clientConfig(accessKeyId)),
    onError: (e) => errors.push(e),
  });
  const loop = new ProbeLoop({
    dx: [{ host: "127.0.0.1", port: dxPort }],
    vpn: [{ host: "127.0.0.1", port: vpnPort }],
    intervalMs: 100,
    timeoutMs: 80,
    threshold: 2,
    maxRounds: 4,
    onSample: publisher.onSample,
    onTrigger: async (t) => {
      await publisher.onTrigger(t);
    },
    onError: (e) => errors.push(e),
  });
  const summary = await loop.run();
  await publisher.flush();
  return { summary, errors };
};

describe("dx-failover: the agent's trigger, end to end", () => {
  it("agent trigger accepted end to end: the bus's rule delivers it and the failover function fails over on it", async () => {
    harness.load(dxFixture());
    const dx = await listen();
    const vpn = await listen();
    await dx.stop();
    const { summary, errors } = await runAgent(dx.port, vpn.port);
    expect(errors.map(String)).toEqual([]);
    expect(summary).toMatchObject({ triggers: 1, triggerErrors: 0 });
    const deliveries = harness.account.eventDeliveries.filter((d) => d.eventBusName === BUS);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]?.targets.map((t) => t.id)).toEqual(["dx-failover"]);
    const report = await harness.invoke("dx-failover", deliveries[0]?.event, { env: dxEnv() });
    const group = resultOf(report).groups[0];
    expect(group).toMatchObject({ name: GROUP, decision: "failover", creates: CIDRS.length * TABLES.length });
    expect(group?.triggerIgnored).toBeUndefined();
    for (const t of TABLES) expect(Object.keys(staticRoutes(report, t)).sort()).toEqual([...CIDRS]);
    // The agent's own series (Probe=agent) reached CloudWatch: the failover function's later reads see it.
    const agentData = harness.account.calls
      .filter((c) => c.operation === "PutMetricData")
      .flatMap((c) => c.input.MetricData as Array<{ Dimensions: Array<{ Name: string; Value: string }> }>);
    expect(agentData.length).toBeGreaterThan(0);
    expect(agentData.every((d) => d.Dimensions.some((x) => x.Name === "Probe" && x.Value === "agent"))).toBe(
      true,
    );
  });

  it("a forged trigger from another principal of the account: refused by the bus policy, never delivered", async () => {
    harness.load(dxFixture());
    const forged = triggerEvent(5);
    const out = await new EventBridgeClient(clientConfig(OTHER_KEY)).send(
      new PutEventsCommand({
        Entries: [
          {
            Source: "ops-toolkit",
            DetailType: "DX Path Degraded",
            Detail: JSON.stringify(forged.detail),
            EventBusName: BUS,
          },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[0]?.ErrorCode).toBe("AccessDeniedException");
    expect(harness.account.eventDeliveries).toHaveLength(0);
    // Nothing reached the failover function, so nothing switched.
    const snapshot = harness.account.snapshot().routeTables as Record<
      string,
      { Tags?: Record<string, string> }
    >;
    for (const t of TABLES) expect(snapshot[t]?.Tags?.[STATE_KEY]).toBeUndefined();
  });

  it("the agent's own principal is refused on a bus it has no identity permission for (the default bus)", async () => {
    harness.load(dxFixture());
    const out = await new EventBridgeClient(clientConfig(AGENT_KEY)).send(
      new PutEventsCommand({
        Entries: [{ Source: "ops-toolkit", DetailType: "DX Path Degraded", Detail: "{}" }],
      }),
    );
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[0]?.ErrorCode).toBe("AccessDeniedException");
  });
});
