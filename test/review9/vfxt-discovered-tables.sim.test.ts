import { describe, expect, it } from "vitest";
import { VfxtIpMoveConfigSchema } from "../../functions/vfxt-ip-move/config";
import { checkVfxtInvariants } from "../../tools/chaos/invariants/vfxt-ip-move";
import { splitVfxtAccount } from "../support/vfxt-split";

/**
 * Review 9, finding 2 (safety: an invariant that cannot fail). `tools/chaos/invariants/vfxt-ip-move.ts`
 * judges a /32 address only through `cluster.routeTableIds`: `neverTwo` skips a cluster with fewer than two
 * listed tables, and `served` judges route-mode addresses only `if (cluster.routeTableIds.length > 0)`. A
 * cluster configured with `discoverRouteTables: true` (a documented option: `functions/vfxt-ip-move/config.ts`;
 * the function then writes every node subnet's table, `observe/index.ts`) and no listed tables is never
 * judged by either: its /32 address routed to two healthy nodes, or to no healthy node long after settling,
 * passes. `checkVfxtScope` already knows those tables (`tablesOf`), the state invariants do not. The
 * campaign never configures `discoverRouteTables` (`tools/chaos/incidents/vfxt-ip-move.ts` `sectionOf`), so
 * the discovery path — the one that decides which tables the function writes — is not exercised at all.
 *
 * Source: AWS VPC User Guide, "Configure route tables" (each subnet is associated with one route table,
 * else the main one: clients in different subnets follow different tables, so a split across tables sends
 * clients to two nodes); AvereSDK `vFXT/aws.py` `_get_route_tables` (the cluster's own tables: main and the
 * cluster subnets'), which `discoverRouteTables` mirrors.
 *
 * Consequence for an operator: a deployment using discovery (the mode that needs no table ids in the
 * configuration) has no chaos evidence for never-two or served; a regression there ships unseen.
 *
 * Fix: `neverTwo` and `servedRoute`/`served` in `tools/chaos/invariants/vfxt-ip-move.ts` should use
 * `tablesOf(cluster, config, state)` (the discovered tables: the node subnets' tables, or the main table),
 * not `cluster.routeTableIds`; and `sectionOf` should draw a variant whose route-mode cluster discovers.
 */

const TABLES = ["b01", "b02", "b03"].map((n) => `rtb-0af7c0de000000${n}`).concat("rtb-0af7c0de000000c01");
const ADDRESSES = ["10.250.0.11", "10.250.0.12", "10.250.0.13"];

const listed = VfxtIpMoveConfigSchema.parse({
  clusters: [{ name: "vfxt-b", addresses: ADDRESSES, routeTableIds: TABLES }],
});
const discovered = VfxtIpMoveConfigSchema.parse({
  clusters: [{ name: "vfxt-b", addresses: ADDRESSES, discoverRouteTables: true }],
});

const invariantsOn = (config: typeof listed, settled: boolean) => {
  const account = splitVfxtAccount();
  const now = account.clock.nowMs() + 86_400_000;
  return checkVfxtInvariants(account.state(), config, { now, settled })
    .filter((v) => v.message.includes("10.250.0.11"))
    .map((v) => v.invariant);
};

describe("review 9 finding 2: vfxt invariants ignore discovered route tables", () => {
  it("review (control): with the tables listed, the split breaks never-two (and served once settled)", () => {
    expect(invariantsOn(listed, false)).toEqual(["never-two"]);
    expect(invariantsOn(listed, true)).toEqual(["never-two", "served"]);
  });

  it("review: with discoverRouteTables (the same four tables, all the VPC's node subnets'), the split breaks never-two", () => {
    expect(invariantsOn(discovered, false)).toEqual(["never-two"]);
  });

  it("review: with discoverRouteTables, a settled cluster whose /32 routes to two nodes breaks served", () => {
    expect(invariantsOn(discovered, true)).toContain("served");
  });
});
