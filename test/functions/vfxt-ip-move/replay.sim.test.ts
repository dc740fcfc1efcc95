import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsCallError, VerificationError } from "../../../shared/runtime/errors";
import type { Harness } from "../../../sim/harness";
import type { Fixture } from "../../support/fixtures";
import { startHarness } from "../../support/harness";
import {
  A,
  addressesAfter,
  B,
  callsTo,
  EVENTS,
  ec2StateEvent,
  event,
  impair,
  operations,
  resultOf,
  routeAfter,
  setSecondaries,
  setState,
  terminate,
  vfxtEnv,
  vfxtFixture,
} from "./support";

/**
 * Replayed events through the real vfxt-ip-move handler against the simulated account
 * (test/fixtures/accounts/vfxt.json): the calls it makes with their parameters, the state after, the errors.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

const load = (edit: (f: Fixture) => void = () => undefined) => {
  const fixture = vfxtFixture();
  edit(fixture);
  return harness.load(fixture);
};

/** Membership, then the cluster's fresh reads (status checks, ENIs, limits, VPC blocks, subnets, holders). */
const OBSERVE_CLUSTER_A = [
  "ec2:DescribeInstances",
  "ec2:DescribeInstanceStatus",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeInstanceTypes",
  "ec2:DescribeVpcs",
  "ec2:DescribeSubnets",
  "ec2:DescribeNetworkInterfaces",
];

const assignCalls = (report: Parameters<typeof callsTo>[0]) =>
  callsTo(report, "AssignPrivateIpAddresses").map((c) => c.input);

/** Route writes in table order: the executor issues a few at a time, so their arrival order varies. */
const routeWrites = (report: Parameters<typeof callsTo>[0], operation: "ReplaceRoute" | "CreateRoute") =>
  callsTo(report, operation)
    .map((c) => c.input)
    .sort((a, b) =>
      `${a.RouteTableId} ${a.DestinationCidrBlock}` < `${b.RouteTableId} ${b.DestinationCidrBlock}` ? -1 : 1,
    );

const publishedDetails = (report: Parameters<typeof callsTo>[0]) =>
  callsTo(report, "PutEvents")
    .flatMap((c) => (c.input.Entries as Array<{ Detail: string; DetailType: string; Source: string }>) ?? [])
    .map((entry) => ({ ...entry, detail: JSON.parse(entry.Detail) as Record<string, unknown> }));

describe("vfxt-ip-move: a node stops (single subnet, secondary private IPs)", () => {
  it("moves its two addresses to the two healthy nodes, one AssignPrivateIpAddresses per target ENI", async () => {
    load((f) => setState(f, A.nodes[0], "stopping"));
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.stopping), { env: vfxtEnv() });
    const result = resultOf(report);
    expect(result.decision).toBe("move");
    expect(result.triggers).toEqual([expect.objectContaining({ resource: A.nodes[0], decision: "acting" })]);
    const ops = operations(report);
    expect(ops.slice(0, 7).sort()).toEqual([...OBSERVE_CLUSTER_A].sort());
    expect(ops).not.toContain("ec2:DescribeRouteTables"); // vfxt-a has no /32 addresses
    expect(assignCalls(report)).toEqual([
      { NetworkInterfaceId: A.enis[1], PrivateIpAddresses: ["10.20.1.101"], AllowReassignment: true },
      { NetworkInterfaceId: A.enis[2], PrivateIpAddresses: ["10.20.1.102"], AllowReassignment: true },
    ]);
    // Verified by reading the addresses back (the remap is asynchronous).
    const after = report.calls.slice(
      report.calls.findIndex((c) => c.operation === "AssignPrivateIpAddresses") + 2,
    );
    expect(after.filter((c) => c.operation === "DescribeNetworkInterfaces").length).toBeGreaterThanOrEqual(1);
    expect(after.at(-1)?.operation).toBe("PutEvents");
    expect(addressesAfter(report, A.enis[0])).toEqual(["10.20.1.11"]);
    expect(addressesAfter(report, A.enis[1])).toEqual([
      "10.20.1.12",
      "10.20.1.103",
      "10.20.1.104",
      "10.20.1.101",
    ]);
    expect(addressesAfter(report, A.enis[2])).toEqual([
      "10.20.1.13",
      "10.20.1.105",
      "10.20.1.106",
      "10.20.1.102",
    ]);
    expect(result.actions[0]?.resources.map((r) => r.status)).toEqual(["applied", "applied"]);
    expect(result.clusters[0]?.loads).toEqual({ [A.nodes[1]]: 3, [A.nodes[2]]: 3 });
    const events = publishedDetails(report);
    expect(events.map((e) => e.detail.action)).toEqual([
      "move-secondary-ip",
      "move-secondary-ip",
      "cluster-did-not-move",
    ]);
    // The cluster did not move them within its grace: its own failover is broken, and that pages.
    expect(events[2]?.detail).toMatchObject({
      status: "alarm",
      resources: ["10.20.1.101", "10.20.1.102"],
      details: { cluster: "vfxt-a", from: [A.nodes[0]] },
    });
    expect(events[0]).toMatchObject({
      Source: "ops-toolkit",
      DetailType: "Ops Toolkit Action",
      detail: {
        capability: "vfxt-ip-move",
        status: "applied",
        resources: [`arn:aws:ec2:us-east-1:123456789012:network-interface/${A.enis[1]}`],
        details: { cluster: "vfxt-a", address: "10.20.1.101", from: A.nodes[0], to: A.nodes[1] },
      },
    });
  });

  it("stopped (the address still on the stopped node's ENI) moves the same way", async () => {
    load((f) => setState(f, A.nodes[0], "stopped"));
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.stopped), { env: vfxtEnv() });
    expect(resultOf(report).decision).toBe("move");
    expect(addressesAfter(report, A.enis[0])).toEqual(["10.20.1.11"]);
  });

  it("duplicate event after the move: reads, finds every address on a healthy node, changes nothing", async () => {
    load((f) => setState(f, A.nodes[0], "stopping"));
    await harness.invoke("vfxt-ip-move", event(EVENTS.stopping), { env: vfxtEnv() });
    const again = await harness.invoke("vfxt-ip-move", event(EVENTS.stopping), { env: vfxtEnv() });
    expect(resultOf(again).decision).toBe("nothing-to-do");
    // The warm container knows the instance types already (described once per container).
    const reads = OBSERVE_CLUSTER_A.filter((op) => op !== "ec2:DescribeInstanceTypes");
    expect(operations(again).sort()).toEqual(reads.sort());
    expect(again.changes).toEqual([]);
  });

  it("a running node's event with rebalance off, or a foreign instance, or pending: no write", async () => {
    load();
    const running = await harness.invoke("vfxt-ip-move", event(EVENTS.running), { env: vfxtEnv() });
    expect(resultOf(running).decision).toBe("nothing-to-do");
    expect(assignCalls(running)).toEqual([]);
    const foreign = await harness.invoke("vfxt-ip-move", ec2StateEvent("i-0123456789abcdef0", "stopping"), {
      env: vfxtEnv(),
    });
    expect(resultOf(foreign).decision).toBe("ignored-not-a-cluster-node");
    // One cheap check for an instance of no cluster: the membership read, nothing else.
    expect(operations(foreign)).toEqual(["ec2:DescribeInstances"]);
    const pending = await harness.invoke("vfxt-ip-move", ec2StateEvent(A.nodes[0], "pending"), {
      env: vfxtEnv(),
    });
    expect(resultOf(pending).decision).toBe("ignored-state");
    expect(pending.calls).toEqual([]);
  });
});

describe("vfxt-ip-move: a node terminates (multi-AZ, /32 routes in several route tables)", () => {
  it("replaces the /32 route in every configured table with the least loaded healthy node's ENI", async () => {
    load((f) => terminate(f, B.nodes[0], B.enis[0]));
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.terminated), { env: vfxtEnv() });
    const result = resultOf(report);
    expect(result.decision).toBe("move");
    expect(routeWrites(report, "ReplaceRoute")).toEqual(
      B.tables.map((table) => ({
        RouteTableId: table,
        DestinationCidrBlock: "10.250.0.11/32",
        NetworkInterfaceId: B.enis[1],
        DryRun: false,
      })),
    );
    expect(callsTo(report, "DescribeRouteTables").map((c) => c.input.Filters)).toEqual([
      [{ Name: "route-table-id", Values: [...B.tables] }],
      [{ Name: "route-table-id", Values: [...B.tables] }],
    ]);
    expect(callsTo(report, "AssignPrivateIpAddresses")).toEqual([]);
    // The mode comes from the VPC's subnets and CIDR blocks, not from the nodes still alive.
    expect(callsTo(report, "DescribeSubnets")[0]?.input.Filters).toEqual([
      { Name: "vpc-id", Values: ["vpc-0af7c0de000000a00"] },
    ]);
    for (const table of B.tables) {
      expect(routeAfter(report, table, "10.250.0.11/32")).toEqual({
        Target: B.enis[1],
        Origin: "CreateRoute",
        State: "active",
      });
      expect(routeAfter(report, table, "10.250.0.12/32")?.Target).toBe(B.enis[1]);
      expect(routeAfter(report, table, "10.250.0.13/32")?.Target).toBe(B.enis[2]);
    }
    expect(result.actions[0]?.resources).toHaveLength(4);
    expect(result.actions[0]?.resources.every((r) => r.status === "applied")).toBe(true);
    expect(publishedDetails(report).map((e) => e.detail.action)).toEqual([
      ...Array(4).fill("move-route"),
      "cluster-did-not-move",
    ]);
  });

  it("shutting-down: the routes are blackholes already; moved the same way", async () => {
    load((f) => setState(f, B.nodes[0], "shutting-down"));
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.shuttingDown), { env: vfxtEnv() });
    expect(resultOf(report).decision).toBe("move");
    expect(callsTo(report, "ReplaceRoute")).toHaveLength(4);
  });

  it("a table that lost the route gets it back with CreateRoute", async () => {
    load((f) => {
      terminate(f, B.nodes[0], B.enis[0]);
      const table = f.routeTables.find((t) => t.id === B.tables[3]);
      if (table)
        table.routes = (table.routes ?? []).filter((r) => r.destinationCidrBlock !== "10.250.0.11/32");
    });
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.terminated), { env: vfxtEnv() });
    expect(resultOf(report).decision).toBe("move");
    expect(routeWrites(report, "ReplaceRoute").map((input) => input.RouteTableId)).toEqual(
      B.tables.slice(0, 3),
    );
    expect(routeWrites(report, "CreateRoute")).toEqual([
      {
        RouteTableId: B.tables[3],
        DestinationCidrBlock: "10.250.0.11/32",
        NetworkInterfaceId: B.enis[1],
        DryRun: false,
      },
    ]);
    expect(routeAfter(report, B.tables[3], "10.250.0.11/32")).toMatchObject({
      Target: B.enis[1],
      State: "active",
    });
  });

  it("dry-run: ReplaceRoute with DryRun proves the permission, nothing changes", async () => {
    load((f) => terminate(f, B.nodes[0], B.enis[0]));
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.terminated), {
      env: vfxtEnv({ mode: "dry-run" }),
    });
    const result = resultOf(report);
    expect(callsTo(report, "ReplaceRoute").every((c) => c.input.DryRun === true)).toBe(true);
    expect(callsTo(report, "ReplaceRoute").every((c) => c.error?.code === "DryRunOperation")).toBe(true);
    expect(result.actions[0]?.resources.every((r) => r.status === "permitted")).toBe(true);
    expect(report.changes).toEqual([]);
    expect(callsTo(report, "PutEvents")).toEqual([]);
  });
});

describe("vfxt-ip-move: status-check alarm", () => {
  it("a running node whose status checks are impaired is unhealthy: its addresses move", async () => {
    load((f) => impair(f, A.nodes[1]));
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.statusAlarm), { env: vfxtEnv() });
    const result = resultOf(report);
    expect(result.decision).toBe("move");
    expect(result.triggers).toEqual([expect.objectContaining({ resource: A.nodes[1], decision: "acting" })]);
    expect(assignCalls(report)).toEqual([
      { NetworkInterfaceId: A.enis[0], PrivateIpAddresses: ["10.20.1.103"], AllowReassignment: true },
      { NetworkInterfaceId: A.enis[2], PrivateIpAddresses: ["10.20.1.104"], AllowReassignment: true },
    ]);
    expect(addressesAfter(report, A.enis[1])).toEqual(["10.20.1.12"]);
  });

  it.each([
    ["SNS", EVENTS.statusAlarmSns],
    ["Lambda alarm action", EVENTS.statusAlarmLambdaAction],
  ])("the %s shape of the same alarm change moves the same addresses", async (_shape, path) => {
    load((f) => impair(f, A.nodes[1]));
    const report = await harness.invoke("vfxt-ip-move", event(path), { env: vfxtEnv() });
    expect(resultOf(report).decision).toBe("move");
    expect(assignCalls(report).map((c) => c.PrivateIpAddresses)).toEqual([["10.20.1.103"], ["10.20.1.104"]]);
  });

  it("the alarm back to OK with rebalance off: nothing moves back", async () => {
    load((f) => {
      setSecondaries(f, A.enis[0], ["10.20.1.101", "10.20.1.102", "10.20.1.103"]);
      setSecondaries(f, A.enis[1], []);
      setSecondaries(f, A.enis[2], ["10.20.1.104", "10.20.1.105", "10.20.1.106"]);
    });
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.statusAlarmOk), { env: vfxtEnv() });
    expect(resultOf(report).decision).toBe("nothing-to-do");
    expect(assignCalls(report)).toEqual([]);
  });

  it("an alarm of another prefix is ignored without any call", async () => {
    load();
    const report = await harness.invoke(
      "vfxt-ip-move",
      event(EVENTS.statusAlarm, (e) => {
        (e.detail as Record<string, unknown>).alarmName = "someone-else-alarm";
      }),
      { env: vfxtEnv() },
    );
    expect(resultOf(report).decision).toBe("ignored-foreign-alarm");
    expect(report.calls).toEqual([]);
  });
});

describe("vfxt-ip-move: several failures", () => {
  it("two nodes fail at once: all four addresses go to the last healthy node", async () => {
    load((f) => {
      setState(f, A.nodes[0], "stopped");
      setState(f, A.nodes[1], "stopping");
    });
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.stopping), { env: vfxtEnv() });
    expect(resultOf(report).decision).toBe("move");
    expect(assignCalls(report)).toEqual([
      {
        NetworkInterfaceId: A.enis[2],
        PrivateIpAddresses: ["10.20.1.101", "10.20.1.102", "10.20.1.103", "10.20.1.104"],
        AllowReassignment: true,
      },
    ]);
    expect(addressesAfter(report, A.enis[2])).toEqual([
      "10.20.1.13",
      "10.20.1.105",
      "10.20.1.106",
      "10.20.1.101",
      "10.20.1.102",
      "10.20.1.103",
      "10.20.1.104",
    ]);
  });

  it("the last healthy node fails: nothing moves, no-healthy-node is reported (event, decision)", async () => {
    load((f) => {
      setState(f, A.nodes[0], "stopped");
      setState(f, A.nodes[1], "stopped");
      setState(f, A.nodes[2], "stopping");
    });
    const report = await harness.invoke("vfxt-ip-move", ec2StateEvent(A.nodes[2], "stopping"), {
      env: vfxtEnv(),
    });
    const result = resultOf(report);
    expect(result.decision).toBe("no-healthy-node");
    expect(assignCalls(report)).toEqual([]);
    expect(report.changes.filter((c) => c.resourceType === "networkInterfaces")).toEqual([]);
    expect(result.skips.map((s) => s.reason)).toEqual(Array(6).fill("no-healthy-node"));
    const events = publishedDetails(report);
    expect(events).toHaveLength(1);
    expect(events[0]?.detail).toMatchObject({
      capability: "vfxt-ip-move",
      action: "no-healthy-node",
      status: "alarm",
      resources: [...A.addresses],
      details: { cluster: "vfxt-a" },
    });
  });

  it("limits leave no room: every healthy ENI is at Ipv4AddressesPerInterface, nothing is called", async () => {
    load((f) => {
      setState(f, A.nodes[0], "stopping");
      f.instanceTypes = [
        {
          name: "m5.xlarge",
          memoryMiB: 16384,
          vcpus: 4,
          maximumNetworkInterfaces: 4,
          ipv4AddressesPerInterface: 3,
        },
      ];
    });
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.stopping), { env: vfxtEnv() });
    const result = resultOf(report);
    expect(result.decision).toBe("partial");
    expect(assignCalls(report)).toEqual([]);
    expect(result.skips).toEqual([
      expect.objectContaining({ resource: "10.20.1.101", reason: "no-capacity" }),
      expect.objectContaining({ resource: "10.20.1.102", reason: "no-capacity" }),
    ]);
  });

  it("limits leave room for one: one address moves, the other is reported", async () => {
    load((f) => {
      setState(f, A.nodes[0], "stopping");
      // a02 full (primary + 3); a03 holds one address of someone else's beside its own: room for one.
      setSecondaries(f, A.enis[1], ["10.20.1.103", "10.20.1.104", "10.20.1.106"]);
      setSecondaries(f, A.enis[2], ["10.20.1.105", "10.20.1.150"]);
      f.instanceTypes = [
        {
          name: "m5.xlarge",
          memoryMiB: 16384,
          vcpus: 4,
          maximumNetworkInterfaces: 4,
          ipv4AddressesPerInterface: 4,
        },
      ];
    });
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.stopping), { env: vfxtEnv() });
    expect(resultOf(report).decision).toBe("partial");
    expect(assignCalls(report)).toEqual([
      { NetworkInterfaceId: A.enis[2], PrivateIpAddresses: ["10.20.1.101"], AllowReassignment: true },
    ]);
    expect(resultOf(report).skips).toEqual([
      expect.objectContaining({ resource: "10.20.1.102", reason: "no-capacity" }),
    ]);
  });

  it("maxAddressesPerInvocation bounds the blast radius", async () => {
    load((f) => setState(f, A.nodes[0], "stopping"));
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.stopping), {
      env: vfxtEnv({ maxAddressesPerInvocation: 1 }),
    });
    expect(assignCalls(report)).toEqual([
      { NetworkInterfaceId: A.enis[1], PrivateIpAddresses: ["10.20.1.101"], AllowReassignment: true },
    ]);
    expect(resultOf(report).skips).toEqual([
      expect.objectContaining({ resource: "10.20.1.102", reason: "max-addresses-per-invocation" }),
    ]);
  });
});

describe("vfxt-ip-move: the remap is asynchronous", () => {
  it("remap delay then verification: the executor reads until the address is on the target and gone from the source", async () => {
    load((f) => {
      setState(f, A.nodes[0], "stopping");
      f.behaviour = { privateIpRemapMs: 1200 };
    });
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.stopping), { env: vfxtEnv() });
    const result = resultOf(report);
    expect(result.decision).toBe("move");
    const firstAssign = report.calls.findIndex((c) => c.operation === "AssignPrivateIpAddresses");
    const reads = report.calls.slice(firstAssign).filter((c) => c.operation === "DescribeNetworkInterfaces");
    expect(reads.length).toBeGreaterThanOrEqual(3);
    expect(reads[0]?.input.Filters).toEqual([
      { Name: "vpc-id", Values: ["vpc-0af7c0de000000a00"] },
      { Name: "addresses.private-ip-address", Values: ["10.20.1.101", "10.20.1.102"] },
    ]);
    // The first read still shows the addresses on the stopping node.
    const firstRead = (reads[0]?.output?.NetworkInterfaces ?? []) as Array<{ NetworkInterfaceId: string }>;
    const firstHolders = firstRead.map((n) => n.NetworkInterfaceId);
    expect(firstHolders).toEqual([A.enis[0]]);
    expect(result.actions[0]?.resources.every((r) => r.status === "applied")).toBe(true);
    expect(addressesAfter(report, A.enis[0])).toEqual(["10.20.1.11"]);
  });

  it("remap slower than verifyTimeoutMs: unverified → VerificationError (retried); the retry converges without moving again", async () => {
    const account = load((f) => {
      setState(f, A.nodes[0], "stopping");
      f.behaviour = { privateIpRemapMs: 2500 };
    });
    const first = await harness.invoke("vfxt-ip-move", event(EVENTS.stopping), {
      env: vfxtEnv({ verifyTimeoutMs: 300 }),
    });
    expect(first.error).toBeInstanceOf(VerificationError);
    expect((first.error as VerificationError).retryable).toBe(true);
    expect(callsTo(first, "AssignPrivateIpAddresses")).toHaveLength(2);
    account.advance(2500);
    const retry = await harness.invoke("vfxt-ip-move", event(EVENTS.stopping), {
      env: vfxtEnv({ verifyTimeoutMs: 300 }),
    });
    expect(resultOf(retry).decision).toBe("nothing-to-do");
    expect(callsTo(retry, "AssignPrivateIpAddresses")).toEqual([]);
    expect(addressesAfter(retry, A.enis[1])).toContain("10.20.1.101");
  });
});

describe("vfxt-ip-move: AWS refusals", () => {
  it("throttling that outlives the retries: AwsCallError, retryable (Lambda retries the event)", async () => {
    load((f) => {
      setState(f, A.nodes[0], "stopping");
      f.faults = [
        { service: "ec2", operation: "AssignPrivateIpAddresses", error: { code: "RequestLimitExceeded" } },
      ];
    });
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.stopping), {
      env: vfxtEnv({ aws: { maxAttempts: 2 } }),
    });
    expect(report.error).toBeInstanceOf(AwsCallError);
    expect((report.error as AwsCallError).retryable).toBe(true);
    expect((report.error as AwsCallError).context).toMatchObject({
      operation: "AssignPrivateIpAddresses",
      code: "RequestLimitExceeded",
    });
    // Both target ENIs were written at once, each call tried twice by the SDK (maxAttempts 2).
    expect(callsTo(report, "AssignPrivateIpAddresses")).toHaveLength(4);
  });

  it("a refusal (PrivateIpAddressLimitExceeded) is reported failed for that ENI's addresses; the other ENI's go ahead", async () => {
    load((f) => {
      setState(f, A.nodes[0], "stopping");
      f.faults = [
        {
          service: "ec2",
          operation: "AssignPrivateIpAddresses",
          error: {
            code: "PrivateIpAddressLimitExceeded",
            message: "Number of private addresses will exceed limit.",
          },
          times: 1,
        },
      ];
    });
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.stopping), { env: vfxtEnv() });
    const result = resultOf(report);
    expect(result.actions[0]?.resources).toEqual([
      expect.objectContaining({
        resource: "10.20.1.101",
        status: "failed",
        code: "PrivateIpAddressLimitExceeded",
      }),
      expect.objectContaining({ resource: "10.20.1.102", status: "applied" }),
    ]);
    expect(addressesAfter(report, A.enis[0])).toEqual(["10.20.1.11", "10.20.1.101"]);
  });
});

describe("vfxt-ip-move: reconcile", () => {
  it("fixes an address left on a stopped node and a blackholed /32 route, in both clusters", async () => {
    load((f) => {
      setState(f, A.nodes[2], "stopped");
      setState(f, B.nodes[1], "stopped");
    });
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.reconcile), { env: vfxtEnv() });
    const result = resultOf(report);
    expect(result.decision).toBe("move");
    expect(result.clusters.map((c) => [c.name, c.decision])).toEqual([
      ["vfxt-a", "move"],
      ["vfxt-b", "move"],
    ]);
    expect(routeAfter(report, B.tables[0], "10.250.0.12/32")).toEqual({
      Target: B.enis[0],
      Origin: "CreateRoute",
      State: "active",
    });
    expect(report.before.routeTables).toMatchObject({
      [B.tables[0]]: { Routes: { "10.250.0.12/32": { State: "blackhole" } } },
    });
    expect(assignCalls(report)).toEqual([
      { NetworkInterfaceId: A.enis[0], PrivateIpAddresses: ["10.20.1.105"], AllowReassignment: true },
      { NetworkInterfaceId: A.enis[1], PrivateIpAddresses: ["10.20.1.106"], AllowReassignment: true },
    ]);
    expect(addressesAfter(report, A.enis[2])).toEqual(["10.20.1.13"]);
  });

  it("both clusters are in one VPC: one DescribeVpcs and one DescribeSubnets for the round", async () => {
    load();
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.reconcile), { env: vfxtEnv() });
    expect(resultOf(report).clusters.map((c) => c.name)).toEqual(["vfxt-a", "vfxt-b"]);
    expect(callsTo(report, "DescribeInstanceStatus")).toHaveLength(2);
    expect(callsTo(report, "DescribeVpcs").map((c) => c.input)).toEqual([
      { VpcIds: ["vpc-0af7c0de000000a00"] },
    ]);
    expect(callsTo(report, "DescribeSubnets")).toHaveLength(1);
  });

  it("an address on no node (unassigned) is given to the least loaded node", async () => {
    load((f) => setSecondaries(f, A.enis[0], ["10.20.1.101"]));
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.reconcile), { env: vfxtEnv() });
    expect(assignCalls(report)).toEqual([
      { NetworkInterfaceId: A.enis[0], PrivateIpAddresses: ["10.20.1.102"], AllowReassignment: true },
    ]);
  });

  it("an address held by a foreign ENI is never taken", async () => {
    load((f) => {
      setSecondaries(f, A.enis[0], ["10.20.1.101"]);
      f.networkInterfaces.push({
        id: "eni-0f00000000000a0ff",
        subnetId: "subnet-0af7c0de000000a01",
        privateIpAddress: "10.20.1.50",
        secondaryPrivateIpAddresses: ["10.20.1.102"],
        tags: { Name: "someone else" },
      });
    });
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.reconcile), { env: vfxtEnv() });
    expect(assignCalls(report)).toEqual([]);
    expect(resultOf(report).skips).toEqual([
      expect.objectContaining({ resource: "10.20.1.102", reason: "held-by-foreign-eni" }),
    ]);
  });

  it("a healthy cluster: reads only, no write", async () => {
    load();
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.reconcile), { env: vfxtEnv() });
    expect(resultOf(report).decision).toBe("nothing-to-do");
    expect(report.calls.every((c) => /^(Describe|Get)/.test(c.operation))).toBe(true);
  });
});

describe("vfxt-ip-move: a node returns", () => {
  const afterFailover = (f: Fixture) => {
    setSecondaries(f, A.enis[0], []);
    setSecondaries(f, A.enis[1], ["10.20.1.101", "10.20.1.103", "10.20.1.104"]);
    setSecondaries(f, A.enis[2], ["10.20.1.102", "10.20.1.105", "10.20.1.106"]);
  };

  it("rebalance off (default): nothing moves back", async () => {
    load(afterFailover);
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.running), { env: vfxtEnv() });
    expect(resultOf(report).decision).toBe("nothing-to-do");
    expect(assignCalls(report)).toEqual([]);
  });

  it("rebalance on: addresses move from the most loaded nodes until loads differ by at most one", async () => {
    load(afterFailover);
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.running), {
      env: vfxtEnv({ rebalance: true }),
    });
    const result = resultOf(report);
    expect(result.decision).toBe("move");
    expect(assignCalls(report)).toEqual([
      {
        NetworkInterfaceId: A.enis[0],
        PrivateIpAddresses: ["10.20.1.104", "10.20.1.106"],
        AllowReassignment: true,
      },
    ]);
    expect(result.clusters[0]?.loads).toEqual({ [A.nodes[0]]: 2, [A.nodes[1]]: 2, [A.nodes[2]]: 2 });
    expect(result.clusters[0]?.moves.map((m) => m.reason)).toEqual(["rebalance", "rebalance"]);
    expect(addressesAfter(report, A.enis[0])).toEqual(["10.20.1.11", "10.20.1.104", "10.20.1.106"]);
    expect(addressesAfter(report, A.enis[1])).toEqual(["10.20.1.12", "10.20.1.101", "10.20.1.103"]);
  });

  it("rebalance on, /32 mode: a route moves back to the returned node", async () => {
    load((f) => {
      for (const table of f.routeTables) {
        for (const route of table.routes ?? [])
          if (route.destinationCidrBlock === "10.250.0.11/32") route.target = B.enis[1];
      }
    });
    const report = await harness.invoke("vfxt-ip-move", ec2StateEvent(B.nodes[0], "running"), {
      env: vfxtEnv({ rebalance: true }),
    });
    expect(resultOf(report).decision).toBe("move");
    expect(
      routeWrites(report, "ReplaceRoute").map((c) => [
        c.RouteTableId,
        c.DestinationCidrBlock,
        c.NetworkInterfaceId,
      ]),
    ).toEqual(B.tables.map((t) => [t, "10.250.0.12/32", B.enis[0]]));
  });
});

describe("vfxt-ip-move: every vfxt event against the demo account (vfxt-a node 1 stopped, vfxt-b node 1 terminated)", () => {
  it.each(Object.entries(EVENTS))(
    "%s: handled without error (decision move or nothing-to-do)",
    async (_name, path) => {
      harness.load("events/accounts/demo.json");
      const report = await harness.invoke("vfxt-ip-move", event(path), { env: vfxtEnv() });
      const result = resultOf(report);
      expect(["move", "nothing-to-do"]).toContain(result.decision);
      expect(report.calls.filter((c) => c.outcome === "error")).toEqual([]);
    },
  );
});

describe("vfxt-ip-move: configuration", () => {
  it("no cluster configured: logs and does nothing", async () => {
    load((f) => setState(f, A.nodes[0], "stopping"));
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.stopping));
    expect(resultOf(report).decision).toBe("no-clusters-configured");
    expect(report.calls).toEqual([]);
  });

  it("dry-run, secondary mode: AssignPrivateIpAddresses has no DryRun, so it is not called; moves reported planned", async () => {
    load((f) => setState(f, A.nodes[0], "stopping"));
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.stopping), {
      env: vfxtEnv({ mode: "dry-run" }),
    });
    const result = resultOf(report);
    expect(result.mode).toBe("dry-run");
    expect(result.actions[0]?.resources).toEqual([
      expect.objectContaining({
        resource: "10.20.1.101",
        status: "planned",
        detail: expect.stringContaining("no DryRun"),
      }),
      expect.objectContaining({ resource: "10.20.1.102", status: "planned" }),
    ]);
    expect(report.calls.every((c) => /^Describe/.test(c.operation))).toBe(true);
    expect(report.changes).toEqual([]);
  });

  it.each([
    [
      "an Auto Scaling lifecycle action",
      "events/samples/autoscaling.ec2-instance-launch-lifecycle-action.docs-template.json",
    ],
    ["a malformed event", undefined],
  ])("%s: rejected as an invalid event, no AWS call, not retried", async (_case, path) => {
    load();
    const raw = path === undefined ? { hello: "world" } : event(path);
    const report = await harness.invoke("vfxt-ip-move", raw, { env: vfxtEnv() });
    const result = resultOf(report) as unknown as { decision: string; error: { kind: string } };
    expect(result.decision).toBe("rejected");
    expect(result.error.kind).toBe("invalid-event");
    expect(report.calls).toEqual([]);
  });

  it("plan mode: computes the moves, calls nothing that writes", async () => {
    load((f) => setState(f, A.nodes[0], "stopping"));
    const report = await harness.invoke("vfxt-ip-move", event(EVENTS.stopping), {
      env: vfxtEnv({ mode: "plan" }),
    });
    const result = resultOf(report);
    expect(result.decision).toBe("move");
    expect(result.actions[0]?.resources.map((r) => r.status)).toEqual(["planned", "planned"]);
    expect(report.calls.every((c) => /^Describe/.test(c.operation))).toBe(true);
  });
});
