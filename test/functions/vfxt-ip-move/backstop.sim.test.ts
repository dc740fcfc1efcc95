import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../sim/harness";
import { checkVfxtInvariants } from "../../../tools/chaos/invariants/vfxt-ip-move";
import { type Fixture, instanceOf } from "../../support/fixtures";
import { startHarness } from "../../support/harness";
import {
  A,
  addressesAfter,
  atTime,
  B,
  callsTo,
  clusterCall,
  EVENTS,
  ec2StateEvent,
  event,
  functionCalls,
  resultOf,
  START,
  setState,
  terminate,
  untilHandlerSleeps,
  vfxtConfig,
  vfxtEnv,
  vfxtFixture,
} from "./support";

/**
 * The function is the cluster's backstop (issue 11 §1–2), on simulated time: the cluster software moves a
 * failed node's addresses itself; the function waits the cluster's grace, reads again, and moves only what
 * is still on no healthy node. Healthy = running, status checks ok, out of the boot grace.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const GRACE = 60;
/** Long enough for the grace, the moves and the read-back. */
const TIMEOUT = { timeoutMs: 300_000 };

/** vfxt-a with node 1 stopped at START (EC2: "User initiated (… GMT)"), the clock `afterMs` later. */
const stoppedAt = (afterMs: number, edit: (f: Fixture) => void = () => undefined) => {
  const account = harness.load(
    vfxtFixture((f) => {
      setState(f, A.nodes[0], "stopped");
      edit(f);
    }),
    { now: new Date(START) },
  );
  harness.advance(afterMs);
  return account;
};

const stoppedEvent = (instanceId: string = A.nodes[0]) => atTime(ec2StateEvent(instanceId, "stopped"), START);
const env = (cluster: Record<string, unknown> = {}) => vfxtEnv({ graceSeconds: GRACE, cluster });

describe("vfxt-ip-move: the cluster's grace", () => {
  it("cluster moves the address itself inside the grace → the function does nothing", async () => {
    stoppedAt(5000);
    const run = harness.invoke("vfxt-ip-move", stoppedEvent(), { env: env(), ...TIMEOUT });
    await untilHandlerSleeps(harness);
    await harness.clock.sleep(15_000); // t0 + 20 s: the cluster moves node 1's addresses to node 2
    await clusterCall(harness, "AssignPrivateIpAddresses", {
      NetworkInterfaceId: A.enis[1],
      PrivateIpAddresses: ["10.20.1.101", "10.20.1.102"],
      AllowReassignment: true,
    });
    const report = await run;
    const result = resultOf(report);
    expect(result.decision).toBe("nothing-to-do");
    // It read at t0 + 5 s, waited for the grace and the remap time, read again at t0 + 65 s: they had moved.
    expect(result.waitedMs).toBeGreaterThan(0);
    const reads = callsTo(functionCalls(report), "DescribeInstances").map((c) => Date.parse(c.at) - START);
    expect(reads).toEqual([5000, 65_000]);
    expect(callsTo(functionCalls(report), "AssignPrivateIpAddresses")).toEqual([]);
    expect(addressesAfter(report, A.enis[1])).toEqual([
      "10.20.1.12",
      "10.20.1.103",
      "10.20.1.104",
      "10.20.1.101",
      "10.20.1.102",
    ]);
    expect(checkVfxtInvariants(harness.account.state(), vfxtConfig({ graceSeconds: GRACE }))).toEqual([]);
  });

  it("grace elapsed (the cluster could not reach EC2) → the function moves, not before", async () => {
    stoppedAt(5000);
    const report = await harness.invoke("vfxt-ip-move", stoppedEvent(), { env: env(), ...TIMEOUT });
    const result = resultOf(report);
    expect(result.decision).toBe("move");
    expect(result.waitedMs).toBe(60_000); // the grace, then the 5 s a last-moment move of the cluster takes to show
    const assigns = callsTo(report, "AssignPrivateIpAddresses");
    expect(assigns.map((c) => c.input.PrivateIpAddresses)).toEqual([["10.20.1.101"], ["10.20.1.102"]]);
    for (const call of assigns)
      expect(Date.parse(call.at)).toBeGreaterThanOrEqual(START + (GRACE + 5) * 1000);
    expect(addressesAfter(report, A.enis[0])).toEqual(["10.20.1.11"]);
    expect(checkVfxtInvariants(harness.account.state(), vfxtConfig({ graceSeconds: GRACE }))).toEqual([]);
  });

  it("an event delivered after the grace: moves at once, without waiting", async () => {
    stoppedAt(90_000);
    const report = await harness.invoke("vfxt-ip-move", stoppedEvent(), { env: env(), ...TIMEOUT });
    expect(resultOf(report).decision).toBe("move");
    expect(resultOf(report).waitedMs).toBe(0);
  });

  it("the invocation's deadline leaves no room to wait: nothing moves, the reconcile will (waiting-for-cluster)", async () => {
    stoppedAt(5000);
    const report = await harness.invoke("vfxt-ip-move", stoppedEvent(), { env: env(), timeoutMs: 30_000 });
    const result = resultOf(report);
    expect(result.decision).toBe("waiting-for-cluster");
    expect(result.skips.map((s) => [s.resource, s.reason])).toEqual([
      ["10.20.1.101", "within-grace"],
      ["10.20.1.102", "within-grace"],
    ]);
    expect(callsTo(report, "AssignPrivateIpAddresses")).toEqual([]);
  });

  it("the cluster moves half the addresses during the grace: the function moves only the other half", async () => {
    stoppedAt(5000);
    const run = harness.invoke("vfxt-ip-move", stoppedEvent(), { env: env(), ...TIMEOUT });
    await untilHandlerSleeps(harness);
    await harness.clock.sleep(10_000);
    await clusterCall(harness, "AssignPrivateIpAddresses", {
      NetworkInterfaceId: A.enis[2],
      PrivateIpAddresses: ["10.20.1.101"],
      AllowReassignment: true,
    });
    const report = await run;
    expect(callsTo(functionCalls(report), "AssignPrivateIpAddresses").map((c) => c.input)).toEqual([
      { NetworkInterfaceId: A.enis[1], PrivateIpAddresses: ["10.20.1.102"], AllowReassignment: true },
    ]);
  });
});

describe("vfxt-ip-move: one writer that waits serves every cluster", () => {
  it("after waiting cluster A's grace, the next round covers cluster B too (its own events are throttled meanwhile)", async () => {
    stoppedAt(5000, (f) => {
      terminate(f, B.nodes[0], B.enis[0]);
      instanceOf(f, B.nodes[0]).stateSince = new Date(START - 120_000).toISOString();
    });
    const report = await harness.invoke("vfxt-ip-move", stoppedEvent(), { env: env(), ...TIMEOUT });
    const result = resultOf(report);
    expect(result.waitedMs).toBeGreaterThan(0);
    expect(result.clusters.map((c) => [c.name, c.decision])).toEqual([
      ["vfxt-a", "move"],
      ["vfxt-b", "move"],
    ]);
    const routes = callsTo(report, "ReplaceRoute").map((c) => c.input.DestinationCidrBlock);
    expect(new Set(routes)).toEqual(new Set(["10.250.0.11/32"]));
  });
});

describe("vfxt-ip-move: health is running, status checks ok and out of the boot grace", () => {
  it("node just started (status initializing) → not a target: the addresses go to the other node only", async () => {
    // Node 3 started 20 s before t0; its checks stay initializing for 10 min (the status waiter's budget).
    stoppedAt(90_000, (f) => {
      f.behaviour.statusInitializingMs = 600_000;
      const node3 = f.instances.find((i) => i.id === A.nodes[2]);
      if (node3 !== undefined) node3.launchTime = new Date(START - 20_000).toISOString();
    });
    const report = await harness.invoke("vfxt-ip-move", stoppedEvent(), { env: env(), ...TIMEOUT });
    const status = callsTo(report, "DescribeInstanceStatus")[0];
    expect(status?.input).toEqual({ InstanceIds: [...A.nodes], IncludeAllInstances: true });
    expect(callsTo(report, "AssignPrivateIpAddresses").map((c) => c.input)).toEqual([
      {
        NetworkInterfaceId: A.enis[1],
        PrivateIpAddresses: ["10.20.1.101", "10.20.1.102"],
        AllowReassignment: true,
      },
    ]);
    expect(resultOf(report).clusters[0]?.healthy).toEqual([A.nodes[1]]);
  });

  it("status checks ok but inside the boot grace → not a target either", async () => {
    // Every node (re)started 200 s before t0: checks ok after 120 s, the 300 s boot grace runs until t0 + 100 s.
    stoppedAt(90_000, (f) => {
      for (const node of f.instances) node.launchTime = new Date(START - 200_000).toISOString();
    });
    const report = await harness.invoke("vfxt-ip-move", stoppedEvent(), { env: env(), ...TIMEOUT });
    expect(resultOf(report).decision).toBe("no-healthy-node");
    expect(callsTo(report, "AssignPrivateIpAddresses")).toEqual([]);
  });

  it("the first node back after every node was down: no target in its boot grace; the first reconcile after it moves every address to it", async () => {
    // Nodes 2 and 3 stopped long ago with node 1; node 1 started 200 s before t0 (checks ok after 120 s,
    // boot grace until t0 + 100 s). No event marks the end of the boot grace: the reconcile finds it.
    stoppedAt(90_000, (f) => {
      setState(f, A.nodes[1], "stopped");
      setState(f, A.nodes[2], "stopped");
      const node1 = f.instances.find((i) => i.id === A.nodes[0]);
      if (node1 !== undefined) {
        node1.state = "running";
        node1.launchTime = new Date(START - 200_000).toISOString();
      }
    });
    const early = await harness.invoke("vfxt-ip-move", atTime(event(EVENTS.reconcile), START + 90_000), {
      env: env(),
      ...TIMEOUT,
    });
    expect(resultOf(early).decision).toBe("no-healthy-node");
    harness.advance(300_000);
    const report = await harness.invoke("vfxt-ip-move", atTime(event(EVENTS.reconcile), START + 390_000), {
      env: env(),
      ...TIMEOUT,
    });
    expect(resultOf(report).decision).toBe("move");
    expect(resultOf(report).clusters[0]?.healthy).toEqual([A.nodes[0]]);
    expect(addressesAfter(report, A.enis[0])).toEqual([
      "10.20.1.11",
      "10.20.1.101",
      "10.20.1.102",
      "10.20.1.103",
      "10.20.1.104",
      "10.20.1.105",
      "10.20.1.106",
    ]);
  });

  it("impaired → its addresses move after the grace (counted from ImpairedSince); insufficient-data → they stay", async () => {
    const account = harness.load(vfxtFixture(), { now: new Date(START) });
    account.setInstanceStatus(A.nodes[1], { instance: "impaired" });
    account.setInstanceStatus(A.nodes[2], { system: "insufficient-data" });
    harness.advance(66_000);
    const report = await harness.invoke("vfxt-ip-move", atTime(event(EVENTS.statusAlarm), START), {
      env: env(),
      ...TIMEOUT,
    });
    const result = resultOf(report);
    expect(result.waitedMs).toBe(0);
    expect(callsTo(report, "AssignPrivateIpAddresses").map((c) => c.input)).toEqual([
      {
        NetworkInterfaceId: A.enis[0],
        PrivateIpAddresses: ["10.20.1.103", "10.20.1.104"],
        AllowReassignment: true,
      },
    ]);
    expect(result.clusters[0]?.skips).toEqual([
      expect.objectContaining({ resource: "10.20.1.105", reason: "holder-unproven" }),
      expect.objectContaining({ resource: "10.20.1.106", reason: "holder-unproven" }),
    ]);
    expect(addressesAfter(report, A.enis[2])).toEqual(["10.20.1.13", "10.20.1.105", "10.20.1.106"]);
  });

  it("a node terminated over an hour ago (unknown to DescribeInstanceStatus, still listed) → its checks are not asked; its addresses move", async () => {
    harness.load(
      vfxtFixture((f) => {
        terminate(f, A.nodes[0], A.enis[0]);
        instanceOf(f, A.nodes[0]).stateSince = new Date(START - 2 * 3_600_000).toISOString();
      }),
      { now: new Date(START) },
    );
    const report = await harness.invoke("vfxt-ip-move", atTime(event(EVENTS.reconcile), START), {
      env: env(),
      ...TIMEOUT,
    });
    expect(report.error).toBeUndefined();
    expect(resultOf(report).decision).toBe("move");
    const asked = callsTo(report, "DescribeInstanceStatus").flatMap((c) => c.input.InstanceIds as string[]);
    expect(asked).toContain(A.nodes[1]);
    expect(asked).not.toContain(A.nodes[0]);
    expect(
      callsTo(report, "AssignPrivateIpAddresses")
        .flatMap((c) => c.input.PrivateIpAddresses as string[])
        .sort(),
    ).toEqual(["10.20.1.101", "10.20.1.102"]);
    expect(checkVfxtInvariants(harness.account.state(), vfxtConfig({ graceSeconds: GRACE }))).toEqual([]);
  });

  it("the cluster's home node is used while healthy, even when another node is less loaded", async () => {
    stoppedAt(90_000);
    const homes = { "10.20.1.101": A.nodes[2], "10.20.1.102": A.nodes[2] };
    const report = await harness.invoke("vfxt-ip-move", stoppedEvent(), {
      env: env({ homeNodes: homes }),
      ...TIMEOUT,
    });
    expect(callsTo(report, "AssignPrivateIpAddresses").map((c) => c.input)).toEqual([
      {
        NetworkInterfaceId: A.enis[2],
        PrivateIpAddresses: ["10.20.1.101", "10.20.1.102"],
        AllowReassignment: true,
      },
    ]);
  });
});
