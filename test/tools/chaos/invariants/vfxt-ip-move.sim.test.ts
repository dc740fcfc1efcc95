import { describe, expect, it } from "vitest";
import { parseFixture, SimulatedAccount } from "../../../../sim";
import {
  checkVfxtInvariants,
  checkVfxtMoves,
  vfxtView,
} from "../../../../tools/chaos/invariants/vfxt-ip-move";
import {
  A,
  B,
  START,
  setState,
  terminate,
  vfxtConfig,
  vfxtFixture,
} from "../../../functions/vfxt-ip-move/support";
import type { Fixture } from "../../../support/fixtures";

/** The vfxt-ip-move invariant checker finds each violation it is meant to find, and none in a healthy account. */

const account = (edit: (f: Fixture) => void = () => undefined) =>
  SimulatedAccount.fromFixture(parseFixture(vfxtFixture(edit), "vfxt"));

const config = vfxtConfig();
const check = (a: SimulatedAccount, settled = true) =>
  checkVfxtInvariants(a.state(), config, { now: START, settled });

describe("checkVfxtInvariants", () => {
  it("a healthy account: no violation", () => {
    expect(check(account())).toEqual([]);
  });

  it("one-eni-per-vpc: an address on two ENIs of the cluster's VPC", () => {
    const a = account();
    a.act((state) => state.networkInterfaces.get(A.enis[1])?.secondaryPrivateIpAddresses.push("10.20.1.101"));
    expect(check(a, false)).toEqual([
      {
        invariant: "one-eni-per-vpc",
        message: expect.stringContaining("10.20.1.101 is on eni-0af7c0de000000a01, eni-0af7c0de000000a02"),
      },
    ]);
  });

  it("served: once settled, addresses left on a stopped node or behind a blackholed /32 are violations", () => {
    const a = account((f) => {
      setState(f, A.nodes[0], "stopped");
      terminate(f, B.nodes[0], B.enis[0]);
    });
    expect(check(a, false)).toEqual([]);
    expect(check(a).map((v) => [v.invariant, v.message.split(" ").slice(0, 2).join(" ")])).toEqual([
      ["served", "vfxt-a 10.20.1.101"],
      ["served", "vfxt-a 10.20.1.102"],
      ["served", "vfxt-b 10.250.0.11/32"],
    ]);
  });

  it("served: a tagged instance the cluster's instanceIds do not list is no node: an address on it is unserved", () => {
    const listed = vfxtConfig({ cluster: { instanceIds: [A.nodes[0], A.nodes[1]] } });
    const violations = checkVfxtInvariants(account().state(), listed, { now: START, settled: true });
    expect(violations.map((v) => v.message.split(" ").slice(0, 2).join(" "))).toEqual([
      "vfxt-a 10.20.1.105",
      "vfxt-a 10.20.1.106",
    ]);
  });

  it("served: no violation when no healthy node could take the address", () => {
    const a = account((f) => {
      for (const node of A.nodes) setState(f, node, "stopped");
    });
    expect(check(a).filter((v) => v.message.startsWith("vfxt-a"))).toEqual([]);
  });
});

describe("checkVfxtMoves", () => {
  const call = (input: Record<string, unknown>, operation = "AssignPrivateIpAddresses") => ({
    seq: 1,
    at: new Date(START).toISOString(),
    service: "ec2" as const,
    operation,
    region: "us-east-1",
    requestId: "fn",
    input,
    outcome: "ok" as const,
  });

  it("no-move-from-healthy: taking an address from a healthy node (rebalance off)", () => {
    const before = vfxtView(account().state(), config, START);
    const writes = [
      call({ NetworkInterfaceId: A.enis[1], PrivateIpAddresses: ["10.20.1.105"], AllowReassignment: true }),
    ];
    expect(checkVfxtMoves(before, writes, config)).toEqual([
      {
        invariant: "no-move-from-healthy",
        message: expect.stringContaining("took 10.20.1.105 from healthy i-0af7c0de000000a03"),
      },
    ]);
  });

  it("taking from a stopped node, or any move with rebalance on: no violation", () => {
    const before = vfxtView(account((f) => setState(f, A.nodes[0], "stopped")).state(), config, START);
    const fromStopped = [
      call({ NetworkInterfaceId: A.enis[1], PrivateIpAddresses: ["10.20.1.101"], AllowReassignment: true }),
    ];
    expect(checkVfxtMoves(before, fromStopped, config)).toEqual([]);
    const fromHealthy = [
      call({ NetworkInterfaceId: A.enis[1], PrivateIpAddresses: ["10.20.1.105"], AllowReassignment: true }),
    ];
    expect(checkVfxtMoves(before, fromHealthy, vfxtConfig({ rebalance: true }))).toEqual([]);
  });

  it("no-move-from-healthy: re-pointing a /32 route away from a healthy node", () => {
    const before = vfxtView(account().state(), config, START);
    const writes = [
      call(
        { RouteTableId: B.tables[0], DestinationCidrBlock: "10.250.0.12/32", NetworkInterfaceId: B.enis[2] },
        "ReplaceRoute",
      ),
    ];
    expect(checkVfxtMoves(before, writes, config)).toEqual([
      {
        invariant: "no-move-from-healthy",
        message: expect.stringContaining("took 10.250.0.12/32 from healthy i-0af7c0de000000b02"),
      },
    ]);
  });
});
