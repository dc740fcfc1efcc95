import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { loadFixture, SimulatedAccount } from "../../../sim/index";
import type { SimServer } from "../../../sim/wire/index";
import { DERIVED_WHEN_OMITTED, NOT_SHOWN_BY_AWS } from "../../../tools/snapshot/fidelity";
import { SNAPSHOT_ACTIONS, snapshotPolicy } from "../../../tools/snapshot/policy";
import { serve, snapshotOf } from "./support";

const IAM_PREFIX: Record<string, string> = {
  ec2: "ec2",
  autoscaling: "autoscaling",
  monitoring: "cloudwatch",
  directconnect: "directconnect",
  outposts: "outposts",
};

let server: SimServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("snapshot: the IAM policy and the documented fidelity list", () => {
  it("every call a snapshot of the demo account makes is an action of the read-only policy", async () => {
    const account = SimulatedAccount.fromFixture(await loadFixture("events/accounts/demo.json"));
    server = await serve(account);
    await snapshotOf(account);
    const used = new Set(account.calls.map((c) => `${IAM_PREFIX[c.service] ?? c.service}:${c.operation}`));
    expect([...used].filter((action) => !SNAPSHOT_ACTIONS.includes(action))).toEqual([]);
    for (const action of SNAPSHOT_ACTIONS) expect(action).toMatch(/:(Describe|Get|List|Search)/);
  });

  it("docs/snapshot.md prints the policy and lists every fidelity rule", () => {
    const doc = readFileSync("docs/snapshot.md", "utf8");
    expect(doc).toContain(JSON.stringify(snapshotPolicy(), null, 2));
    for (const rule of [...NOT_SHOWN_BY_AWS, ...DERIVED_WHEN_OMITTED])
      expect(doc).toContain(`| \`${rule.path}\``);
  });
});
