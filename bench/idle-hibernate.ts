/**
 * idle-hibernate: API calls per decision and at fleet scale, and the Lambda cost per month (issue 12).
 *
 * 1. Every event of events/idle-hibernate/ against the demo account with config/dev.json: the decision and
 *    the API calls by operation.
 * 2. A fleet of 1,000 opted-in instances, each with its idle alarm: the 15-minute reconcile (100 or all
 *    1,000 alarms in ALARM, per-invocation limit 10 or 1,000), the hourly alarms reconcile (all up to
 *    date, first run, a changed default threshold) and the daily hibernation-age watch (50 hibernated 56
 *    days): API calls by operation, simulated and wall time.
 * 3. The Lambda cost per month of the capability for that fleet, from those call counts (assumptions
 *    printed with the figures), and the CloudWatch alarm cost beside it.
 *
 * `benchIdleHibernate()` is wired into `npm run bench` by bench/run.ts; `npx tsx bench/idle-hibernate.ts`
 * runs it alone.
 */
import { readFileSync } from "node:fs";
import { FUNCTIONS } from "../functions/index";
import { Harness, type InvocationReport } from "../sim/harness";

const START = "2026-03-02T09:00:00.000Z";
const START_MS = Date.parse(START);
const DAY_MS = 86_400_000;
const FLEET = 1000;
const DEV_CONFIG = JSON.parse(readFileSync("config/dev.json", "utf8")) as Record<string, unknown>;

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const instanceId = (k: number) => `i-0be1e${hex(k, 12)}`;
const SUBNET = "subnet-0be1e000000000001";

interface FleetShape {
  /** Running instances whose idle alarm is in ALARM (the first ones). */
  inAlarm: number;
  /** Instances hibernated 56 days ago (the last ones): stopped, no alarm in ALARM. */
  hibernated: number;
  /** Whether the idle alarms exist (false: the alarms reconcile's first run). */
  alarms: boolean;
}

const instance = (k: number, hibernated: boolean) => ({
  id: instanceId(k),
  instanceType: "m5.large",
  launchTime: new Date(START_MS - (hibernated ? 60 : 2) * DAY_MS).toISOString(),
  subnetId: SUBNET,
  privateIpAddress: `10.80.${Math.floor((k + 10) / 254)}.${((k + 10) % 254) + 1}`,
  hibernationConfigured: true,
  tags: { "ops:hibernate": "idle" },
  ...(hibernated
    ? {
        state: "stopped",
        stateSince: new Date(START_MS - 56 * DAY_MS).toISOString(),
        stateReason: {
          code: "Client.UserInitiatedHibernate",
          message: "Client.UserInitiatedHibernate: User initiated hibernate",
        },
      }
    : {}),
});

const alarm = (k: number, state: string) => ({
  name: `ops-idle-${instanceId(k)}`,
  namespace: "AWS/EC2",
  metricName: "CPUUtilization",
  dimensions: { InstanceId: instanceId(k) },
  statistic: "Average",
  period: 300,
  evaluationPeriods: 3,
  datapointsToAlarm: 3,
  threshold: 10,
  comparisonOperator: "LessThanThreshold",
  treatMissingData: "missing",
  state,
  tags: { "ops:managed-by": "ops-toolkit" },
});

/** 1,000 opted-in m5.large instances in one /22, each with the toolkit's idle alarm. */
const fleetFixture = (shape: FleetShape) => {
  const ids = Array.from({ length: FLEET }, (_, k) => k);
  const hibernatedFrom = FLEET - shape.hibernated;
  return {
    accountId: "123456789012",
    region: "us-east-1",
    clock: { start: START, mode: "manual" },
    vpcs: [{ id: "vpc-0be1e000000000001", cidrBlock: "10.80.0.0/16" }],
    subnets: [
      {
        id: SUBNET,
        vpcId: "vpc-0be1e000000000001",
        availabilityZone: "us-east-1a",
        cidrBlock: "10.80.0.0/22",
      },
    ],
    instances: ids.map((k) => instance(k, k >= hibernatedFrom)),
    alarms: shape.alarms
      ? ids.filter((k) => k < hibernatedFrom).map((k) => alarm(k, k < shape.inAlarm ? "ALARM" : "OK"))
      : [],
  };
};

const schedule = (rule: string) => ({
  version: "0",
  id: `bench-${rule}`,
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: START.replace(".000", ""),
  region: "us-east-1",
  resources: [`arn:aws:events:us-east-1:123456789012:rule/ops-toolkit-dev-${rule}`],
  detail: {},
});

export interface Measured {
  name: string;
  function: string;
  decision: string;
  apiCalls: number;
  byOperation: Record<string, number>;
  simMs: number;
  wallMs: number;
}

const measure = (name: string, report: InvocationReport): Measured => {
  if (report.error !== undefined) throw report.error;
  const byOperation: Record<string, number> = {};
  for (const call of report.calls) byOperation[call.operation] = (byOperation[call.operation] ?? 0) + 1;
  return {
    name,
    function: report.function,
    decision: String((report.result as { decision?: unknown }).decision),
    apiCalls: report.calls.length,
    byOperation,
    simMs: report.simulatedMs,
    wallMs: Math.round(report.durationMs),
  };
};

/** The events of events/idle-hibernate/ with the function the stack delivers them to. */
const EVENTS: ReadonlyArray<[string, "idle-hibernate" | "idle-alarms"]> = [
  ["alarm-eventbridge.json", "idle-hibernate"],
  ["alarm-lambda-action.json", "idle-hibernate"],
  ["alarm-sns.json", "idle-hibernate"],
  ["alarm-adopted.json", "idle-hibernate"],
  ["alarm-paused.json", "idle-hibernate"],
  ["schedule-reconcile.json", "idle-hibernate"],
  ["schedule-hibernation-age.json", "idle-hibernate"],
  ["ec2-stopped.json", "idle-alarms"],
  ["ec2-stopped-normal-shutdown.json", "idle-alarms"],
  ["ec2-running.json", "idle-alarms"],
  ["ec2-terminated.json", "idle-alarms"],
];

const perDecision = async (harness: Harness): Promise<Measured[]> => {
  const env = { OPS_CONFIG: JSON.stringify(DEV_CONFIG) };
  const results: Measured[] = [];
  for (const [file, name] of EVENTS) {
    harness.load("events/accounts/demo.json");
    const event = JSON.parse(readFileSync(`events/idle-hibernate/${file}`, "utf8")) as unknown;
    results.push(measure(file, await harness.invoke(name, event, { env })));
  }
  return results;
};

interface FleetCase {
  name: string;
  function: "idle-hibernate" | "idle-alarms";
  rule: string;
  shape: FleetShape;
  idleHibernate?: Record<string, unknown>;
}

const FLEET_CASES: FleetCase[] = [
  {
    name: "reconcile, 100 in ALARM, limit 10",
    function: "idle-hibernate",
    rule: "idle-hibernate-reconcile",
    shape: { inAlarm: 100, hibernated: 0, alarms: true },
  },
  {
    name: "reconcile, 100 in ALARM, limit 1000",
    function: "idle-hibernate",
    rule: "idle-hibernate-reconcile",
    shape: { inAlarm: 100, hibernated: 0, alarms: true },
    idleHibernate: { maxInstancesPerInvocation: 1000 },
  },
  {
    name: "reconcile, 1000 in ALARM, limit 1000",
    function: "idle-hibernate",
    rule: "idle-hibernate-reconcile",
    shape: { inAlarm: 1000, hibernated: 0, alarms: true },
    idleHibernate: { maxInstancesPerInvocation: 1000 },
  },
  {
    name: "reconcile, none in ALARM",
    function: "idle-hibernate",
    rule: "idle-hibernate-reconcile",
    shape: { inAlarm: 0, hibernated: 0, alarms: true },
  },
  {
    name: "hibernation age, 50 of 1000 hibernated 56 days",
    function: "idle-hibernate",
    rule: "idle-hibernate-hibernation-age",
    shape: { inAlarm: 0, hibernated: 50, alarms: true },
  },
  {
    name: "alarms reconcile, all up to date",
    function: "idle-alarms",
    rule: "idle-alarms-reconcile",
    shape: { inAlarm: 0, hibernated: 0, alarms: true },
  },
  {
    name: "alarms reconcile, first run (1000 created)",
    function: "idle-alarms",
    rule: "idle-alarms-reconcile",
    shape: { inAlarm: 0, hibernated: 0, alarms: false },
  },
  {
    name: "alarms reconcile, new default threshold (1000 updated)",
    function: "idle-alarms",
    rule: "idle-alarms-reconcile",
    shape: { inAlarm: 0, hibernated: 0, alarms: true },
    idleHibernate: { alarm: { cpuThresholdPercent: 5 } },
  },
];

const fleet = async (harness: Harness): Promise<Measured[]> => {
  const results: Measured[] = [];
  for (const c of FLEET_CASES) {
    harness.load(fleetFixture(c.shape), { now: new Date(START) });
    const env = { OPS_CONFIG: JSON.stringify({ idleHibernate: c.idleHibernate ?? {} }) };
    results.push(
      measure(c.name, await harness.invoke(c.function, schedule(c.rule), { env, timeoutMs: 900_000 })),
    );
  }
  return results;
};

/**
 * Prices and assumptions of the cost estimate. Lambda arm64 (serverless.yml `architecture`) in us-east-1:
 * $0.0000133334 per GB-second and $0.20 per million requests (aws.amazon.com/lambda/pricing, as transcribed
 * in artillery's lib/platform/aws-lambda/prices.js; x86: $0.0000166667, AWS whitepaper "How AWS Pricing
 * Works"). The duration is modelled, not measured in AWS: every API call taken as sequential at
 * 30 ms (bench/README.md: real calls cost ~5–30 ms), plus 100 ms of runtime per invocation.
 */
const PRICES = {
  gbSecond: 0.0000133334,
  perMillionRequests: 0.2,
  memoryGb: 0.25,
  apiCallMs: 30,
  invocationMs: 100,
  /** Third-party figure (c3x.dev, cloudcostkit.com), to verify on the CloudWatch pricing page. */
  alarmMetricMonth: 0.1,
};

/** The monthly load of a 1,000-instance fleet, each hibernated once a day and resumed once a day. */
const monthlyInvocations = (perEvent: Measured[], fleetResults: Measured[]) => {
  const calls = (list: Measured[], name: string) => list.find((m) => m.name === name)?.apiCalls ?? 0;
  return [
    {
      what: "idle alarm events (1 per instance per day)",
      count: 30 * FLEET,
      apiCalls: calls(perEvent, "alarm-eventbridge.json"),
    },
    {
      what: "stopped events (1 per instance per day)",
      count: 30 * FLEET,
      apiCalls: calls(perEvent, "ec2-stopped.json"),
    },
    {
      what: "reconcile every 15 minutes (none in ALARM)",
      count: 2880,
      apiCalls: calls(fleetResults, "reconcile, none in ALARM"),
    },
    {
      what: "hibernation-age watch, daily",
      count: 30,
      apiCalls: calls(fleetResults, "hibernation age, 50 of 1000 hibernated 56 days"),
    },
    {
      what: "idle-alarms: running events (1 per instance per day)",
      count: 30 * FLEET,
      apiCalls: calls(perEvent, "ec2-running.json"),
    },
    {
      what: "idle-alarms: reconcile hourly (up to date)",
      count: 720,
      apiCalls: calls(fleetResults, "alarms reconcile, all up to date"),
    },
  ];
};

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

const costPerMonth = (perEvent: Measured[], fleetResults: Measured[]) => {
  const lines = monthlyInvocations(perEvent, fleetResults).map((line) => {
    const ms = PRICES.invocationMs + line.apiCalls * PRICES.apiCallMs;
    const gbSeconds = (line.count * ms * PRICES.memoryGb) / 1000;
    const usd = gbSeconds * PRICES.gbSecond + (line.count / 1e6) * PRICES.perMillionRequests;
    return { ...line, modelledMs: ms, gbSeconds: round(gbSeconds, 1), usd: round(usd, 4) };
  });
  const invocations = lines.reduce((sum, l) => sum + l.count, 0);
  const gbSeconds = lines.reduce((sum, l) => sum + l.gbSeconds, 0);
  return {
    assumptions: PRICES,
    lines,
    invocations,
    gbSeconds: round(gbSeconds, 1),
    lambdaUsdPerMonth: round(
      lines.reduce((sum, l) => sum + l.usd, 0),
      2,
    ),
    note: "before the free tier (1M requests and 400,000 GB-s a month), which covers all of it",
    cloudWatchAlarmsUsdPerMonth: {
      cpuOnly: round(FLEET * PRICES.alarmMetricMonth, 2),
      cpuAndNetwork: round(FLEET * 3 * PRICES.alarmMetricMonth, 2),
      note: "per alarm metric-month (the network-aware alarm reads 3 metrics); third-party price, to verify",
    },
  };
};

export async function benchIdleHibernate(): Promise<Record<string, unknown>> {
  const harness = await Harness.start({ functions: FUNCTIONS, clock: "manual", logLevel: "SILENT" });
  try {
    const perEvent = await perDecision(harness);
    const fleetResults = await fleet(harness);
    return {
      perDecision: perEvent,
      fleet: { instances: FLEET, cases: fleetResults },
      costPerMonth: costPerMonth(perEvent, fleetResults),
    };
  } finally {
    await harness.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  const out = await benchIdleHibernate();
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}
