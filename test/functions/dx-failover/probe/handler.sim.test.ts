import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ProbeResult } from "../../../../functions/dx-failover/probe/run";
import type { Harness } from "../../../../sim/harness";
import { startHarness } from "../../../support/harness";
import { callsTo, dxFixture, GROUP, readEvent } from "../support";
import { closeAll, listen } from "./sockets";

/**
 * The probe function through the harness: real TCP servers on 127.0.0.1 as the on-premises targets, its
 * PutMetricData (high resolution) and PutEvents calls against the simulated account.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});
afterEach(async () => {
  await closeAll();
});

const env = (dxPort: number, vpnPort: number) => ({
  OPS_CONFIG: JSON.stringify({
    mode: "apply",
    dxFailover: {
      groups: [
        {
          name: GROUP,
          cidrs: ["10.100.0.0/16"],
          applianceEniId: "eni-0d0f00000000000a1",
          virtualInterfaceIds: ["dxvif-fgdx0001"],
          probe: {
            directConnect: [`127.0.0.1:${dxPort}`],
            vpn: [`127.0.0.1:${vpnPort}`],
            intervalMs: 200,
            timeoutMs: 150,
          },
        },
      ],
    },
  }),
});

interface Datum {
  MetricName: string;
  StorageResolution?: number;
  Value?: number;
  Dimensions?: Array<{ Name: string; Value: string }>;
}

const data = (report: Awaited<ReturnType<Harness["invoke"]>>) =>
  callsTo(report, "PutMetricData").flatMap((c) => (c.input.MetricData as Datum[]) ?? []);

describe("dx-probe (Lambda)", () => {
  it("both paths answer: high-resolution health and latency per path, the BGP status, no trigger", async () => {
    harness.load(dxFixture());
    const dx = await listen();
    const vpn = await listen();
    const report = await harness.invoke("dx-probe", readEvent("schedule-probe"), {
      env: env(dx.port, vpn.port),
      timeoutMs: 5000, // 5 s − 1.5 s safety − 2 s margin: ≈ 1.5 s of probing
    });
    const result = report.result as ProbeResult;
    expect(result.decision).toBe("probed");
    expect(result.groups[0]?.rounds).toBeGreaterThanOrEqual(3);
    expect(result.groups[0]?.bgp).toBe("up");
    const d = data(report);
    expect(d.every((x) => x.StorageResolution === 1)).toBe(true);
    const health = d.filter((x) => x.MetricName === "PathHealthy");
    expect(health.length).toBeGreaterThanOrEqual(6);
    expect(health.every((x) => x.Value === 1)).toBe(true);
    expect(new Set(health.map((x) => x.Dimensions?.find((y) => y.Name === "Path")?.Value))).toEqual(
      new Set(["direct-connect", "vpn"]),
    );
    expect(d.some((x) => x.MetricName === "PathLatency")).toBe(true);
    expect(d.some((x) => x.MetricName === "BgpUp" && x.Value === 1)).toBe(true);
    expect(callsTo(report, "PutEvents")).toHaveLength(0);
    expect(callsTo(report, "DescribeVirtualInterfaces")).toHaveLength(1);
  });

  it("DX target stopped while the VPN answers: one DX Path Degraded event on the default bus, at once", async () => {
    harness.load(dxFixture());
    const dx = await listen();
    const vpn = await listen();
    await dx.stop();
    const report = await harness.invoke("dx-probe", readEvent("schedule-probe"), {
      env: env(dx.port, vpn.port),
      timeoutMs: 5000,
    });
    const result = report.result as ProbeResult;
    expect(result.decision).toBe("triggered");
    expect(result.groups[0]?.triggers).toBe(1);
    const entries = callsTo(report, "PutEvents").flatMap(
      (c) => c.input.Entries as Array<{ DetailType: string; Detail: string; EventBusName: string }>,
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ DetailType: "DX Path Degraded", EventBusName: "default" });
    expect(JSON.parse(entries[0]?.Detail ?? "{}")).toMatchObject({
      group: GROUP,
      dx: { ok: false, consecutiveFailures: 2 },
      vpn: { ok: true },
    });
    expect(data(report).some((x) => x.MetricName === "PathHealthy" && x.Value === 0)).toBe(true);
  });

  it("both paths down: no trigger (the failover function would refuse anyway)", async () => {
    harness.load(dxFixture());
    const dx = await listen();
    const vpn = await listen();
    await dx.stop();
    await vpn.stop();
    const report = await harness.invoke("dx-probe", readEvent("schedule-probe"), {
      env: env(dx.port, vpn.port),
      timeoutMs: 5000,
    });
    expect((report.result as ProbeResult).groups[0]?.lastStatus).toBe("both-down");
    expect(callsTo(report, "PutEvents")).toHaveLength(0);
  });

  it("rejects anything but a schedule", async () => {
    harness.load(dxFixture());
    const report = await harness.invoke("dx-probe", readEvent("alarm-dx-down"), { env: env(1, 2) });
    expect((report.result as ProbeResult).decision).toBe("rejected");
  });
});
