import { readFileSync } from "node:fs";
import { parseFixture, SimulatedAccount } from "../../sim";

export const VFXT_FIXTURE = "test/fixtures/accounts/vfxt.json";

/**
 * The vfxt fixture with 10.250.0.11/32 routed by rtb-…b02 to node b02's ENI while the cluster's other
 * tables route it to another healthy node (a split across tables, as a cluster move given up halfway).
 */
export const splitVfxtAccount = (): SimulatedAccount => {
  const raw = JSON.parse(readFileSync(VFXT_FIXTURE, "utf8")) as {
    routeTables: Array<{ id: string; routes: Array<{ destinationCidrBlock: string; target: string }> }>;
  };
  const b02 = raw.routeTables.find((t) => t.id === "rtb-0af7c0de000000b02");
  const route = b02?.routes.find((r) => r.destinationCidrBlock === "10.250.0.11/32");
  if (route === undefined) throw new Error("fixture changed: no 10.250.0.11/32 in rtb-…b02");
  route.target = "eni-0af7c0de000000b02";
  return SimulatedAccount.fromFixture(parseFixture(raw, VFXT_FIXTURE));
};
