import { DeleteRouteCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildHandler } from "../../../../functions/dx-failover/failover/handler";
import type { Harness } from "../../../../sim/harness";
import type { Fixture, InstanceInput } from "../../../support/fixtures";
import { startHarness } from "../../../support/harness";
import {
  agoIso,
  bgp,
  CIDRS,
  callsTo,
  dxEnv,
  dxFixture,
  ENI,
  failedOver,
  failing,
  GROUP,
  healthy,
  INSTANCE,
  PROBE_TABLE,
  propagatedRoutes,
  publishedDetails,
  putSamples,
  ROUTES_KEY,
  readEvent,
  readEventForGroup,
  resultOf,
  stateAfter,
  staticRoutes,
  TABLES,
  tagsAfter,
  triggerEvent,
} from "../support";

/**
 * Replayed scenarios (issue 3, kept through issue 10) through the real dx-failover handler against the simulated account
 * (test/fixtures/accounts/dx-failover.json: two production tables propagating from the VGW, a probe table,
 * the VPN appliance). The probe history is put as high-resolution metrics, as the probe function would.
 */

let harness: Harness;
let ec2: EC2Client;
beforeAll(async () => {
  harness = await startHarness();
  ec2 = new EC2Client({ region: "us-east-1" });
});
afterAll(async () => {
  await harness.close();
});

const load = (edit: (f: Fixture) => void = () => undefined) => {
  const f = dxFixture();
  edit(f);
  return harness.load(f);
};

const ALL_ON_VPN = Object.fromEntries(CIDRS.map((c) => [c, `${ENI} (active)`]));

const invoke = (event: unknown, env = dxEnv()) => harness.invoke("dx-failover", event, { env });

describe("dx-failover: Direct Connect down", () => {
  it("fails over every table × CIDR to the appliance ENI, tags the tables, reads back, emits events", async () => {
    load();
    await putSamples({ dx: [...healthy(20), ...failing(2)], vpn: healthy(22) });
    const report = await invoke(triggerEvent());
    const result = resultOf(report);
    expect(result.decision).toBe("failover");
    expect(result.groups[0]).toMatchObject({ desired: "vpn", reason: "dx-down", creates: 4, conflicts: 0 });
    expect(
      callsTo(report, "CreateRoute")
        .map((c) => c.input)
        .sort((a, b) =>
          `${a.RouteTableId}${a.DestinationCidrBlock}` < `${b.RouteTableId}${b.DestinationCidrBlock}`
            ? -1
            : 1,
        ),
    ).toEqual(
      TABLES.flatMap((t) =>
        CIDRS.map((c) => ({ RouteTableId: t, DestinationCidrBlock: c, NetworkInterfaceId: ENI })),
      ),
    );
    for (const t of TABLES) {
      expect(staticRoutes(report, t)).toEqual(ALL_ON_VPN);
      expect(propagatedRoutes(report, t).sort()).toEqual([...CIDRS]); // still there, overridden
      expect(stateAfter(report, t)).toMatchObject({ active: "vpn", eni: ENI });
      expect(tagsAfter(report, t)[ROUTES_KEY]).toBe(CIDRS.join(" "));
    }
    expect(staticRoutes(report, PROBE_TABLE)).toEqual({}); // the probe table keeps DX
    // The state tag that says "vpn" is written only after the routes are.
    const ops = report.calls.map(
      (c) =>
        `${c.operation}${c.operation === "CreateTags" ? JSON.stringify(c.input.Tags).includes("active=vpn") : ""}`,
    );
    expect(ops.lastIndexOf("CreateRoute")).toBeLessThan(ops.indexOf("CreateTagstrue"));
    const events = publishedDetails(report);
    expect(events.filter((e) => e.detail.action === "dx-failover-create-route")).toHaveLength(4);
  });

  it("decides from fresh signals: DescribeAlarms, GetMetricData, DescribeVirtualInterfaces, the ENI and instance", async () => {
    load();
    await putSamples({ dx: [...healthy(20), ...failing(2)], vpn: healthy(22) });
    const report = await invoke(triggerEvent());
    const ops = new Set(report.calls.map((c) => c.operation));
    for (const op of [
      "DescribeRouteTables",
      "DescribeAlarms",
      "GetMetricData",
      "DescribeVirtualInterfaces",
      "DescribeNetworkInterfaces",
      "DescribeInstances",
    ])
      expect(ops).toContain(op);
  });

  it("BGP down on every VIF (propagated routes withdrawn) fails over on the reconcile, without any probe event", async () => {
    load((f) => bgp(f, "down"));
    await putSamples({ dx: healthy(3), vpn: healthy(3) });
    const report = await invoke(readEvent("schedule-reconcile"));
    expect(resultOf(report).groups[0]).toMatchObject({ desired: "vpn", reason: "dx-down" });
    for (const t of TABLES) expect(staticRoutes(report, t)).toEqual(ALL_ON_VPN);
  });

  it("a single lost probe switches nothing", async () => {
    load();
    await putSamples({ dx: [...healthy(20), 0], vpn: healthy(21) });
    const report = await invoke(readEvent("schedule-reconcile"));
    expect(resultOf(report).groups[0]).toMatchObject({ desired: "direct-connect", reason: "dx-suspect" });
    expect(callsTo(report, "CreateRoute")).toHaveLength(0);
    for (const t of TABLES) expect(stateAfter(report, t).active).toBe("direct-connect");
  });

  it("a trigger event older than the metrics is not believed over them", async () => {
    load();
    await putSamples({ dx: healthy(20), vpn: healthy(20) }, 0);
    const e = triggerEvent(2);
    (e.detail as { at: number }).at = Date.now() - 10_000; // older than the metrics, still fresh
    const report = await invoke(e);
    expect(callsTo(report, "CreateRoute")).toHaveLength(0);
  });

  it("VPN down too: nothing changes, a both-paths-down alarm event and metric", async () => {
    load();
    await putSamples({ dx: [...healthy(10), ...failing(3)], vpn: [...healthy(10), ...failing(3)] });
    const report = await invoke(triggerEvent(3, false));
    const result = resultOf(report);
    expect(result.groups[0]).toMatchObject({ desired: "hold", alarms: ["both-paths-down"] });
    expect(callsTo(report, "CreateRoute")).toHaveLength(0);
    expect(callsTo(report, "CreateTags")).toHaveLength(0);
    expect(publishedDetails(report).map((e) => e.detail.action)).toEqual(["both-paths-down"]);
    expect(resultOf(report).groups[0]?.alarms).toEqual(["both-paths-down"]);
  });

  it("a conflicting static route to another target is refused and left untouched; the other cells fail over", async () => {
    load((f) => {
      const t = f.routeTables.find((r) => r.id === TABLES[0]);
      if (t)
        t.routes = [
          { destinationCidrBlock: CIDRS[0], target: INSTANCE.replace("a1", "ff"), origin: "CreateRoute" },
        ];
      f.instances.push({
        ...(f.instances[0] as InstanceInput),
        id: INSTANCE.replace("a1", "ff"),
        privateIpAddress: "10.60.5.11",
        primaryNetworkInterfaceId: ENI.replace("a1", "ff"),
      });
    });
    await putSamples({ dx: [...healthy(20), ...failing(2)], vpn: healthy(22) });
    const report = await invoke(triggerEvent());
    const result = resultOf(report);
    expect(result.groups[0]?.conflicts).toBe(1);
    const writes = callsTo(report, "CreateRoute").map(
      (c) => `${c.input.RouteTableId} ${c.input.DestinationCidrBlock}`,
    );
    expect(writes).not.toContain(`${TABLES[0]} ${CIDRS[0]}`);
    expect(writes).toHaveLength(3);
    expect(staticRoutes(report, TABLES[0])[CIDRS[0]]).toMatch(/0d0f00000000000ff/);
    expect(tagsAfter(report, TABLES[0])[ROUTES_KEY]).toBe(CIDRS[1]);
    expect(publishedDetails(report).map((e) => e.detail.action)).toContain("conflicting-static-route");
  });

  it("appliance ENI detached: refused (VPN not ready), nothing touched", async () => {
    const detached = "eni-0d0f00000000000b1";
    load((f) => {
      f.networkInterfaces = [
        {
          id: detached,
          subnetId: "subnet-0d0f0000000000b05",
          privateIpAddress: "10.60.5.20",
          sourceDestCheck: false,
        },
      ];
    });
    await putSamples({ dx: [...healthy(20), ...failing(2)], vpn: healthy(22) });
    const report = await invoke(triggerEvent(), dxEnv({ applianceEniId: detached }));
    expect(resultOf(report).groups[0]).toMatchObject({ desired: "hold" });
    expect(callsTo(report, "CreateRoute")).toHaveLength(0);
  });

  it("appliance instance with source/dest check on: refused", async () => {
    load((f) => {
      const i = f.instances[0];
      if (i) i.sourceDestCheck = true;
    });
    await putSamples({ dx: [...healthy(20), ...failing(2)], vpn: healthy(22) });
    const report = await invoke(triggerEvent());
    expect(resultOf(report).groups[0]).toMatchObject({ desired: "hold" });
    expect(callsTo(report, "CreateRoute")).toHaveLength(0);
  });
});

describe("dx-failover: convergence", () => {
  it("duplicate and out-of-order alarm events converge: one switch, then nothing", async () => {
    load((f) => {
      const a = f.alarms.find((x) => x.name.endsWith("-dx-down"));
      if (a) a.state = "ALARM";
    });
    await putSamples({ dx: [...healthy(20), ...failing(3)], vpn: healthy(23) });
    const first = await invoke(readEvent("alarm-dx-down"));
    expect(resultOf(first).decision).toBe("failover");
    const dup = await invoke(readEvent("alarm-dx-down"));
    expect(resultOf(dup).decision).toBe("nothing-to-do");
    const stale = await invoke(readEventForGroup("alarm-dx-not-restored-ok")); // an old "restored" event arriving late
    expect(resultOf(stale).decision).toBe("nothing-to-do");
    expect(callsTo(dup, "CreateRoute").length + callsTo(stale, "DeleteRoute").length).toBe(0);
    for (const t of TABLES) expect(staticRoutes(stale, t)).toEqual(ALL_ON_VPN);
  });

  it("reconcile repairs a manually deleted static route while DX is down", async () => {
    load((f) => failedOver(f, 120_000));
    await putSamples({ dx: failing(10), vpn: healthy(10) });
    await ec2.send(new DeleteRouteCommand({ RouteTableId: TABLES[1], DestinationCidrBlock: CIDRS[0] }));
    const report = await invoke(readEvent("schedule-reconcile"));
    expect(resultOf(report).decision).toBe("reconcile");
    expect(
      callsTo(report, "CreateRoute").map((c) => [c.input.RouteTableId, c.input.DestinationCidrBlock]),
    ).toEqual([[TABLES[1], CIDRS[0]]]);
    for (const t of TABLES) expect(staticRoutes(report, t)).toEqual(ALL_ON_VPN);
  });

  it("throttling in the middle of a 50-table failover: every table consistent in the end", async () => {
    const tables = Array.from(
      { length: 50 },
      (_, i) => `rtb-0d0f00000000${(0xd00 + i).toString(16).padStart(5, "0")}`,
    );
    const account = load((f) => {
      f.routeTables = [
        ...f.routeTables.filter((t) => t.id === PROBE_TABLE),
        ...tables.map((id) => ({
          id,
          vpcId: "vpc-0d0f0000000000a00",
          propagatingVgws: ["vgw-0d0f0000000000a00"],
          tags: { "ops:failover-group": GROUP },
        })),
      ];
    });
    account.faults.tokenBucket({
      service: "ec2",
      operations: ["CreateRoute"],
      capacity: 30,
      refillPerSecond: 20,
    });
    await putSamples({ dx: [...healthy(10), ...failing(2)], vpn: healthy(12) });
    const env = dxEnv({ aws: { maxAttempts: 2 } });
    let report = await invoke(triggerEvent(), env);
    let invocations = 1;
    while (report.error !== undefined && invocations < 10) {
      report = await invoke(triggerEvent(), env); // Lambda's retry of the same event
      invocations += 1;
    }
    expect(report.error).toBeUndefined();
    const throttled = account.calls.filter(
      (c) => c.error?.code === "RequestLimitExceeded" || c.faults?.length,
    );
    expect(throttled.length).toBeGreaterThan(0);
    for (const t of tables) {
      expect(staticRoutes(report, t)).toEqual(ALL_ON_VPN);
      expect(stateAfter(report, t).active).toBe("vpn");
      expect(tagsAfter(report, t)[ROUTES_KEY]).toBe(CIDRS.join(" "));
    }
  });
});

describe("dx-failover: failback", () => {
  it("stays on the VPN until DX has been healthy for the whole restore window", async () => {
    load((f) => failedOver(f, 600_000));
    await putSamples({ dx: [...failing(5), ...healthy(120)], vpn: healthy(125) });
    const report = await invoke(readEvent("schedule-reconcile"));
    expect(resultOf(report).groups[0]).toMatchObject({ desired: "vpn", reason: "dx-not-restored" });
    expect(callsTo(report, "DeleteRoute")).toHaveLength(0);
  });

  it("fails back after the window, deleting only our static routes, where the propagated route is back", async () => {
    load((f) => {
      failedOver(f, 900_000);
      const t = f.routeTables.find((r) => r.id === TABLES[1]);
      if (t) t.tags = { ...t.tags, [ROUTES_KEY]: CIDRS[0] }; // 10.101 in this table is not ours
    });
    await putSamples({ dx: healthy(330), vpn: healthy(330) });
    const report = await invoke(readEvent("schedule-reconcile"), dxEnv({ restoreWindowSeconds: 300 }));
    const result = resultOf(report);
    expect(result.groups[0]).toMatchObject({ desired: "direct-connect", reason: "dx-restored" });
    expect(staticRoutes(report, TABLES[0])).toEqual({});
    expect(staticRoutes(report, TABLES[1])).toEqual({ [CIDRS[1]]: `${ENI} (active)` });
    expect(stateAfter(report, TABLES[0])).toMatchObject({ active: "direct-connect" });
    expect(stateAfter(report, TABLES[0]).failback).toBeDefined();
    expect(tagsAfter(report, TABLES[0])[ROUTES_KEY]).toBe("");
  });

  it("does not fail back a CIDR Direct Connect does not carry again", async () => {
    load((f) => {
      failedOver(f, 900_000);
      const g = f.virtualPrivateGateways[0];
      if (g) g.propagatedCidrs = [CIDRS[0]];
    });
    await putSamples({ dx: healthy(330), vpn: healthy(330) });
    const report = await invoke(readEvent("schedule-reconcile"));
    expect(callsTo(report, "DeleteRoute").map((c) => c.input.DestinationCidrBlock)).toEqual([
      CIDRS[0],
      CIDRS[0],
    ]);
    for (const t of TABLES) expect(staticRoutes(report, t)).toEqual({ [CIDRS[1]]: `${ENI} (active)` });
  });

  it("a failback waits for the dwell after a switch, even when the VPN fails", async () => {
    load((f) => failedOver(f, 10_000)); // switched 10 s ago, dwell 60 s, DX healthy for 5 min
    await putSamples({ dx: healthy(300), vpn: healthy(300) });
    const report = await invoke(readEvent("schedule-reconcile"), dxEnv({ restoreWindowSeconds: 60 }));
    expect(resultOf(report).groups[0]).toMatchObject({
      reason: "dwell",
      alarms: ["switch-delayed-by-dwell"],
    });
    expect(callsTo(report, "DeleteRoute")).toHaveLength(0);
  });
});

describe("dx-failover: alarms as the backstop (no probe data)", () => {
  it("dx-down and vpn-down alarms decide when there are no probe samples: DX-down ALARM → failover", async () => {
    load((f) => {
      for (const a of f.alarms) if (a.name.endsWith("-dx-down")) a.state = "ALARM";
    });
    const report = await invoke(readEvent("alarm-dx-down"));
    expect(resultOf(report).groups[0]).toMatchObject({ desired: "vpn", reason: "dx-down" });
    for (const t of TABLES) expect(staticRoutes(report, t)).toEqual(ALL_ON_VPN);
  });

  it("no probe data and no alarm in ALARM: nothing switches (absent probes never fail over)", async () => {
    load((f) => {
      for (const a of f.alarms) a.state = "INSUFFICIENT_DATA";
    });
    const report = await invoke(readEvent("schedule-reconcile"));
    expect(callsTo(report, "CreateRoute")).toHaveLength(0);
  });

  it("on the VPN with stale probes: the dx-not-restored alarm OK fails back (its K periods are the window)", async () => {
    load((f) => failedOver(f, 900_000));
    const report = await invoke(readEventForGroup("alarm-dx-not-restored-ok"));
    expect(resultOf(report).groups[0]).toMatchObject({ desired: "direct-connect", reason: "dx-restored" });
    for (const t of TABLES) expect(staticRoutes(report, t)).toEqual({});
  });
});

describe("dx-failover: game day", () => {
  it("force fails over for the given minutes (override tag), revert command clears it", async () => {
    load();
    await putSamples({ dx: healthy(30), vpn: healthy(30) });
    const forced = await invoke(readEvent("game-day-force"));
    expect(resultOf(forced).groups[0]).toMatchObject({ desired: "vpn", reason: "game-day-force" });
    for (const t of TABLES) {
      expect(staticRoutes(forced, t)).toEqual(ALL_ON_VPN);
      expect(stateAfter(forced, t).override).toMatch(/^vpn\//);
    }
    const reverted = await invoke(readEventForGroup("game-day-revert"));
    for (const t of TABLES) expect(stateAfter(reverted, t).override).toBeUndefined();
  });

  it("reverts automatically once the override expires (after the dwell)", async () => {
    load((f) => failedOver(f, 31 * 60_000, `override=vpn/${agoIso(60_000)}`));
    await putSamples({ dx: healthy(330), vpn: healthy(330) });
    const report = await invoke(readEvent("schedule-reconcile"));
    expect(resultOf(report).decision).toBe("failback");
    for (const t of TABLES) {
      expect(staticRoutes(report, t)).toEqual({});
      expect(stateAfter(report, t).override).toBeUndefined();
    }
  });

  it("refuses a forced failover onto an unhealthy VPN", async () => {
    load();
    await putSamples({ dx: healthy(30), vpn: [...healthy(28), ...failing(2)] });
    const report = await invoke(readEvent("game-day-force"));
    expect(resultOf(report).groups[0]?.alarms).toContain("game-day-refused");
    expect(callsTo(report, "CreateRoute")).toHaveLength(0);
  });
});

describe("dx-failover: events and modes", () => {
  it("ignores foreign alarms and unknown groups", async () => {
    load();
    const e = readEvent("alarm-dx-down");
    (e.detail as { alarmName: string }).alarmName = "someone-else";
    expect(resultOf(await invoke(e)).decision).toBe("ignored");
    const g = readEvent("game-day-force");
    g.group = "nope";
    expect(resultOf(await invoke(g)).decision).toBe("ignored");
  });

  it("rejects a malformed game-day command", async () => {
    load();
    const report = await invoke({ command: "explode", group: GROUP });
    expect(resultOf(report).decision).toBe("rejected");
  });

  it("plan mode computes without writing", async () => {
    load();
    await putSamples({ dx: [...healthy(20), ...failing(2)], vpn: healthy(22) });
    const report = await invoke(triggerEvent(), dxEnv({ mode: "plan" }));
    expect(resultOf(report).decision).toBe("failover");
    expect(callsTo(report, "CreateRoute")).toHaveLength(0);
    expect(callsTo(report, "CreateTags")).toHaveLength(0);
  });

  it("the handler module builds from an environment", () => {
    expect(typeof buildHandler(dxEnv())).toBe("function");
  });
});
