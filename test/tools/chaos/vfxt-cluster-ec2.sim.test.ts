import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultSpec } from "../../../sim/account/faults";
import type { Harness } from "../../../sim/harness";
import { clusterAddRoute, clusterEc2 } from "../../../tools/chaos/incidents/vfxt-cluster-ec2";
import { START, vfxtFixture } from "../../functions/vfxt-ip-move/support";
import { startHarness } from "../../support/harness";

/**
 * The simulated vFXT cluster's own EC2 calls retry as AvereSDK's `_aws_do` does (5xx, throttling, a lost
 * answer; at most 10 retries; a 4xx at once). Seed 310081: the cluster's ReplaceRoute landed before a 500,
 * the model gave up after the first table, and the /32 tables stayed split between two healthy nodes.
 */
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual", transport: "memory" });
});
afterAll(async () => {
  await harness.close();
});

const TABLE = "rtb-0af7c0de000000b01";
const ROUTE = { RouteTableId: TABLE, DestinationCidrBlock: "10.250.0.11/32" };
const fault = (operation: string, spec: Partial<FaultSpec>): FaultSpec => ({
  service: "ec2",
  operation,
  times: 1,
  ...spec,
});
const targetOf = (destination: string) =>
  harness.account
    .state()
    .routeTables.get(TABLE)
    ?.routes.find((r) => r.destinationCidrBlock === destination)?.target;
const callsOf = (operation: string) => harness.account.calls.filter((c) => c.operation === operation);

describe("the vFXT cluster's EC2 calls (chaos model)", () => {
  it("a ReplaceRoute that landed before a 500 is retried and done (not raised)", async () => {
    harness.load(vfxtFixture(), { now: new Date(START) });
    harness.account.faults.add(
      fault("ReplaceRoute", { error: { code: "InternalError", httpStatus: 500 }, applied: true }),
    );
    await clusterEc2(harness.account, "ReplaceRoute", { ...ROUTE, InstanceId: "i-0af7c0de000000b02" });
    expect(targetOf(ROUTE.DestinationCidrBlock)).toBe("i-0af7c0de000000b02");
    expect(callsOf("ReplaceRoute").map((c) => c.outcome)).toEqual(["error", "ok"]);
  });

  it("throttling and lost answers are retried up to 10 times, then raised", async () => {
    harness.load(vfxtFixture(), { now: new Date(START) });
    harness.account.faults.add(fault("ReplaceRoute", { error: { code: "RequestLimitExceeded" }, times: 11 }));
    await expect(
      clusterEc2(harness.account, "ReplaceRoute", { ...ROUTE, InstanceId: "i-0af7c0de000000b02" }),
    ).rejects.toMatchObject({ code: "RequestLimitExceeded" });
    expect(callsOf("ReplaceRoute")).toHaveLength(11);
    harness.load(vfxtFixture(), { now: new Date(START) });
    harness.account.faults.add(fault("ReplaceRoute", { dropConnection: true, times: 10 }));
    await clusterEc2(harness.account, "ReplaceRoute", { ...ROUTE, InstanceId: "i-0af7c0de000000b03" });
    expect(targetOf(ROUTE.DestinationCidrBlock)).toBe("i-0af7c0de000000b03");
  });

  it("a client error is raised at once", async () => {
    harness.load(vfxtFixture(), { now: new Date(START) });
    await expect(
      clusterEc2(harness.account, "ReplaceRoute", {
        ...ROUTE,
        DestinationCidrBlock: "10.250.0.99/32",
        InstanceId: "i-0af7c0de000000b02",
      }),
    ).rejects.toMatchObject({ httpStatus: 400 });
    expect(callsOf("ReplaceRoute")).toHaveLength(1);
  });

  it("add_instance_address: a CreateRoute that landed before a 500 meets RouteAlreadyExists, then replaces", async () => {
    harness.load(vfxtFixture(), { now: new Date(START) });
    harness.account.faults.add(
      fault("CreateRoute", { error: { code: "InternalError", httpStatus: 500 }, applied: true }),
    );
    const destination = "10.250.0.14/32";
    await clusterAddRoute(harness.account, {
      RouteTableId: TABLE,
      DestinationCidrBlock: destination,
      InstanceId: "i-0af7c0de000000b02",
    });
    expect(targetOf(destination)).toBe("i-0af7c0de000000b02");
    expect(callsOf("CreateRoute").map((c) => c.outcome)).toEqual(["error", "error"]);
    expect(callsOf("ReplaceRoute").map((c) => c.outcome)).toEqual(["ok"]);
  });
});
