import { readFileSync } from "node:fs";
import { CloudWatchClient, type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DxFailoverConfigSchema } from "../../../functions/dx-failover/config";
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
export const VIFS = ["dxvif-fgdx0001", "dxvif-fgdx0002"] as const;
export const NAMESPACE = "OpsToolkit/DxFailover";
export const STATE_KEY = `ops:dx-failover:${GROUP}:state`;
export const ROUTES_KEY = `ops:dx-failover:${GROUP}:routes`;

export const dxFixture = (): Fixture => readFixture(DX_ACCOUNT);

export interface GroupOverrides {
  applianceEniId?: string;
  applianceTag?: string;
  minDwellSeconds?: number;
  restoreWindowSeconds?: number;
  stuckOnVpnAfterSeconds?: number;
  mode?: string;
  aws?: Record<string, number>;
  routeTableIds?: string[];
  cidrs?: string[];
  verifyTimeoutMs?: number;
  location?: "region" | "local-zone";
  /** More groups (full group objects), e.g. a second group sharing the tables. */
  extraGroups?: Record<string, unknown>[];
}

export const groupConfig = (o: GroupOverrides = {}) => ({
  name: GROUP,
  location: o.location ?? "local-zone",
  cidrs: o.cidrs ?? [...CIDRS],
  ...(o.applianceTag ? { applianceTag: o.applianceTag } : { applianceEniId: o.applianceEniId ?? ENI }),
  virtualInterfaceIds: [...VIFS],
  routeTableIds: o.routeTableIds ?? [],
  minDwellSeconds: o.minDwellSeconds ?? 60,
  restoreWindowSeconds: o.restoreWindowSeconds ?? 300,
  ...(o.stuckOnVpnAfterSeconds !== undefined ? { stuckOnVpnAfterSeconds: o.stuckOnVpnAfterSeconds } : {}),
  probe: { directConnect: ["10.100.0.53:53"], vpn: ["10.101.0.53:53"] },
});

export const dxConfig = (o: GroupOverrides = {}) => ({
  mode: o.mode ?? "apply",
  ...(o.aws ? { aws: o.aws } : {}),
  dxFailover: {
    verifyTimeoutMs: o.verifyTimeoutMs ?? 3000,
    triggerBusName: "ops-toolkit-dx-trigger",
    groups: [groupConfig(o), ...(o.extraGroups ?? [])],
  },
});

export const dxSection = (o: GroupOverrides = {}) => DxFailoverConfigSchema.parse(dxConfig(o).dxFailover);

export const dxEnv = (o: GroupOverrides = {}): Record<string, string> => ({
  OPS_CONFIG: JSON.stringify(dxConfig(o)),
});

export const readEvent = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(`events/dx-failover/${name}.json`, "utf8")) as Record<string, unknown>;

/** An event file of the demo's other group (lz-edge: failed over, DX restored), aimed at this account's group. */
export const readEventForGroup = (name: string): Record<string, unknown> =>
  JSON.parse(JSON.stringify(readEvent(name)).replaceAll("lz-edge", GROUP)) as Record<string, unknown>;

/** The agent's trigger event, as the agent would put it now (or `atAgoMs` ago, or from another probe). */
export const triggerEvent = (
  failures = 2,
  vpnOk = true,
  o: { atAgoMs?: number; probe?: "agent" | "lambda"; group?: string } = {},
) => {
  const e = readEvent("probe-trigger");
  const now = Date.now();
  e.time = new Date(now).toISOString();
  const at = now - (o.atAgoMs ?? 200);
  e.detail = {
    group: o.group ?? GROUP,
    reason: "dx-down",
    probe: o.probe ?? "agent",
    at,
    dxFailingSince: at - 1000,
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
 * A probe history, as the agent publishes it: one sample every `stepMs` per path, the last one `endAgoMs`
 * before now; values are oldest → newest (1 = the path answered).
 */
export const putSamples = async (
  series: { dx: number[]; vpn: number[] },
  endAgoMs = 300,
  o: { group?: string; probe?: string; stepMs?: number } = {},
): Promise<void> => {
  const now = Date.now() - endAgoMs;
  const step = o.stepMs ?? 1000;
  const data: MetricDatum[] = [];
  for (const [path, values] of [
    ["direct-connect", series.dx],
    ["vpn", series.vpn],
  ] as const) {
    values.forEach((value, i) => {
      data.push({
        MetricName: "PathHealthy",
        Dimensions: [
          { Name: "Group", Value: o.group ?? GROUP },
          { Name: "Path", Value: path },
          { Name: "Probe", Value: o.probe ?? "agent" },
        ],
        Value: value,
        Timestamp: new Date(now - (values.length - 1 - i) * step),
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

/** The group's packed state tag after the invocation, as fields (`active`, `flaps`…). */
export const stateAfter = (report: InvocationReport, id: string, group = GROUP): Record<string, string> =>
  Object.fromEntries(
    (tagsAfter(report, id)[`ops:dx-failover:${group}:state`] ?? "")
      .split(" ")
      .filter((s) => s !== "")
      .map((f) => f.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );

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

/**
 * A time `agoMs` before now, for the packed state tag: the harness moves a fixture's whole-string timestamps
 * to now when it loads it, not times inside a tag value, so these are written relative to the real clock.
 */
export const agoIso = (agoMs: number) => new Date(Date.now() - agoMs).toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * A fixture already failed over: static routes of ours and the group's state tag, the switch
 * `switchedAgoMs` ago; `state` adds fields to the packed state (e.g. `flaps=1`, `override=vpn/<time>`).
 */
export const failedOver = (
  f: Fixture,
  switchedAgoMs: number,
  state = "",
  o: { eni?: string; cidrs?: readonly string[] } = {},
) => {
  const at = agoIso(switchedAgoMs);
  const cidrs = o.cidrs ?? CIDRS;
  for (const t of f.routeTables) {
    if (!(TABLES as readonly string[]).includes(t.id)) continue;
    t.routes = [
      ...(t.routes ?? []),
      ...cidrs.map((c) => ({
        destinationCidrBlock: c,
        target: o.eni ?? ENI,
        origin: "CreateRoute" as const,
      })),
    ];
    t.tags = {
      ...t.tags,
      [STATE_KEY]: `active=vpn since=${at} switch=${at} ${state}`.trim(),
      [ROUTES_KEY]: cidrs.join(" "),
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
