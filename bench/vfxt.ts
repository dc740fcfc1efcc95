/**
 * vfxt-ip-move: a node stops → every orphaned address on a healthy node, measured on the simulated
 * account's manual clock (deterministic simulated time, no real waiting), through the real handler.
 *
 * For k client addresses spread evenly over m nodes, node 0 stops at t0 and its "stopped" event (time t0)
 * reaches the function at t0. Per case: the simulated time until the last orphaned address is on a healthy
 * node (`servedMs`: the last AssignPrivateIpAddresses + the remap, or the last route write), the time the
 * function ends (`endMs`, after its read-back), the API calls by operation, and the overhead the function
 * adds to the unavoidable wait + remap: `(servedMs − wait − remap) / remap`, where the wait is the grace and,
 * with a grace, the configured `remapSeconds` a last-moment move of the cluster may take to show. Every EC2 call costs
 * `apiLatencyMs` of simulated time (a latency fault on every call, one after the other).
 *
 * `benchVfxt()` is wired into `npm run bench` by bench/run.ts; `npx tsx bench/vfxt.ts` runs it alone.
 * Knobs: BENCH_VFXT_REMAP_MS (2000: the simulated remap), BENCH_VFXT_API_MS (50: per EC2 call).
 */

import { FUNCTIONS } from "../functions/index";
import { effectiveGraceMs } from "../functions/vfxt-ip-move/config";
import { Harness } from "../sim/harness";

interface Case {
  mode: "secondary" | "route";
  addresses: number;
  nodes: number;
  tables: number;
  graceSeconds: number;
}

/** The cases (6 and 64 addresses, grace 0 and its default 60 s), and /32 mode for its call counts. */
const CASES: Case[] = [
  { mode: "secondary", addresses: 6, nodes: 3, tables: 0, graceSeconds: 0 },
  { mode: "secondary", addresses: 6, nodes: 3, tables: 0, graceSeconds: 60 },
  { mode: "secondary", addresses: 64, nodes: 8, tables: 0, graceSeconds: 0 },
  { mode: "secondary", addresses: 64, nodes: 8, tables: 0, graceSeconds: 60 },
  { mode: "route", addresses: 3, nodes: 3, tables: 4, graceSeconds: 0 },
  { mode: "route", addresses: 32, nodes: 8, tables: 8, graceSeconds: 60 },
];

const T0 = Date.parse("2026-03-02T09:00:00.000Z");
const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const instanceId = (k: number) => `i-0be0c0de00000${hex(k, 4)}`;
const eniId = (k: number) => `eni-0be0c0de00000${hex(k, 4)}`;
const tableId = (t: number) => `rtb-0be0c0de00000${hex(t, 4)}`;
const subnetId = (z: number) => `subnet-0be0c0de00000${hex(z, 4)}`;
const VPC = "vpc-0be0c0de000000000";
const ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];

const addressOf = (c: Case, j: number) =>
  c.mode === "secondary" ? `10.40.${1 + Math.floor(j / 200)}.${10 + (j % 200)}` : `10.251.0.${10 + j}`;

const subnetsOf = (c: Case) =>
  c.mode === "secondary"
    ? [{ id: subnetId(0), vpcId: VPC, availabilityZone: ZONES[0], cidrBlock: "10.40.0.0/22" }]
    : ZONES.map((zone, z) => ({
        id: subnetId(z),
        vpcId: VPC,
        availabilityZone: zone,
        cidrBlock: `10.41.${z}.0/24`,
      }));

/** A cluster of `nodes` nodes holding `addresses` addresses round-robin; node 0 stopped at t0. */
const fixtureFor = (c: Case, remapMs: number, apiLatencyMs: number) => {
  const secondary = c.mode === "secondary";
  const subnets = subnetsOf(c);
  const owner = (j: number) => j % c.nodes;
  const instances = Array.from({ length: c.nodes }, (_, k) => ({
    id: instanceId(k),
    instanceType: "m5.xlarge",
    state: k === 0 ? "stopped" : "running",
    stateSince: k === 0 ? new Date(T0).toISOString() : undefined,
    launchTime: "2026-03-01T08:00:00.000Z",
    subnetId: subnets[k % subnets.length]?.id,
    privateIpAddress: secondary ? `10.40.0.${10 + k}` : `10.41.${k % 3}.${10 + k}`,
    tags: { "ops:vfxt-cluster": "bench" },
  }));
  const addresses = Array.from({ length: c.addresses }, (_, j) => addressOf(c, j));
  const networkInterfaces = instances.map((instance, k) => ({
    id: eniId(k),
    subnetId: instance.subnetId,
    privateIpAddress: instance.privateIpAddress,
    secondaryPrivateIpAddresses: secondary ? addresses.filter((_, j) => owner(j) === k) : [],
    sourceDestCheck: secondary,
    attachment: { instanceId: instance.id, deviceIndex: 0 },
    tags: { "ops:vfxt-cluster": "bench" },
  }));
  const routeTables = Array.from({ length: c.tables }, (_, t) => ({
    id: tableId(t),
    vpcId: VPC,
    routes: addresses.map((address, j) => ({
      destinationCidrBlock: `${address}/32`,
      target: eniId(owner(j)),
    })),
    tags: { "ops:vfxt-cluster": "bench" },
  }));
  return {
    accountId: "123456789012",
    region: "us-east-1",
    clock: { start: new Date(T0).toISOString(), mode: "manual" },
    behaviour: { privateIpRemapMs: remapMs },
    vpcs: [{ id: VPC, cidrBlock: "10.40.0.0/14" }],
    subnets,
    instances,
    networkInterfaces,
    routeTables,
    faults: apiLatencyMs > 0 ? [{ service: "ec2", operation: "*", latencyMs: apiLatencyMs }] : [],
  };
};

/** The cluster's `remapSeconds` (its default): waited after a non-zero grace. */
const REMAP_SECONDS = 5;

const configFor = (c: Case, remapMs: number) => ({
  vfxtIpMove: {
    maxAddressesPerInvocation: 1024,
    verifyTimeoutMs: Math.max(5000, remapMs * 3),
    clusters: [
      {
        name: "bench",
        addresses: Array.from({ length: c.addresses }, (_, j) => addressOf(c, j)),
        routeTableIds: Array.from({ length: c.tables }, (_, t) => tableId(t)),
        graceSeconds: c.graceSeconds,
        remapSeconds: REMAP_SECONDS,
        reservation: "off",
      },
    ],
  },
});

const stoppedEvent = {
  version: "0",
  id: "bench-vfxt-stopped",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "123456789012",
  time: "2026-03-02T09:00:00Z",
  region: "us-east-1",
  resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId(0)}`],
  detail: { "instance-id": instanceId(0), state: "stopped" },
};

const WRITES = new Set(["AssignPrivateIpAddresses", "ReplaceRoute", "CreateRoute"]);

const round1 = (n: number) => Math.round(n * 10) / 10;

const runCase = async (harness: Harness, c: Case, remapMs: number, apiLatencyMs: number) => {
  harness.load(fixtureFor(c, remapMs, apiLatencyMs), { now: new Date(T0) });
  const report = await harness.invoke("vfxt-ip-move", structuredClone(stoppedEvent), {
    env: { OPS_CONFIG: JSON.stringify(configFor(c, remapMs)) },
    timeoutMs: 300_000,
  });
  if (report.error !== undefined) throw report.error;
  const result = report.result as {
    decision: string;
    clusters: Array<{ moves: unknown[] }>;
    waitedMs: number;
  };
  const byOperation: Record<string, number> = {};
  for (const call of report.calls) byOperation[call.operation] = (byOperation[call.operation] ?? 0) + 1;
  const writes = report.calls.filter((call) => WRITES.has(call.operation));
  const landsAt = (call: (typeof writes)[number]) =>
    Date.parse(call.at) + (call.operation === "AssignPrivateIpAddresses" ? remapMs : 0);
  const servedMs = Math.max(...writes.map(landsAt)) - T0;
  const graceMs = effectiveGraceMs({ graceSeconds: c.graceSeconds, remapSeconds: REMAP_SECONDS });
  return {
    ...c,
    moved: result.clusters[0]?.moves.length ?? 0,
    decision: result.decision,
    apiCalls: report.calls.length,
    writeCalls: writes.length,
    byOperation,
    waitedMs: result.waitedMs,
    servedMs,
    endMs: report.simulatedMs,
    overheadPct: c.mode === "secondary" ? round1(((servedMs - graceMs - remapMs) / remapMs) * 100) : null,
    wallMs: Math.round(report.durationMs),
  };
};

export async function benchVfxt(
  remapMs = Number(process.env.BENCH_VFXT_REMAP_MS ?? 2000),
  apiLatencyMs = Number(process.env.BENCH_VFXT_API_MS ?? 50),
): Promise<Record<string, unknown>> {
  const harness = await Harness.start({ functions: FUNCTIONS, clock: "manual" });
  const cases: Record<string, unknown>[] = [];
  try {
    for (const c of CASES) cases.push(await runCase(harness, c, remapMs, apiLatencyMs));
  } finally {
    await harness.close();
  }
  return {
    remapMs,
    apiLatencyMs,
    note: "simulated time on the manual clock; each EC2 call costs apiLatencyMs, one after the other; overheadPct = (servedMs − wait − remap) / remap, wait = grace + remapSeconds when the grace is not 0",
    cases,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  const out = await benchVfxt();
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}
