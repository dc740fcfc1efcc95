import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseFixture, SimulatedAccount } from "../../../sim/index";
import type { SimServer } from "../../../sim/wire/index";
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

  it.each(SHIPPED)("%s", async (path) => {
    const input: unknown = JSON.parse(readFileSync(path, "utf8"));
    const account = SimulatedAccount.fromFixture(parseFixture(input, path));
    server = await serve(account);
    const { fixture } = await snapshotOf(account);
    const { expected, actual } = roundTripPair(input, path, fixture);
    expect(actual).toEqual(expected);
  });
});
