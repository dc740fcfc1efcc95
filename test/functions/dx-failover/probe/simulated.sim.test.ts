import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { ProbeResult } from "../../../../functions/dx-failover/probe/run";
import type { Harness } from "../../../../sim/harness";
import { DX_ACCOUNT, dxChaosFixture } from "../../../../tools/chaos/incidents/dx-account";
import { connectLive } from "../../../../tools/chaos/incidents/dx-data-plane";
import { startHarness } from "../../../support/harness";
import { GROUP, readEvent } from "../support";

/**
 * The deployed dx-probe Lambda, driven as deployed (its schedule event, a minute's window on the harness's
 * manual clock) with its connect seam (`HandlerOverrides.probeConnect`) on the simulated account's
 * per-family data plane: a probe follows the probe subnet's table and crosses Direct Connect when a session
 * of its family is up and that family's data plane forwards. What it publishes: EMF lines, and the trigger on
 * the trigger bus.
 */

const BUS = "ops-toolkit-dx-trigger";
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual", transport: "memory" });
  harness.setOverrides({
    probeConnect: connectLive(() => harness.account, {
      routeTableId: DX_ACCOUNT.probeTable,
      applianceEnis: ["eni-0d0f00000000000a1"],
      vpnUp: () => true,
    }),
  });
});
afterAll(async () => {
  await harness.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const env = {
  OPS_CONFIG: JSON.stringify({
    mode: "apply",
    dxFailover: {
      triggerBusName: BUS,
      groups: [
        {
          name: GROUP,
          location: "region",
          cidrs: ["10.100.0.0/16", DX_ACCOUNT.onPremIpv6],
          applianceEniId: "eni-0d0f00000000000a1",
          virtualInterfaceIds: ["dxvif-fgdx0001", "dxvif-fgdx0002"],
          // DX targets on premises (one per family), the VPN target the appliance in the VPC.
          probe: {
            directConnect: ["10.100.0.53:53", "[2001:db8:100::53]:53"],
            vpn: ["10.60.5.10:500"],
            intervalMs: 5000,
            timeoutMs: 800,
          },
        },
      ],
    },
  }),
};

interface EmfDoc {
  Path: string;
  Probe: string;
  PathHealthy?: number;
  Family?: string;
  PathFamilyHealthy?: number;
}

/** One scheduled invocation (its minute), with the EMF documents it wrote and the triggers it put. */
const probeMinute = async () => {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (!text.includes('"CloudWatchMetrics"'))
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    lines.push(...text.split("\n").filter((l) => l.trim() !== ""));
    return true;
  });
  const event = { ...readEvent("schedule-probe"), time: harness.account.clock.now().toISOString() };
  const report = await harness.invoke("dx-probe", event, { env, timeoutMs: 70_000 });
  vi.restoreAllMocks();
  const docs = lines.map((l) => JSON.parse(l) as EmfDoc);
  // The path-wide documents; the per-family ones (Direct Connect's targets span both families) apart.
  const emf = docs.filter((d) => d.Family === undefined);
  const families = docs.filter((d) => d.Family !== undefined);
  const triggers = harness.account.publishedEventRecords.filter((p) => p.EventBusName === BUS);
  return {
    result: report.result as ProbeResult,
    emf,
    families,
    triggers,
    ingested: harness.account.network.ingestLogEvents(lines),
  };
};

describe("dx-probe driven by its schedule on the simulated data plane", () => {
  it("all well: a minute of samples (every 5 s), both paths healthy, no trigger", async () => {
    harness.load(dxChaosFixture());
    const { result, emf, triggers, ingested } = await probeMinute();
    expect(result.decision).toBe("probed");
    expect(result.groups[0]?.rounds).toBeGreaterThanOrEqual(12);
    expect(emf.filter((d) => d.Path === "direct-connect").every((d) => d.PathHealthy === 1)).toBe(true);
    expect(emf.every((d) => d.Probe === "lambda")).toBe(true);
    expect(triggers).toEqual([]);
    expect(ingested.datapoints).toBeGreaterThan(0);
  });

  it("IPv6 data plane down on both interfaces, BGP up: the IPv4 target still answers, the path is judged failed, one trigger; its IPv6 series fails, its IPv4 series does not", async () => {
    const account = harness.load(dxChaosFixture());
    for (const vif of ["dxvif-fgdx0001", "dxvif-fgdx0002"]) account.network.setDataPlane(vif, false, "ipv6");
    const { result, emf, families, triggers } = await probeMinute();
    expect(result.decision).toBe("triggered");
    expect(emf.filter((d) => d.Path === "direct-connect").every((d) => d.PathHealthy === 0)).toBe(true);
    expect(families.length).toBeGreaterThan(0);
    expect(families.every((d) => d.Path === "direct-connect")).toBe(true);
    expect(families.filter((d) => d.Family === "ipv6").every((d) => d.PathFamilyHealthy === 0)).toBe(true);
    expect(families.filter((d) => d.Family === "ipv4").every((d) => d.PathFamilyHealthy === 1)).toBe(true);
    expect(emf.filter((d) => d.Path === "vpn").every((d) => d.PathHealthy === 1)).toBe(true);
    expect(triggers).toHaveLength(1);
    expect(JSON.parse(triggers[0]?.Detail ?? "{}")).toMatchObject({
      group: GROUP,
      probe: "lambda",
      dx: { ok: false, families: { ipv4: { ok: true }, ipv6: { ok: false } } },
    });
  });

  it("the reverse, IPv6 BGP down with packets flowing: the IPv6 route is withdrawn from the probe table, the path fails", async () => {
    const account = harness.load(dxChaosFixture());
    for (const vif of ["dxvif-fgdx0001", "dxvif-fgdx0002"])
      account.setBgpStatus(vif, "down", { addressFamily: "ipv6" });
    const { result, triggers } = await probeMinute();
    expect(result.decision).toBe("triggered");
    expect(triggers).toHaveLength(1);
  });
});
