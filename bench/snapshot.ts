/**
 * npm run snapshot, measured: the calls and wall time of a snapshot of a simulated account of 1,000
 * instances and 200 route tables (generated here, never committed), read over loopback HTTP from the
 * simulated account in this process (its decoding and encoding share the CPU with the SDK).
 *
 * `benchSnapshot()` is wired into `npm run bench` by bench/run.ts; `npx tsx bench/snapshot.ts` runs it alone.
 * Knobs: BENCH_SNAPSHOT_RUNS (3), BENCH_SNAPSHOT_INSTANCES (1000), BENCH_SNAPSHOT_TABLES (200).
 */
import { pathToFileURL } from "node:url";
import type { AccountFixtureInput } from "../sim/account/fixture";
import { parseFixture, SimulatedAccount } from "../sim/index";
import { simEndpointEnv, startSimServer } from "../sim/wire/index";
import { buildScope } from "../tools/snapshot/scope";
import { takeSnapshot } from "../tools/snapshot/snapshot";
import { resourceCounts } from "../tools/snapshot/summary";

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const VPC = "vpc-05a0000000000000a";
const ZONES = ["us-east-1a", "us-east-1b"];
const SUBNETS = 8;
const subnetId = (s: number) => `subnet-05a0000000000${hex(s, 4)}`;
const instanceId = (k: number) => `i-05a0000000000${hex(k, 4)}`;
const eniId = (k: number) => `eni-05a0000000000${hex(k, 4)}`;
const tableId = (t: number) => `rtb-05a0000000000${hex(t, 4)}`;
/** Subnet s is 10.5.(16 s).0/20: 4,091 usable addresses each. */
const addressOf = (k: number) => {
  const s = k % SUBNETS;
  const n = 10 + Math.floor(k / SUBNETS);
  return { subnet: subnetId(s), ip: `10.5.${16 * s + Math.floor(n / 256)}.${n % 256}` };
};

/**
 * `instances` instances (every other one opted in to idle-hibernate, with its idle alarm) and `tables`
 * route tables of 4 routes each to instances' primary ENIs; tags the toolkit does not read on everything.
 */
export const syntheticAccount = (instances: number, tables: number): AccountFixtureInput => ({
  accountId: "123456789012",
  region: "us-east-1",
  clock: { start: "2026-12-01T12:00:00.000Z" },
  vpcs: [{ id: VPC, cidrBlock: "10.5.0.0/16", tags: { Name: "bench", CostCenter: "cc-1" } }],
  subnets: Array.from({ length: SUBNETS }, (_, s) => ({
    id: subnetId(s),
    vpcId: VPC,
    availabilityZone: ZONES[s % ZONES.length] ?? "us-east-1a",
    cidrBlock: `10.5.${16 * s}.0/20`,
  })),
  instances: Array.from({ length: instances }, (_, k) => ({
    id: instanceId(k),
    instanceType: "m5.large",
    launchTime: "2026-12-01T08:00:00.000Z",
    subnetId: addressOf(k).subnet,
    privateIpAddress: addressOf(k).ip,
    primaryNetworkInterfaceId: eniId(k),
    hibernationConfigured: true,
    tags: { Name: `node-${k}`, Owner: "team-a", ...(k % 2 === 0 ? { "ops:hibernate": "idle" } : {}) },
  })),
  routeTables: Array.from({ length: tables }, (_, t) => ({
    id: tableId(t),
    vpcId: VPC,
    associations: t < SUBNETS ? [{ subnetId: subnetId(t) }] : [],
    routes: Array.from({ length: 4 }, (_, r) => ({
      destinationCidrBlock: `172.${16 + r}.${t % 256}.0/24`,
      target: eniId((t * 4 + r) % instances),
    })),
    tags: { Name: `rt-${t}`, "ops:failover-group": `g${t % 4}` },
  })),
  alarms: Array.from({ length: Math.ceil(instances / 2) }, (_, j) => ({
    name: `ops-idle-${instanceId(2 * j)}`,
    namespace: "AWS/EC2",
    metricName: "CPUUtilization",
    dimensions: { InstanceId: instanceId(2 * j) },
    statistic: "Average" as const,
    period: 300,
    evaluationPeriods: 3,
    threshold: 10,
    comparisonOperator: "LessThanThreshold" as const,
    tags: { "ops:managed-by": "ops-toolkit" },
  })),
});

const intFromEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** Snapshots of the generated account (the whole Region, no config), `runs` times; calls and wall time. */
export const benchSnapshot = async (): Promise<Record<string, unknown>> => {
  const instances = intFromEnv("BENCH_SNAPSHOT_INSTANCES", 1000);
  const tables = intFromEnv("BENCH_SNAPSHOT_TABLES", 200);
  const runs = intFromEnv("BENCH_SNAPSHOT_RUNS", 3);
  const account = SimulatedAccount.fromFixture(parseFixture(syntheticAccount(instances, tables), "bench"));
  const server = await startSimServer(account.dispatch, { control: account.control });
  const saved = { ...process.env };
  Object.assign(process.env, simEndpointEnv(server), { AWS_REGION: account.region });
  const wallMs: number[] = [];
  let last: Awaited<ReturnType<typeof takeSnapshot>> | undefined;
  try {
    for (let run = 0; run < runs; run += 1) {
      last = await takeSnapshot({ region: account.region, scope: buildScope({ vpcIds: [], tags: [] }) });
      wallMs.push(last.wallMs);
    }
  } finally {
    await server.close();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
  return {
    account: { instances, routeTables: tables, alarms: Math.ceil(instances / 2) },
    runs,
    wallMs: { median: Math.round(median(wallMs)), all: wallMs.map(Math.round) },
    calls: last?.stats.totalCalls,
    callsByOperation: Object.fromEntries([...(last?.stats.calls ?? new Map<string, number>())].sort()),
    retries: last?.stats.retries,
    resources: Object.fromEntries(last === undefined ? [] : resourceCounts(last.fixture)),
  };
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(`${JSON.stringify(await benchSnapshot(), null, 2)}\n`);
}
