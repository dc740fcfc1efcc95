/**
 * vfxt-ip-move: the move path, measured against the simulated account (in-process, loopback wire).
 *
 * For k client addresses spread evenly over m nodes, one node stops and the real handler moves its
 * addresses: the API calls of the invocation (by operation), the simulated time it took (the account's
 * clock, which follows real time in the harness, so it includes the asynchronous remap and the
 * read-back) and the wall time. Secondary-IP mode (one subnet) and /32 mode (three AZs, t route tables).
 *
 * `benchVfxt()` is wired into `npm run bench` by bench/run.ts; `npx tsx bench/vfxt.ts` runs it alone.
 * Knob: BENCH_VFXT_REMAP_MS (default 2000: the simulated AssignPrivateIpAddresses remap delay).
 */

import { FUNCTIONS } from "../functions/index";
import { Harness } from "../sim/harness";

interface Case {
  mode: "secondary" | "route";
  addresses: number;
  nodes: number;
  tables: number;
}

const CASES: Case[] = [
  { mode: "secondary", addresses: 6, nodes: 3, tables: 0 },
  { mode: "secondary", addresses: 24, nodes: 4, tables: 0 },
  { mode: "secondary", addresses: 64, nodes: 8, tables: 0 },
  { mode: "route", addresses: 3, nodes: 3, tables: 4 },
  { mode: "route", addresses: 12, nodes: 4, tables: 4 },
  { mode: "route", addresses: 32, nodes: 8, tables: 8 },
];

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const instanceId = (k: number) => `i-0be0c0de00000${hex(k, 4)}`;
const eniId = (k: number) => `eni-0be0c0de00000${hex(k, 4)}`;
const tableId = (t: number) => `rtb-0be0c0de00000${hex(t, 4)}`;
const subnetId = (z: number) => `subnet-0be0c0de00000${hex(z, 4)}`;
const VPC = "vpc-0be0c0de000000000";
const ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];

/** A cluster of `nodes` nodes holding `addresses` addresses round-robin; node 0 is stopped. */
const fixtureFor = (c: Case, remapMs: number) => {
  const secondary = c.mode === "secondary";
  const address = (j: number) =>
    secondary ? `10.40.${1 + Math.floor(j / 200)}.${10 + (j % 200)}` : `10.251.0.${10 + j}`;
  const subnets = secondary
    ? [{ id: subnetId(0), vpcId: VPC, availabilityZone: ZONES[0], cidrBlock: "10.40.0.0/22" }]
    : ZONES.map((zone, z) => ({
        id: subnetId(z),
        vpcId: VPC,
        availabilityZone: zone,
        cidrBlock: `10.41.${z}.0/24`,
      }));
  const owner = (j: number) => j % c.nodes;
  const instances = Array.from({ length: c.nodes }, (_, k) => ({
    id: instanceId(k),
    instanceType: "m5.xlarge",
    state: k === 0 ? "stopped" : "running",
    launchTime: "2026-03-01T08:00:00.000Z",
    subnetId: subnets[k % subnets.length]?.id,
    privateIpAddress: secondary ? `10.40.0.${10 + k}` : `10.41.${k % 3}.${10 + k}`,
    tags: { "ops:vfxt-cluster": "bench" },
  }));
  const networkInterfaces = instances.map((instance, k) => ({
    id: eniId(k),
    subnetId: instance.subnetId,
    privateIpAddress: instance.privateIpAddress,
    secondaryPrivateIpAddresses: secondary
      ? Array.from({ length: c.addresses }, (_, j) => j)
          .filter((j) => owner(j) === k)
          .map(address)
      : [],
    sourceDestCheck: secondary,
    attachment: { instanceId: instance.id, deviceIndex: 0 },
    tags: { "ops:vfxt-cluster": "bench" },
  }));
  const routeTables = Array.from({ length: c.tables }, (_, t) => ({
    id: tableId(t),
    vpcId: VPC,
    routes: Array.from({ length: c.addresses }, (_, j) => ({
      destinationCidrBlock: `${address(j)}/32`,
      target: eniId(owner(j)),
    })),
    tags: { "ops:vfxt-cluster": "bench" },
  }));
  return {
    fixture: {
      accountId: "123456789012",
      region: "us-east-1",
      clock: { start: "2026-03-02T09:00:00.000Z" },
      behaviour: { privateIpRemapMs: remapMs },
      vpcs: [{ id: VPC, cidrBlock: "10.40.0.0/14" }],
      subnets,
      instances,
      networkInterfaces,
      routeTables,
    },
    config: {
      vfxtIpMove: {
        maxAddressesPerInvocation: 1024,
        verifyTimeoutMs: Math.max(5000, remapMs * 3),
        clusters: [
          {
            name: "bench",
            addresses: Array.from({ length: c.addresses }, (_, j) => address(j)),
            routeTableIds: Array.from({ length: c.tables }, (_, t) => tableId(t)),
          },
        ],
      },
    },
  };
};

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

export async function benchVfxt(
  remapMs = Number(process.env.BENCH_VFXT_REMAP_MS ?? 2000),
): Promise<Record<string, unknown>> {
  const harness = await Harness.start({ functions: FUNCTIONS });
  const results: Record<string, unknown>[] = [];
  try {
    for (const c of CASES) {
      const { fixture, config } = fixtureFor(c, remapMs);
      harness.load(fixture);
      const report = await harness.invoke("vfxt-ip-move", structuredClone(stoppedEvent), {
        env: { OPS_CONFIG: JSON.stringify(config) },
      });
      // Simulated time from the first API call to the last (the remap and the read-back included).
      const times = report.calls.map((call) => Date.parse(call.at));
      const simMs = times.length > 0 ? Math.max(...times) - Math.min(...times) : 0;
      if (report.error !== undefined) throw report.error;
      const result = report.result as { decision: string; clusters: Array<{ moves: unknown[] }> };
      const byOperation: Record<string, number> = {};
      for (const call of report.calls) byOperation[call.operation] = (byOperation[call.operation] ?? 0) + 1;
      const writes = report.calls.filter(
        (call) => !/^Describe/.test(call.operation) && call.operation !== "PutEvents",
      );
      results.push({
        mode: c.mode,
        addresses: c.addresses,
        nodes: c.nodes,
        routeTables: c.tables,
        moved: result.clusters[0]?.moves.length ?? 0,
        decision: result.decision,
        apiCalls: report.calls.length,
        writeCalls: writes.length,
        byOperation,
        simMs,
        wallMs: Math.round(report.durationMs),
      });
    }
  } finally {
    await harness.close();
  }
  return { remapMs, cases: results };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  const out = await benchVfxt();
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}
