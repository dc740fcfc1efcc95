import { readFileSync } from "node:fs";
import { CloudWatchClient, type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { DxResult } from "../../../functions/dx-failover/failover/run";
import type { InvocationReport } from "../../../sim/harness";
import { type Fixture, readFixture } from "../../support/fixtures";

const DX_ACCOUNT = "test/fixtures/accounts/dx-failover.json";
export const GROUP = "lz-prod";
export const ENI = "eni-0d0f00000000000a1";
export const INSTANCE = "i-0d0f00000000000a1";
export const TABLES = ["rtb-0d0f0000000000c01", "rtb-0d0f0000000000c02"] as const;
export const PROBE_TABLE = "rtb-0d0f0000000000c09";
export const CIDRS = ["10.100.0.0/16", "10.101.0.0/16"] as const;
const VIFS = ["dxvif-fgdx0001", "dxvif-fgdx0002"] as const;
const NAMESPACE = "OpsToolkit/DxFailover";

export const dxFixture = (): Fixture => readFixture(DX_ACCOUNT);

interface GroupOverrides {
  applianceEniId?: string;
  minDwellSeconds?: number;
  restoreWindowSeconds?: number;
  mode?: string;
  aws?: Record<string, number>;
  routeTableIds?: string[];
  cidrs?: string[];
  verifyTimeoutMs?: number;
}

const dxConfig = (o: GroupOverrides = {}) => ({
  mode: o.mode ?? "apply",
  ...(o.aws ? { aws: o.aws } : {}),
  dxFailover: {
    verifyTimeoutMs: o.verifyTimeoutMs ?? 3000,
    groups: [
      {
        name: GROUP,
        cidrs: o.cidrs ?? [...CIDRS],
        applianceEniId: o.applianceEniId ?? ENI,
        virtualInterfaceIds: [...VIFS],
        routeTableIds: o.routeTableIds ?? [],
        minDwellSeconds: o.minDwellSeconds ?? 60,
        restoreWindowSeconds: o.restoreWindowSeconds ?? 300,
        probe: { directConnect: ["10.100.0.53:53"], vpn: ["10.101.0.53:53"] },
      },
    ],
  },
});

export const dxEnv = (o: GroupOverrides = {}): Record<string, string> => ({
  OPS_CONFIG: JSON.stringify(dxConfig(o)),
});

export const readEvent = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(`events/dx-failover/${name}.json`, "utf8")) as Record<string, unknown>;

/** An event file of the demo's other group (lz-edge: failed over, DX restored), aimed at this account's group. */
export const readEventForGroup = (name: string): Record<string, unknown> =>
  JSON.parse(JSON.stringify(readEvent(name)).replaceAll("lz-edge", GROUP)) as Record<string, unknown>;

/** The probe's trigger event, as the probe would put it now. */
export const triggerEvent = (failures = 2, vpnOk = true) => {
  const e = readEvent("probe-trigger");
  const now = Date.now();
  e.time = new Date(now).toISOString();
  e.detail = {
    group: GROUP,
    reason: "dx-down",
    at: now - 200,
    dxFailingSince: now - 1200,
    dx: { ok: false, consecutiveFailures: failures, consecutiveSuccesses: 0 },
    vpn: { ok: vpnOk, consecutiveFailures: vpnOk ? 0 : 1, consecutiveSuccesses: vpnOk ? 30 : 0 },
  };
  return e;
};

let cw: CloudWatchClient | undefined;
const cloudWatch = () => {
  cw ??= new CloudWatchClient({ region: "us-east-1" });
  return cw;
};

/**
 * A probe history: one sample per second per path, the last one `endAgoMs` before now; values are
 * oldest → newest (1 = the path answered).
 */
export const putSamples = async (series: { dx: number[]; vpn: number[] }, endAgoMs = 300): Promise<void> => {
  const now = Date.now() - endAgoMs;
  const data: MetricDatum[] = [];
  for (const [path, values] of [
    ["direct-connect", series.dx],
    ["vpn", series.vpn],
  ] as const) {
    values.forEach((value, i) => {
      data.push({
        MetricName: "PathHealthy",
        Dimensions: [
          { Name: "Group", Value: GROUP },
          { Name: "Path", Value: path },
        ],
        Value: value,
        Timestamp: new Date(now - (values.length - 1 - i) * 1000),
        StorageResolution: 1,
      });
    });
  }
  for (let i = 0; i < data.length; i += 1000)
    await cloudWatch().send(
      new PutMetricDataCommand({ Namespace: NAMESPACE, MetricData: data.slice(i, i + 1000) }),
    );
};

export const healthy = (n: number) => Array.from({ length: n }, () => 1);
export const failing = (n: number) => Array.from({ length: n }, () => 0);

export const resultOf = (report: InvocationReport): DxResult => {
  if (report.error !== undefined) throw report.error;
  return report.result as DxResult;
};

export const callsTo = (report: InvocationReport, operation: string) =>
  report.calls.filter((c) => c.operation === operation);

interface RouteSnap {
  Target?: string;
  Origin?: string;
  State?: string;
}

interface TableSnap {
  Routes?: Record<string, RouteSnap>;
  Tags?: Record<string, string>;
}

const tableAfter = (report: InvocationReport, id: string): TableSnap | undefined =>
  (report.after.routeTables as Record<string, TableSnap>)[id];

export const tagsAfter = (report: InvocationReport, id: string): Record<string, string> =>
  tableAfter(report, id)?.Tags ?? {};

/** Static routes of a table after the invocation: destination → target (state). */
export const staticRoutes = (report: InvocationReport, id: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries(tableAfter(report, id)?.Routes ?? {})
      .filter(([, r]) => r.Origin === "CreateRoute")
      .map(([dest, r]) => [dest, `${r.Target} (${r.State})`]),
  );

export const propagatedRoutes = (report: InvocationReport, id: string): string[] =>
  Object.entries(tableAfter(report, id)?.Routes ?? {})
    .filter(([, r]) => r.Origin === "EnableVgwRoutePropagation")
    .map(([dest]) => dest.replace(" (propagated)", ""));

/** A time `agoMs` before the fixture's clock start (the harness moves fixture timestamps, tags included, to now). */
export const fixtureTime = (f: Fixture, agoMs: number) =>
  new Date(Date.parse(f.clock.start) - agoMs).toISOString();

/** A fixture already failed over: static routes of ours and the state tags, the switch `switchedAgoMs` ago. */
export const failedOver = (f: Fixture, switchedAgoMs: number, extraTags: Record<string, string> = {}) => {
  const at = fixtureTime(f, switchedAgoMs);
  for (const t of f.routeTables) {
    if (!(TABLES as readonly string[]).includes(t.id)) continue;
    t.routes = [
      ...(t.routes ?? []),
      ...CIDRS.map((c) => ({ destinationCidrBlock: c, target: ENI, origin: "CreateRoute" as const })),
    ];
    t.tags = {
      ...t.tags,
      "ops:dx-failover:active": "vpn",
      "ops:dx-failover:since": at,
      "ops:dx-failover:last-switch": at,
      "ops:dx-failover:routes": CIDRS.join(" "),
      ...extraTags,
    };
  }
  return f;
};

export const bgp = (f: Fixture, status: "up" | "down") => {
  for (const v of f.virtualInterfaces) for (const p of v.bgpPeers ?? []) p.bgpStatus = status;
  return f;
};

export const publishedDetails = (report: InvocationReport) =>
  callsTo(report, "PutEvents")
    .flatMap((c) => (c.input.Entries as Array<{ Detail: string; DetailType: string }>) ?? [])
    .map((e) => ({ detailType: e.DetailType, detail: JSON.parse(e.Detail) as Record<string, unknown> }));
