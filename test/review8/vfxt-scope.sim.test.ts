import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VfxtIpMoveConfigSchema } from "../../functions/vfxt-ip-move/config";
import { parseFixture, SimulatedAccount } from "../../sim";
import type { CallRecord } from "../../sim/account/calls";
import { checkVfxtInvariants, checkVfxtScope } from "../../tools/chaos/invariants/vfxt-ip-move";
import { splitVfxtAccount, VFXT_FIXTURE } from "../support/vfxt-split";

/**
 * Review 8, findings 3 and 4 (vfxt-ip-move's invariants).
 * 3. `touched-outside-configuration` (checkVfxtScope) reads only the address a write names: a /32 route for
 *    a configured address written into a route table no cluster lists in `routeTableIds` (another team's
 *    table, another VPC's) is "inside configuration". Issue 14: "nothing touched outside configuration".
 * 4. "never two" (issue 14: "every configured address on exactly one healthy node …, never two") is checked
 *    at every step only for secondary addresses (`one-eni-per-vpc`); a /32 address whose cluster tables
 *    point at two different nodes (the split session 7 met in seed 310081) is judged only by `served`, which
 *    waits until grace + 22 minutes after the last failure anywhere: while unsettled, two nodes may hold it.
 */

const TABLES = ["b01", "b02", "b03"].map((n) => `rtb-0af7c0de000000${n}`).concat("rtb-0af7c0de000000c01");
const config = VfxtIpMoveConfigSchema.parse({
  clusters: [
    { name: "vfxt-b", addresses: ["10.250.0.11", "10.250.0.12", "10.250.0.13"], routeTableIds: TABLES },
  ],
});

/** A ReplaceRoute of 10.250.0.11/32 to node b02's ENI in `table`, answered ok. */
const replaceRoute = (table: string): CallRecord => ({
  seq: 1,
  at: "2026-03-02T09:00:00.000Z",
  service: "ec2",
  operation: "ReplaceRoute",
  region: "us-east-1",
  requestId: "r-1",
  input: {
    RouteTableId: table,
    DestinationCidrBlock: "10.250.0.11/32",
    NetworkInterfaceId: "eni-0af7c0de000000b02",
  },
  outcome: "ok",
});

describe("review 8 findings 3 and 4: vfxt-ip-move's scope and never-two", () => {
  it("review: a ReplaceRoute of a configured /32 in a route table no cluster lists breaks touched-outside-configuration", () => {
    const write = replaceRoute("rtb-0another0team0001");
    expect(checkVfxtScope([write], config).map((v) => v.invariant)).toContain(
      "touched-outside-configuration",
    );
  });

  it("review: a /32 address routed to two nodes by two of its cluster's tables is a violation at every step, not only once settled", () => {
    const account = splitVfxtAccount();
    // A day after the fixture's start: every node is out of its boot grace.
    const now = account.clock.nowMs() + 86_400_000;
    const violations = checkVfxtInvariants(account.state(), config, { now, settled: false });
    expect(violations.filter((v) => v.message.includes("10.250.0.11"))).toEqual([
      {
        invariant: "never-two",
        message: expect.stringContaining("vfxt-b 10.250.0.11/32 routes to the healthy nodes"),
      },
    ]);
  });

  it("review (control): the same ReplaceRoute in a table the cluster lists is inside configuration", () => {
    const write = replaceRoute("rtb-0af7c0de000000b02");
    expect(checkVfxtScope([write], config)).toEqual([]);
  });

  it("review (control): the fixture as it is (one node per /32) breaks nothing before it settles", () => {
    const raw = JSON.parse(readFileSync(VFXT_FIXTURE, "utf8")) as unknown;
    const account = SimulatedAccount.fromFixture(parseFixture(raw, VFXT_FIXTURE));
    const now = account.clock.nowMs() + 86_400_000;
    expect(checkVfxtInvariants(account.state(), config, { now, settled: false })).toEqual([]);
  });
});
