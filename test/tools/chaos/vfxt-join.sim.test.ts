import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VfxtIpMoveConfigSchema } from "../../../functions/vfxt-ip-move/config";
import { derivedId } from "../../../sim/account/ids";
import type { Harness } from "../../../sim/harness";
import { runTrace } from "../../../tools/chaos/driver";
import { vfxtIpMoveModel } from "../../../tools/chaos/incidents/vfxt-ip-move";
import { primaryEniOf } from "../../../tools/chaos/incidents/vfxt-join";
import { checkVfxtScope } from "../../../tools/chaos/invariants/vfxt-ip-move";
import type { Trace } from "../../../tools/chaos/types";
import { startHarness } from "../../support/harness";

/**
 * vFXT nodes joining a cluster (AvereSDK add_cluster_nodes / add_nodes): a new node like the first (its
 * tags copied), the cluster then serving on it — a configured address rebalanced to it, or a new client
 * address of its own — and the node failing later: the function moves what is configured and nothing else.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual", transport: "memory" });
});
afterAll(async () => {
  await harness.close();
});

const HOUR = 3_600_000;
const SIX = ["a01", "a02", "a03", "b01", "b02", "b03"].map((n) => `i-0af7c0de000000${n}`);

/** Join a 4th node to a cluster, let the cluster rebalance 15 minutes later, stop the new node after 2 h. */
const joinTrace = (cluster: 0 | 1): { trace: Trace; node: string } => {
  const node = derivedId("i", `vfxt-join|${cluster === 0 ? "vfxt-a" : "vfxt-b"}-04`);
  const index = [...SIX, node].sort().indexOf(node);
  const trace: Trace = {
    capability: "vfxt-ip-move",
    seed: 3,
    days: 4 / 24,
    variant: "grace-60",
    items: [
      { at: HOUR, kind: "incident:node-joins", params: { cluster } },
      { at: HOUR + 15 * 60_000, kind: "incident:cluster-rebalances", params: { cluster } },
      { at: 2 * HOUR, kind: "incident:stop", params: { node: index } },
    ],
  };
  return { trace, node };
};

describe("a vFXT node joins a cluster", () => {
  it("secondary addresses: it gets the first node's tags; the cluster rebalances a configured address to it; when it stops, the function moves that address back within the grace", {
    timeout: 120_000,
  }, async () => {
    const { trace, node } = joinTrace(0);
    const result = await runTrace(harness, vfxtIpMoveModel, trace, { stopOnViolation: false });
    expect(result.violations).toEqual([]);
    const joined = harness.account.state().instances.get(node);
    expect(Object.fromEntries(joined?.tags ?? [])).toEqual({
      Name: "vfxt-a-04",
      "ops:vfxt-cluster": "vfxt-a",
    });
    expect(result.log.join("\n")).toMatch(/cluster-rebalances .*10\.20\.1\.105: i-0af7c0de000000a03 → i-/);
    expect(result.log.join("\n")).toMatch(new RegExp(`${node} stopping: move`));
    // The address is served again by a node that stayed up; the stopped node keeps nothing configured.
    const a03 = primaryEniOf(harness.account.state(), "i-0af7c0de000000a03");
    expect(a03?.secondaryPrivateIpAddresses).toContain("10.20.1.105");
    expect(result.measures?.samples["vfxt-unserved-s grace-60"]?.length).toBe(1);
  });

  it("/32 routes: the cluster gives it a client address of its own (not configured); when it stops, the function leaves that route alone", {
    timeout: 120_000,
  }, async () => {
    const { trace, node } = joinTrace(1);
    const result = await runTrace(harness, vfxtIpMoveModel, trace, { stopOnViolation: false });
    expect(result.violations).toEqual([]);
    expect(result.log.join("\n")).toMatch(/new client address 10\.250\.0\.14\/32 → i-/);
    for (const table of harness.account.state().routeTables.values()) {
      const route = table.routes.find((r) => r.destinationCidrBlock === "10.250.0.14/32");
      if (route !== undefined) expect(route.target).toBe(node);
    }
    const writes = harness.account.calls.filter(
      (c) => c.requestId !== "chaos" && c.operation.match(/Route|PrivateIp/) !== null,
    );
    expect(writes.some((c) => JSON.stringify(c.input).includes("10.250.0.14"))).toBe(false);
  });
});

describe("nothing touched outside configuration", () => {
  it("a write naming an address no cluster configures is a violation; configured ones are not", () => {
    const config = VfxtIpMoveConfigSchema.parse({
      clusters: [{ name: "vfxt-b", addresses: ["10.250.0.11"], routeTableIds: ["rtb-0af7c0de000000b01"] }],
    });
    const call = (operation: string, input: Record<string, unknown>) =>
      ({
        seq: 1,
        at: "",
        service: "ec2",
        operation,
        region: "us-east-1",
        requestId: "r",
        input,
        outcome: "ok",
      }) as const;
    expect(
      checkVfxtScope(
        [
          call("ReplaceRoute", {
            RouteTableId: "rtb-0af7c0de000000b01",
            DestinationCidrBlock: "10.250.0.11/32",
          }),
          call("ReplaceRoute", {
            RouteTableId: "rtb-0af7c0de000000b01",
            DestinationCidrBlock: "10.250.0.14/32",
          }),
          call("AssignPrivateIpAddresses", { PrivateIpAddresses: ["10.20.1.200"] }),
        ],
        config,
      ).map((v) => v.message),
    ).toEqual([
      "ReplaceRoute wrote 10.250.0.14, which no cluster configures",
      "AssignPrivateIpAddresses wrote 10.20.1.200, which no cluster configures",
    ]);
  });
});
