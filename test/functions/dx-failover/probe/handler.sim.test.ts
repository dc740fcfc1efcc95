import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { ProbeResult } from "../../../../functions/dx-failover/probe/run";
import type { Harness, InvocationReport } from "../../../../sim/harness";
import { startHarness } from "../../../support/harness";
import { callsTo, dxFixture, GROUP, NAMESPACE, readEvent } from "../support";
import { closeAll, listen } from "./sockets";

/**
 * The Lambda probe through the harness: real TCP servers on 127.0.0.1 as the on-premises targets, its
 * samples as EMF lines on stdout (no CloudWatch call from the VPC), its trigger on the trigger bus of the
 * simulated account, and the window of a scheduled invocation.
 */

const BUS = "ops-toolkit-dx-trigger";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await closeAll();
});

const env = (dxPort: number, vpnPort: number, location: "region" | "local-zone" = "region") => ({
  OPS_CONFIG: JSON.stringify({
    mode: "apply",
    dxFailover: {
      triggerBusName: BUS,
      groups: [
        {
          name: GROUP,
          location,
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

/** This minute's schedule event (`agoMs` after its schedule time). */
const schedule = (agoMs = 0) => ({
  ...readEvent("schedule-probe"),
  time: new Date(Date.now() - agoMs).toISOString(),
});

interface EmfDoc {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Metrics: Array<{ Name: string; StorageResolution?: number }>;
    }>;
  };
  Group: string;
  Path: string;
  Probe: string;
  PathHealthy: number;
  PathLatency?: number;
}

/** Runs the probe and collects the EMF documents it wrote to stdout. */
const probe = async (
  event: unknown,
  e: Record<string, string>,
): Promise<{ report: InvocationReport; emf: EmfDoc[] }> => {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (text.includes('"CloudWatchMetrics"')) {
      lines.push(...text.split("\n").filter((l) => l.trim() !== ""));
      return true;
    }
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  });
  const report = await harness.invoke("dx-probe", event, { env: e, timeoutMs: 5000 }); // ≈ 1.5 s of probing
  vi.restoreAllMocks();
  return { report, emf: lines.map((l) => JSON.parse(l) as EmfDoc) };
};

const triggers = (report: InvocationReport) =>
  callsTo(report, "PutEvents").flatMap(
    (c) => c.input.Entries as Array<{ DetailType: string; Detail: string; EventBusName: string }>,
  );

describe("dx-probe (Lambda)", () => {
  it("both paths answer: one high-resolution EMF document per sample and path, no AWS call at all", async () => {
    harness.load(dxFixture());
    const dx = await listen();
    const vpn = await listen();
    const { report, emf } = await probe(schedule(), env(dx.port, vpn.port));
    const result = report.result as ProbeResult;
    expect(result.decision).toBe("probed");
    expect(result.groups[0]?.rounds).toBeGreaterThanOrEqual(3);
    expect(emf.length).toBeGreaterThanOrEqual(6);
    for (const doc of emf) {
      expect(doc._aws.CloudWatchMetrics[0]?.Namespace).toBe(NAMESPACE);
      expect(doc._aws.CloudWatchMetrics[0]?.Metrics.every((m) => m.StorageResolution === 1)).toBe(true);
      expect(doc).toMatchObject({ Group: GROUP, Probe: "lambda", PathHealthy: 1 });
      expect(doc.PathLatency).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(emf.map((d) => d.Path))).toEqual(new Set(["direct-connect", "vpn"]));
    // Metrics leave through the logs and BGP is the failover function's read: the VPC needs no endpoint.
    expect(report.calls).toHaveLength(0);
  });

  it("DX target stopped while the VPN answers: one DX Path Degraded event on the trigger bus, at once", async () => {
    harness.load(dxFixture());
    const dx = await listen();
    const vpn = await listen();
    await dx.stop();
    const { report, emf } = await probe(schedule(), env(dx.port, vpn.port));
    const result = report.result as ProbeResult;
    expect(result.decision).toBe("triggered");
    expect(result.groups[0]?.triggers).toBe(1);
    const entries = triggers(report);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ DetailType: "DX Path Degraded", EventBusName: BUS });
    expect(JSON.parse(entries[0]?.Detail ?? "{}")).toMatchObject({
      group: GROUP,
      probe: "lambda",
      dx: { ok: false, consecutiveFailures: 2 },
      vpn: { ok: true },
    });
    expect(emf.some((d) => d.Path === "direct-connect" && d.PathHealthy === 0)).toBe(true);
  });

  it("both paths down: no trigger (the failover function would refuse anyway)", async () => {
    harness.load(dxFixture());
    const dx = await listen();
    const vpn = await listen();
    await dx.stop();
    await vpn.stop();
    const { report, emf } = await probe(schedule(), env(dx.port, vpn.port));
    expect((report.result as ProbeResult).groups[0]?.lastStatus).toBe("both-down");
    expect(triggers(report)).toHaveLength(0);
    expect(emf.every((d) => d.PathHealthy === 0)).toBe(true);
  });

  it("a delivery past its minute (late or repeated): the window has passed, nothing probed", async () => {
    harness.load(dxFixture());
    const { report, emf } = await probe(schedule(90_000), env(1, 2));
    expect((report.result as ProbeResult).decision).toBe("window-passed");
    expect(emf).toHaveLength(0);
  });

  it("a Local Zone group is left to its agent: the Lambda probes nothing", async () => {
    harness.load(dxFixture());
    const { report, emf } = await probe(schedule(), env(1, 2, "local-zone"));
    expect(report.result).toMatchObject({ decision: "no-lambda-probed-group", agentGroups: [GROUP] });
    expect(emf).toHaveLength(0);
  });

  it("rejects anything but a schedule", async () => {
    harness.load(dxFixture());
    const report = await harness.invoke("dx-probe", readEvent("alarm-dx-down"), { env: env(1, 2) });
    expect((report.result as ProbeResult).decision).toBe("rejected");
  });
});
