import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseFixture, SimulatedAccount } from "../../../sim/index";
import type { SimServer } from "../../../sim/wire/index";
import { readFixture } from "../../support/fixtures";
import { roundTripPair, serve, snapshotOf } from "./support";

const SHIPPED = ["events/accounts", "test/fixtures/accounts"].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => join(dir, f)),
);

let server: SimServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("snapshot round trip: fixture → simulated account → snapshot over the wire → the same fixture", () => {
  it("covers every shipped fixture", () => {
    expect(SHIPPED.length).toBeGreaterThanOrEqual(6);
  });

  const roundTrip = async (input: unknown, source: string) => {
    const account = SimulatedAccount.fromFixture(parseFixture(input, source));
    server = await serve(account);
    const { fixture } = await snapshotOf(account);
    return roundTripPair(input, source, fixture);
  };

  it.each(SHIPPED)("%s", async (path) => {
    const { expected, actual } = await roundTrip(JSON.parse(readFileSync(path, "utf8")), path);
    expect(actual).toEqual(expected);
  });

  it("vfxt.json with an Elastic IP, a CIDR reservation and a prefix-list route (no shipped fixture has them)", async () => {
    const f = readFixture("test/fixtures/accounts/vfxt.json");
    f.elasticIps.push({
      allocationId: "eipalloc-0af7c0de000000a01",
      publicIp: "203.0.113.10",
      association: { networkInterfaceId: "eni-0af7c0de000000a01", privateIpAddress: "10.20.1.101" },
      tags: { "ops:vfxt-cluster": "vfxt-a" },
    });
    f.subnetCidrReservations.push({
      subnetId: "subnet-0af7c0de000000a01",
      cidr: "10.20.1.96/28",
      reservationType: "explicit",
      description: "vfxt-a client addresses",
    });
    f.managedPrefixLists.push({
      id: "pl-0af7c0de000000a01",
      name: "on-prem",
      addressFamily: "IPv4",
      maxEntries: 5,
      entries: [{ cidr: "172.16.0.0/16", description: "dc1" }],
    });
    f.routeTables[0]?.routes?.push({
      destinationPrefixListId: "pl-0af7c0de000000a01",
      target: "eni-0af7c0de000000a01",
    });
    const { expected, actual } = await roundTrip(f, "vfxt+addresses");
    expect(actual).toEqual(expected);
    expect((actual as { managedPrefixLists: unknown[] }).managedPrefixLists).toHaveLength(1);
    expect((actual as { subnetCidrReservations: unknown[] }).subnetCidrReservations).toHaveLength(1);
  });
});
