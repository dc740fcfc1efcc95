import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStageConfig } from "../../../functions/config";
import type { Harness } from "../../../sim/harness";
import { runWhatIf } from "../../../tools/what-if/run";
import { SCENARIOS, type ScenarioOptions } from "../../../tools/what-if/scenarios";
import {
  type InvocationEntry,
  type ScenarioName,
  WhatIfError,
  type WhatIfResult,
} from "../../../tools/what-if/types";
import { startHarness } from "../../support/harness";

/**
 * Each what-if scenario on the demo account (events/accounts/demo.json + config/dev.json): the decisive
 * entries of its timeline, its final state and the checks that hold; and the targets it refuses.
 */

const ACCOUNT = "events/accounts/demo.json";
const CONFIG = "config/dev.json";
const read = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const whatIf = (
  scenario: ScenarioName,
  options: ScenarioOptions,
  config: unknown = read(CONFIG),
  account: unknown = read(ACCOUNT),
) =>
  runWhatIf(harness, {
    scenario,
    options,
    account,
    accountPath: ACCOUNT,
    config,
    configPath: CONFIG,
  });

const writesOf = (r: WhatIfResult, operation: string) =>
  r.invocations.flatMap((i) => i.writes.filter((w) => w.operation === operation).map((w) => ({ i, w })));

const decided = (r: WhatIfResult, decision: string): InvocationEntry[] =>
  r.invocations.filter((i) => i.decision === decision);

const expectChecksHold = (r: WhatIfResult, invariants: string[]) => {
  expect(r.checks.map((c) => c.invariant).sort()).toEqual([...invariants, "every-event-accounted"].sort());
  expect(r.checks.filter((c) => !c.holds)).toEqual([]);
  expect(r.end.quiet).toBe(true);
};

const LZ_PROD_TABLES = ["rtb-0d0f0000000000c01", "rtb-0d0f0000000000c02"];
const LZ_PROD_CIDRS = ["10.100.0.0/16", "10.101.0.0/16"];
const APPLIANCE = "eni-0d0f00000000000a1";

describe("what-if dx-down --group lz-prod --for 10m", () => {
  let r: WhatIfResult;
  beforeAll(async () => {
    r = await whatIf("dx-down", { group: "lz-prod", forMs: 600_000 });
  }, 180_000);

  it("the probes have been running: the alarms' first evaluation sees their samples (no probe-missing at the start)", () => {
    expect(r.events.filter((e) => e.event.includes("lz-edge") || e.event.includes("probe-missing"))).toEqual(
      [],
    );
  });

  it("injects the data plane down at once and back after 10 minutes", () => {
    expect(r.settledMs).toBe(0);
    expect(r.incident.map((i) => i.what)).toEqual([
      "dxvif-fgdx0001, dxvif-fgdx0002 data plane down (BGP unchanged)",
      "dxvif-fgdx0001, dxvif-fgdx0002 data plane up (BGP unchanged)",
    ]);
    expect(r.incident[0]?.at).toBe(0);
    // At its time, or when the step running then ends (AWS calls take their simulated latency).
    expect(r.incident[1]?.at).toBeGreaterThanOrEqual(600_000);
    expect(r.incident[1]?.at).toBeLessThan(610_000);
  });

  it("the agent's trigger reaches dx-failover, which fails over at once: our routes to the appliance", () => {
    const trigger = r.events.find((e) => e.event === "DX Path Degraded lz-prod");
    expect(trigger?.routedTo).toEqual([
      {
        function: "dx-failover",
        via: "EventBridge rule ops-toolkit-dev-dx-failover-probe-trigger",
        run: true,
      },
    ]);
    expect(trigger?.at).toBeLessThanOrEqual(15_000);
    const failover = decided(r, "failover").find((i) => i.via.includes("probe-trigger") && i.at < 60_000);
    const created = failover?.writes.filter((w) => w.operation === "ec2:CreateRoute").map((w) => w.input);
    expect(created).toEqual(
      expect.arrayContaining(
        LZ_PROD_TABLES.flatMap((t) =>
          LZ_PROD_CIDRS.map((c) => ({
            RouteTableId: t,
            DestinationCidrBlock: c,
            NetworkInterfaceId: APPLIANCE,
          })),
        ),
      ),
    );
    const moved = r.changes.filter(
      (c) => c.kind === "route" && LZ_PROD_TABLES.includes(c.resource) && c.at < 60_000,
    );
    expect(moved.map((c) => [c.resource, c.subject, c.to?.split(" + ")[0]])).toEqual(
      LZ_PROD_TABLES.flatMap((t) => LZ_PROD_CIDRS.map((c) => [t, c, `${APPLIANCE} (static, active)`])),
    );
  });

  it("fails back once DX has worked for the restore window (300 s) after it came back", () => {
    const failback = writesOf(r, "ec2:DeleteRoute").filter(({ w }) =>
      LZ_PROD_TABLES.includes(String(w.input.RouteTableId)),
    );
    expect(failback).toHaveLength(4);
    for (const { i } of failback) {
      expect(i.decision).toBe("failback");
      expect(i.at).toBeGreaterThanOrEqual(600_000 + 300_000);
    }
    for (const t of LZ_PROD_TABLES)
      for (const c of LZ_PROD_CIDRS)
        expect(r.final.routes[t]?.[c]).toMatch(/^vgw-\S+ \(propagated, active\)$/);
    expect(r.final.notes).toContain("group lz-prod: active path direct-connect, flaps 0");
  });

  it("shows region-core failing over too (it shares the interfaces), and the checks hold", () => {
    expect(writesOf(r, "ec2:CreateRoute").map(({ w }) => w.input.RouteTableId)).toContain(
      "rtb-0d0f0000000000c05",
    );
    expectChecksHold(r, ["path", "flap", "only-our-routes", "outside-configuration"]);
  });
});

describe("what-if dx-down --group lz-edge (on the VPN at the start)", () => {
  it("waits for the failback, then injects: the failover within the flap memory counts a flap", async () => {
    const r = await whatIf("dx-down", { group: "lz-edge" });
    const failback = decided(r, "failback").find((i) =>
      i.writes.some(
        (w) => w.operation === "ec2:DeleteRoute" && w.input.RouteTableId === "rtb-0d0f0000000000e01",
      ),
    );
    expect(r.settledMs).toBeGreaterThan(0);
    expect(failback?.at).toBeLessThan(0);
    const failover = writesOf(r, "ec2:CreateRoute").find(
      ({ w }) => w.input.RouteTableId === "rtb-0d0f0000000000e01",
    );
    expect(failover?.i.at).toBeGreaterThanOrEqual(0);
    expect(failover?.w.input).toEqual({
      RouteTableId: "rtb-0d0f0000000000e01",
      DestinationCidrBlock: "10.110.0.0/16",
      NetworkInterfaceId: "eni-0d0f00000000000e1",
    });
    expect(r.final.notes).toContain("group lz-edge: active path vpn, flaps 1");
    expect(r.checks.every((c) => c.holds)).toBe(true);
  }, 180_000);
});

describe("what-if dx-down with the VPN appliance stopped", () => {
  it("no trigger, no failover: the probes see both paths down and dx-failover holds", async () => {
    const account = read(ACCOUNT) as { instances: Array<{ id: string; state?: string }> };
    const appliance = account.instances.find((i) => i.id === "i-0d0f00000000000a1");
    if (appliance === undefined) throw new Error("the demo lost its appliance");
    appliance.state = "stopped";
    const r = await whatIf("dx-down", { group: "lz-prod" }, read(CONFIG), account);
    expect(r.events.filter((e) => e.event.startsWith("DX Path Degraded"))).toEqual([]);
    expect(writesOf(r, "ec2:CreateRoute")).toEqual([]);
    expect(r.invocations.filter((i) => i.decision === "failover")).toEqual([]);
    expect(r.invocations.some((i) => i.decision === "hold")).toBe(true);
    expect(r.final.notes).toContain("group lz-prod: active path direct-connect, flaps 0");
    // Both paths down: no path to keep, so no broken check.
    expect(r.checks.every((c) => c.holds)).toBe(true);
  }, 180_000);
});

describe("what-if dx-down with the configuration in plan mode", () => {
  it("no route is written, and the path check breaks once the detection time has passed", async () => {
    const config = { ...(read(CONFIG) as Record<string, unknown>), mode: "plan" };
    const r = await whatIf("dx-down", { group: "lz-prod" }, config);
    expect(writesOf(r, "ec2:CreateRoute")).toEqual([]);
    const path = r.checks.find((c) => c.invariant === "path");
    expect(path?.holds).toBe(false);
    expect(path?.violationCount).toBeGreaterThan(path?.violations.length ?? 0);
    expect(path?.violations[0]?.at).toBeGreaterThan(150_000);
    expect(path?.violations[0]?.message).toMatch(
      /^lz-prod: 10\.100\.0\.0\/16 in rtb-0d0f0000000000c01 has no working path for \d+ s while the VPN works/,
    );
  }, 180_000);
});

const FW_ENIS = ["eni-0e1d2c3b4a5f60001", "eni-0e1d2c3b4a5f60002", "eni-0e1d2c3b4a5f60003"];

/** The instance the group launched during the what-if, and the hooks completed for each instance. */
const replacement = (r: WhatIfResult) => {
  const launched = Object.keys(r.final.instances).find((id) => !id.startsWith("i-0f1e2d3c4b5a6000"));
  const completed = writesOf(r, "autoscaling:CompleteLifecycleAction")
    .filter(({ i }) => i.at >= 0)
    .map(({ w }) => [
      w.input.InstanceId,
      w.input.LifecycleHookName,
      w.input.LifecycleActionResult,
      w.outcome,
    ]);
  return { launched, completed };
};

describe("what-if firewall-replace --group fw-asg", () => {
  it("terminate then launch: the ENIs leave at the terminate hook, join the new instance at its launch hook, both CONTINUE", async () => {
    const r = await whatIf("firewall-replace", { group: "fw-asg" });
    // The demo's replacement under way finishes first (the reconcile), then the incident.
    expect(r.settledMs).toBeGreaterThan(0);
    expect(r.incident[0]?.what).toBe("i-0f1e2d3c4b5a60002 replaced (terminate-and-launch)");
    const { launched, completed } = replacement(r);
    expect(completed).toEqual([
      ["i-0f1e2d3c4b5a60002", "fw-terminate", "CONTINUE", "ok"],
      [launched, "fw-launch", "CONTINUE", "ok"],
    ]);
    expect(decided(r, "detached-early")).toHaveLength(1);
    expect(
      decided(r, "attached")[0]
        ?.writes.filter((w) => w.operation === "ec2:AttachNetworkInterface")
        .map((w) => w.input.InstanceId),
    ).toEqual([launched, launched, launched]);
    expect(FW_ENIS.map((e) => r.final.enis[e])).toEqual([
      `${launched} #1`,
      `${launched} #2`,
      `${launched} #3`,
    ]);
    expect(r.final.instances[launched ?? ""]).toBe("running (InService, Healthy)");
    expect(r.final.instances["i-0f1e2d3c4b5a60002"]).toBe("terminated");
    expectChecksHold(r, [
      "never-detach-serving",
      "only-our-hooks",
      "abandon-only-when-impossible",
      "nothing-outside-configuration",
      "settled",
    ]);
  }, 180_000);

  it("launch before terminate: the launch hook CONTINUEs deferring to the holder, the ENIs move at the terminate hook", async () => {
    const r = await whatIf("firewall-replace", { group: "fw-asg", launchBeforeTerminate: true });
    expect(r.incident[0]?.what).toBe("i-0f1e2d3c4b5a60002 replaced (launch-before-terminate)");
    const { launched, completed } = replacement(r);
    expect(completed).toEqual([
      [launched, "fw-launch", "CONTINUE", "ok"],
      ["i-0f1e2d3c4b5a60002", "fw-terminate", "CONTINUE", "ok"],
    ]);
    expect(decided(r, "deferred-to-holder")).toHaveLength(1);
    const handedOver = decided(r, "handed-over")[0];
    expect(
      handedOver?.writes
        .filter((w) => w.operation === "ec2:AttachNetworkInterface")
        .map((w) => w.input.InstanceId),
    ).toEqual([launched, launched, launched]);
    expect(FW_ENIS.map((e) => r.final.enis[e])).toEqual([
      `${launched} #1`,
      `${launched} #2`,
      `${launched} #3`,
    ]);
    expect(r.checks.every((c) => c.holds)).toBe(true);
  }, 180_000);
});

describe("what-if node-stop", () => {
  it("vfxt-a: the stopped node's addresses move to the surviving node (and node 1's, stopped before)", async () => {
    const r = await whatIf("node-stop", { instance: "i-0af7c0de000000a02" });
    expect(
      r.events.slice(0, 2).map((e) => [e.event, e.routedTo.filter((t) => t.run).map((t) => t.function)]),
    ).toEqual([
      ["EC2 Instance State-change Notification i-0af7c0de000000a02 stopping", ["vfxt-ip-move"]],
      ["EC2 Instance State-change Notification i-0af7c0de000000a02 stopped", ["vfxt-ip-move"]],
    ]);
    const assigned = writesOf(r, "ec2:AssignPrivateIpAddresses").map(({ w }) => w.input);
    expect(assigned).toContainEqual(
      expect.objectContaining({
        NetworkInterfaceId: "eni-0af7c0de000000a03",
        PrivateIpAddresses: ["10.20.1.103", "10.20.1.104"],
      }),
    );
    const survivor = r.final.addresses["eni-0af7c0de000000a03"] ?? [];
    for (const ip of ["101", "102", "103", "104", "105", "106"]) expect(survivor).toContain(`10.20.1.${ip}`);
    expect(r.final.addresses["eni-0af7c0de000000a02"]).toEqual(["10.20.1.12"]);
    expect(r.final.instances["i-0af7c0de000000a02"]).toBe("stopped");
    expectChecksHold(r, ["one-eni-per-vpc", "served", "no-move-from-healthy"]);
  }, 180_000);

  it("vfxt-b: the node's /32 routes move to the surviving node in all four tables", async () => {
    const r = await whatIf("node-stop", { instance: "i-0af7c0de000000b02" });
    const moved = writesOf(r, "ec2:ReplaceRoute")
      .map(({ w }) => w.input)
      .filter((i) => i.DestinationCidrBlock === "10.250.0.12/32");
    // Written concurrently: they reach EC2 in the order of their latencies.
    expect(moved.map((i) => [i.RouteTableId, i.NetworkInterfaceId]).sort()).toEqual(
      ["b01", "b02", "b03", "c01"].map((t) => [`rtb-0af7c0de000000${t}`, "eni-0af7c0de000000b03"]),
    );
    expect(r.checks.every((c) => c.holds)).toBe(true);
  }, 180_000);
});

describe("what-if idle --instance i-0123456789abcdef0", () => {
  it("the idle alarm's ALARM hibernates it: StopInstances with Hibernate, then idle-alarms sees it stopped", async () => {
    const r = await whatIf("idle", { instance: "i-0123456789abcdef0" });
    // The demo's alarm is already in ALARM: set OK first (ignored by the rules), then ALARM.
    expect(r.events.slice(0, 2).map((e) => [e.event, e.routedTo.map((t) => t.function), e.ignored])).toEqual([
      [
        "CloudWatch Alarm State Change ops-idle-i-0123456789abcdef0 OK",
        [],
        "no deployed EventBridge rule's pattern matches it",
      ],
      ["CloudWatch Alarm State Change ops-idle-i-0123456789abcdef0 ALARM", ["idle-hibernate"], undefined],
    ]);
    const [stop] = writesOf(r, "ec2:StopInstances");
    expect(stop?.i).toMatchObject({ function: "idle-hibernate", decision: "hibernate", at: 0 });
    expect(stop?.w).toEqual({
      operation: "ec2:StopInstances",
      input: { InstanceIds: ["i-0123456789abcdef0"], Hibernate: true, DryRun: false },
      outcome: "ok",
    });
    // The demo alarm's Lambda action delivers the same ALARM again (CloudWatch runs it beside the
    // EventBridge rule): the second run finds the instance stopping and does nothing.
    expect(r.invocations.map((i) => [i.function, i.decision])).toEqual([
      ["idle-hibernate", "hibernate"],
      ["idle-hibernate", "nothing-to-do"],
      ["idle-alarms", "hibernate-initiated"],
    ]);
    const instance = r.changes.filter((c) => c.kind === "instance");
    expect(instance.map((c) => [c.from, c.to])).toEqual([
      ["running", "stopping"],
      ["stopping", "stopped"],
    ]);
    // The stop within a second of 0 (the calls before StopInstances take their simulated latency); the
    // instance stopped 60 s later, seen at the driver's next step (steps fall on a grid from the run's start,
    // at most 30 s apart).
    const [stopping, stopped] = instance.map((c) => Math.floor(c.at / 1000));
    expect(stopping).toBe(0);
    expect(stopped).toBeGreaterThanOrEqual(60);
    expect(stopped).toBeLessThanOrEqual(60 + 30);
    expectChecksHold(r, [
      "stops-only-eligible",
      "hibernation-proven-or-reported",
      "nothing-outside-configuration",
      "only-owned-alarms-changed",
      "paused-alarm-stays-paused",
    ]);
  }, 180_000);
});

describe("what-if waits until the account is ready for the incident, and says why it is not", () => {
  const loaded = () => {
    const account = harness.load(read(ACCOUNT), { now: new Date("2026-01-05T00:00:00Z") });
    return { account, config: parseStageConfig(read(CONFIG), CONFIG) };
  };

  it("firewall-replace: the demo's group is in the middle of a replacement", () => {
    const { account, config } = loaded();
    expect(SCENARIOS["firewall-replace"](account, config, { group: "fw-asg" }).blocker(account)).toBe(
      "fw-asg is busy: i-0f1e2d3c4b5a60001 Terminating:Wait, i-0f1e2d3c4b5a60002 Pending:Wait, i-0f1e2d3c4b5a60003 Warmed:Pending:Wait",
    );
  });

  it("dx-down: a data plane already down, a group still on the VPN", () => {
    const { account, config } = loaded();
    expect(SCENARIOS["dx-down"](account, config, { group: "lz-prod" }).blocker(account)).toBeUndefined();
    expect(SCENARIOS["dx-down"](account, config, { group: "lz-edge" }).blocker(account)).toBe(
      "group lz-edge is on the VPN (its tables' state tag)",
    );
    account.network.setDataPlane("dxvif-fgdx0002", false);
    expect(SCENARIOS["dx-down"](account, config, { group: "lz-prod" }).blocker(account)).toBe(
      "the data plane of dxvif-fgdx0002 is down",
    );
  });
});

describe("what-if idle on an alarm with an EC2 action", () => {
  it("names CloudWatch's own stop of the instance, which the simulation does not run", async () => {
    const account = read(ACCOUNT) as { alarms: Array<{ name: string; alarmActions?: string[] }> };
    for (const a of account.alarms)
      if (a.name === "ops-idle-i-0123456789abcdef0") a.alarmActions = ["arn:aws:automate:us-east-1:ec2:stop"];
    const r = await whatIf("idle", { instance: "i-0123456789abcdef0" }, read(CONFIG), account);
    expect(r.final.notes).toEqual([
      "ops-idle-i-0123456789abcdef0 has the EC2 alarm action arn:aws:automate:us-east-1:ec2:stop: at ALARM CloudWatch itself stops (a plain stop: the memory is lost) i-0123456789abcdef0, racing the hibernation (alarm EC2 actions are not simulated)",
    ]);
  }, 180_000);
});

describe("what-if refuses a target the account or configuration does not have, listing the candidates", () => {
  const refused = async (scenario: ScenarioName, options: ScenarioOptions): Promise<string> => {
    const error = await whatIf(scenario, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WhatIfError);
    return (error as Error).message;
  };

  it("an unknown dx group", async () => {
    expect(await refused("dx-down", { group: "lz-nope" })).toBe(
      'unknown group "lz-nope" in dxFailover.groups of the configuration; candidates: lz-prod, lz-edge, region-core',
    );
  });

  it("an instance that is no vFXT node, and a node already stopped", async () => {
    expect(await refused("node-stop", { instance: "i-0123456789abcdef0" })).toMatch(
      /^unknown instance "i-0123456789abcdef0" among the vFXT nodes of vfxtIpMove\.clusters; candidates: i-0af7c0de000000a01 \(vfxt-a, stopped\), i-0af7c0de000000a02 \(vfxt-a, running\), /,
    );
    expect(await refused("node-stop", { instance: "i-0af7c0de000000a01" })).toBe(
      'unknown running node "i-0af7c0de000000a01" (it is stopped); candidates: i-0af7c0de000000a02, i-0af7c0de000000a03, i-0af7c0de000000b02, i-0af7c0de000000b03',
    );
  });

  it("an Auto Scaling group that no eniReattach group configures", async () => {
    expect(await refused("firewall-replace", { group: "web-asg" })).toBe(
      'unknown group "web-asg" among the eniReattach groups of the configuration found in the account; candidates: fw-asg',
    );
  });

  it("an instance without an idle alarm", async () => {
    expect(await refused("idle", { instance: "i-12345678901234567" })).toMatch(
      /^unknown instance "i-12345678901234567" with an idle alarm \(idleHibernate\.alarmNamePrefix or adoptAlarmNamePatterns\); candidates: i-0123456789abcdef0 \(ops-idle-i-0123456789abcdef0\), .* i-0123456789abcdefd \(idle-hibernate-jupyter-lab\), /,
    );
  });

  it("a firewall group none of whose ENIs carries the tag: the replacement would move nothing", async () => {
    const account = read(ACCOUNT) as { networkInterfaces: Array<{ tags?: Record<string, string> }> };
    for (const n of account.networkInterfaces) delete n.tags?.["ops:eni-attach"];
    const error = await whatIf("firewall-replace", { group: "fw-asg" }, read(CONFIG), account).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WhatIfError);
    expect((error as Error).message).toMatch(
      /^no ENI of the account carries ops:eni-attach=fw-asg\/<device index>: the replacement would move nothing; ENIs allow-listed for fw-asg: eni-0e1d2c3b4a5f60001 \(Name=fw-it\), /,
    );
  });

  it("an account that is no fixture", async () => {
    const error = await whatIf("idle", { instance: "i-0123456789abcdef0" }, read(CONFIG), {
      instances: "none",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WhatIfError);
    expect((error as Error).message).toMatch(/^invalid account fixture events\/accounts\/demo\.json: /);
  });

  it("an invalid configuration", async () => {
    const error = await whatIf("idle", { instance: "i-0123456789abcdef0" }, { mode: "sometimes" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WhatIfError);
    expect((error as Error).message).toMatch(/^invalid configuration config\/dev\.json: /);
  });
});
