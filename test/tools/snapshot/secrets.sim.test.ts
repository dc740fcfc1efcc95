import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_MANAGED_FLEET_TAG_PREFIXES } from "../../../functions/idle-hibernate/config";
import { parseFixture, SimulatedAccount } from "../../../sim/index";
import type { SimServer } from "../../../sim/wire/index";
import { demoFixture } from "../../support/fixtures";
import { serve, snapshotOf } from "./support";

let server: SimServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const UNRELATED = { CostCenter: "cc-4711", "db-password": "hunter2", Team: "payments" };

/** The demo account with tags the toolkit does not read on every kind of resource, and a key pair. */
const taggedDemo = () => {
  const f = demoFixture();
  for (const list of [f.vpcs, f.subnets, f.instances, f.networkInterfaces, f.routeTables, f.alarms])
    for (const item of list as { tags?: Record<string, string> }[])
      item.tags = { ...item.tags, ...UNRELATED };
  for (const i of f.instances) i.keyName = "ops-admin-key";
  return SimulatedAccount.fromFixture(parseFixture(f, "demo+tags"));
};

describe("snapshot: secrets and unrelated tags are left out", () => {
  it("keeps ops:*, Name and the managed-fleet markers the toolkit reads; drops every other tag", async () => {
    const account = taggedDemo();
    server = await serve(account);
    const { fixture } = await snapshotOf(account);
    const text = JSON.stringify(fixture);
    for (const [key, value] of Object.entries(UNRELATED)) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(value);
    }
    expect(text).not.toContain("ops-admin-key");
    const keys = new Set(
      [
        fixture.vpcs,
        fixture.subnets,
        fixture.instances,
        fixture.networkInterfaces,
        fixture.routeTables,
        fixture.alarms,
      ]
        .flatMap((list) => (list ?? []) as { tags?: Record<string, string> }[])
        .flatMap((item) => Object.keys(item.tags ?? {})),
    );
    // What idle-hibernate reads: its ops:* keys, Name, and the managed-fleet markers (EMR, Auto Scaling…).
    const read = (k: string) =>
      k === "Name" || k.startsWith("ops:") || DEFAULT_MANAGED_FLEET_TAG_PREFIXES.some((p) => k.startsWith(p));
    expect([...keys].filter((k) => !read(k))).toEqual([]);
    expect(keys.has("aws:elasticmapreduce:job-flow-id")).toBe(true);
    expect(keys.has("ops:hibernate")).toBe(true);
    expect(keys.has("Name")).toBe(true);
  });

  it("never sends the credentials into the fixture, and calls only read operations (no user data)", async () => {
    const account = taggedDemo();
    server = await serve(account);
    const { fixture } = await snapshotOf(account);
    const text = JSON.stringify(fixture);
    for (const secret of [process.env.AWS_ACCESS_KEY_ID, process.env.AWS_SECRET_ACCESS_KEY])
      if (secret) expect(text).not.toContain(secret);
    const operations = new Set(account.calls.map((c) => c.operation));
    for (const op of operations) expect(op).toMatch(/^(Describe|Get|List|Search)/);
    expect(operations.has("DescribeInstanceAttribute")).toBe(false);
    expect(text).not.toMatch(/userData|UserData/);
  });
});
