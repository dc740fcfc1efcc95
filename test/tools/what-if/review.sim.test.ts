import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../sim/harness";
import { runWhatIf } from "../../../tools/what-if/run";
import type { ScenarioOptions } from "../../../tools/what-if/scenarios";
import type { ScenarioName, WhatIfResult } from "../../../tools/what-if/types";
import { startHarness } from "../../support/harness";

const ACCOUNT = "events/accounts/demo.json";
const CONFIG = "config/dev.json";
type Json = Record<string, unknown>;
const read = (path: string): Json => JSON.parse(readFileSync(path, "utf8"));

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const whatIf = (scenario: ScenarioName, options: ScenarioOptions, config: unknown, account: unknown) =>
  runWhatIf(harness, { scenario, options, account, accountPath: ACCOUNT, config, configPath: CONFIG });

const WARM = "i-0f1e2d3c4b5a60003";

/** The demo account without fw-asg's warm pool (its warmed member gone). */
const withoutWarmPool = (hook: "CONTINUE" | "ABANDON" = "CONTINUE"): Json => {
  const f = read(ACCOUNT) as Json & {
    instances: Json[];
    autoScalingGroups: (Json & { instances: Json[] })[];
    lifecycleActions: Json[];
    lifecycleHooks: Json[];
  };
  f.instances = f.instances.filter((i) => i.id !== WARM);
  for (const g of f.autoScalingGroups) {
    if (g.name !== "fw-asg") continue;
    delete g.warmPool;
    g.instances = g.instances.filter((m) => m.instanceId !== WARM);
  }
  f.lifecycleActions = f.lifecycleActions.filter((a) => a.instanceId !== WARM);
  for (const h of f.lifecycleHooks) if (h.name === "fw-launch") h.defaultResult = hook;
  return f;
};

/** The configuration as deployed, in `plan` mode: the handlers decide and write nothing. */
const planMode = (): Json => ({ ...read(CONFIG), mode: "plan" });

const broken = (r: WhatIfResult): string[] => r.checks.filter((c) => !c.holds).map((c) => c.invariant);

describe("review: eni-reattach `settled` on a group with a warm pool", () => {
  it("control: without the warm pool, plan mode leaves the ENIs detached and `settled` breaks", async () => {
    const r = await whatIf("firewall-replace", { group: "fw-asg" }, planMode(), withoutWarmPool());
    expect(r.end.quiet).toBe(true);
    expect(Object.values(r.final.enis)).toEqual(["detached", "detached", "detached"]);
    expect(broken(r)).toEqual(["settled"]);
  }, 300_000);

  it("review: with the demo's warm pool, the new firewall serves without its three ENIs and `settled` still holds (exit 0)", async () => {
    const r = await whatIf("firewall-replace", { group: "fw-asg" }, planMode(), read(ACCOUNT));
    expect(r.end.quiet).toBe(true);
    expect(Object.values(r.final.enis)).toEqual(["detached", "detached", "detached"]);
    expect(broken(r)).toContain("settled");
  }, 300_000);
});

describe("review: a scenario that finds nothing to act on", () => {
  it("review: firewall-replace on a group none of whose ENIs carries the eni-reattach tag is refused or breaks a check", async () => {
    const account = read(ACCOUNT) as Json & { networkInterfaces: (Json & { tags?: Json })[] };
    for (const n of account.networkInterfaces) delete n.tags?.["ops:eni-attach"];
    const outcome = await whatIf("firewall-replace", { group: "fw-asg" }, read(CONFIG), account).then(
      broken,
      (error: unknown) => [String(error)],
    );
    expect(outcome).not.toEqual([]);
  }, 300_000);
});

describe("review: an adopted idle alarm with an EC2 stop action (CloudWatch alarm actions)", () => {
  it("review: idle on an alarm whose action is arn:aws:automate:…:ec2:stop says CloudWatch stops the instance itself (memory lost), racing the hibernation", async () => {
    const account = read(ACCOUNT) as Json & { alarms: Json[] };
    const stop = "arn:aws:automate:us-east-1:ec2:stop";
    for (const a of account.alarms) if (a.name === "idle-hibernate-jupyter-lab") a.alarmActions = [stop];
    const r = await whatIf("idle", { instance: "i-0123456789abcdefd" }, read(CONFIG), account);
    const said = JSON.stringify({
      incident: r.incident,
      events: r.events,
      final: r.final,
      changes: r.changes,
    });
    expect(said).toContain("ec2:stop");
  }, 300_000);
});
