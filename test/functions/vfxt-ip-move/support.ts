import { type VfxtIpMoveConfig, VfxtIpMoveConfigSchema } from "../../../functions/vfxt-ip-move/config";
import type { VfxtResult } from "../../../functions/vfxt-ip-move/report";
import * as z from "../../../shared/runtime/zod";
import type { Harness, InvocationReport } from "../../../sim/harness";
import type { SimulatedTime } from "../../../sim/simulated-time";
import {
  alarmOf,
  type Fixture,
  type InstanceStateInput,
  instanceOf,
  networkInterfaceOf,
  readEvent,
  readFixture,
} from "../../support/fixtures";

/** The vFXT account (test/fixtures/accounts/vfxt.json: both clusters healthy) and its ids. */
const VFXT_ACCOUNT = "test/fixtures/accounts/vfxt.json";

export const A = {
  nodes: ["i-0af7c0de000000a01", "i-0af7c0de000000a02", "i-0af7c0de000000a03"],
  enis: ["eni-0af7c0de000000a01", "eni-0af7c0de000000a02", "eni-0af7c0de000000a03"],
  addresses: ["10.20.1.101", "10.20.1.102", "10.20.1.103", "10.20.1.104", "10.20.1.105", "10.20.1.106"],
} as const;

export const B = {
  nodes: ["i-0af7c0de000000b01", "i-0af7c0de000000b02", "i-0af7c0de000000b03"],
  enis: ["eni-0af7c0de000000b01", "eni-0af7c0de000000b02", "eni-0af7c0de000000b03"],
  addresses: ["10.250.0.11", "10.250.0.12", "10.250.0.13"],
  tables: [
    "rtb-0af7c0de000000b01",
    "rtb-0af7c0de000000b02",
    "rtb-0af7c0de000000b03",
    "rtb-0af7c0de000000c01",
  ],
} as const;

/** The account's clock start (events/accounts/vfxt.json): tests on the manual clock load it at this time. */
export const START = Date.parse("2026-03-02T09:00:00.000Z");

export const vfxtFixture = (edit: (f: Fixture) => void = () => undefined): Fixture => {
  const fixture = readFixture(VFXT_ACCOUNT);
  edit(fixture);
  return fixture;
};

export const setState = (fixture: Fixture, instanceId: string, state: InstanceStateInput): void => {
  instanceOf(fixture, instanceId).state = state;
};

export const setSecondaries = (fixture: Fixture, eniId: string, addresses: string[]): void => {
  networkInterfaceOf(fixture, eniId).secondaryPrivateIpAddresses = addresses;
};

/** Terminates a node the way EC2 leaves it: its primary ENI (DeleteOnTermination) is gone. */
export const terminate = (fixture: Fixture, instanceId: string, eniId: string): void => {
  setState(fixture, instanceId, "terminated");
  fixture.networkInterfaces = fixture.networkInterfaces.filter((n) => n.id !== eniId);
};

/** A running node whose status checks fail: `impaired` (DescribeInstanceStatus) and its alarm in ALARM. */
export const impair = (fixture: Fixture, instanceId: string): void => {
  instanceOf(fixture, instanceId).status = { instance: "impaired", system: "ok" };
  alarmOf(fixture, `ops-vfxt-status-${instanceId}`).state = "ALARM";
};

interface ClusterOverrides {
  rebalance?: boolean;
  /** Default 0 here: these scenarios are about where addresses go, the grace has its own tests. */
  graceSeconds?: number;
  /** Extra keys of vfxt-a and vfxt-b. */
  cluster?: Record<string, unknown>;
  clusterB?: Record<string, unknown>;
  verifyTimeoutMs?: number;
  maxAddressesPerInvocation?: number;
  mode?: string;
  aws?: Record<string, number>;
}

/** The vfxtIpMove section for the two clusters of the vFXT account (as written in a stage file). */
const vfxtSection = (overrides: ClusterOverrides = {}) => ({
  verifyTimeoutMs: overrides.verifyTimeoutMs ?? 5000,
  maxAddressesPerInvocation: overrides.maxAddressesPerInvocation ?? 64,
  clusters: [
    {
      name: "vfxt-a",
      addresses: [
        "10.20.1.101",
        "10.20.1.102",
        "10.20.1.103/32",
        "10.20.1.104",
        "10.20.1.105",
        "10.20.1.106",
      ],
      rebalance: overrides.rebalance ?? false,
      graceSeconds: overrides.graceSeconds ?? 0,
      ...overrides.cluster,
    },
    {
      name: "vfxt-b",
      addresses: ["10.250.0.11", "10.250.0.12", "10.250.0.13"],
      routeTableIds: [...B.tables],
      rebalance: overrides.rebalance ?? false,
      graceSeconds: overrides.graceSeconds ?? 0,
      ...overrides.clusterB,
    },
  ],
});

/** OPS_CONFIG for the two clusters of the vFXT account. */
export const vfxtEnv = (overrides: ClusterOverrides = {}): Record<string, string> => ({
  OPS_CONFIG: JSON.stringify({
    mode: overrides.mode ?? "apply",
    ...(overrides.aws === undefined ? {} : { aws: overrides.aws }),
    vfxtIpMove: vfxtSection(overrides),
  }),
});

/** The same section parsed (defaults applied), for the invariant checks. */
export const vfxtConfig = (overrides: ClusterOverrides = {}): VfxtIpMoveConfig =>
  z.parse(VfxtIpMoveConfigSchema, vfxtSection(overrides));

export const EVENTS = {
  stopping: "events/vfxt-ip-move/ec2-stopping.json",
  stopped: "events/vfxt-ip-move/ec2-stopped.json",
  terminated: "events/vfxt-ip-move/ec2-terminated-multi-az.json",
  shuttingDown: "events/vfxt-ip-move/ec2-shutting-down-multi-az.json",
  running: "events/vfxt-ip-move/ec2-running.json",
  statusAlarm: "events/vfxt-ip-move/status-alarm.json",
  statusAlarmOk: "events/vfxt-ip-move/status-alarm-ok.json",
  statusAlarmSns: "events/not-delivered/vfxt-ip-move/status-alarm-sns.json",
  statusAlarmLambdaAction: "events/not-delivered/vfxt-ip-move/status-alarm-lambda-action.json",
  reconcile: "events/vfxt-ip-move/schedule-reconcile.json",
} as const;

/** An event file with a fresh id (the handler does not deduplicate by id, but logs do). */
export const event = (path: string, edit: (e: Record<string, unknown>) => void = () => undefined) => {
  const raw = readEvent<Record<string, unknown>>(path);
  edit(raw);
  return raw;
};

export const ec2StateEvent = (instanceId: string, state: string) =>
  event(EVENTS.stopping, (e) => {
    e.resources = [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`];
    e.detail = { "instance-id": instanceId, state };
  });

/** The event, as EventBridge would have sent it at `at`. */
export const atTime = (raw: Record<string, unknown>, at: number): Record<string, unknown> => ({
  ...raw,
  time: new Date(at).toISOString().replace(".000Z", "Z"),
});

/** The cluster software's own EC2 call (its node role), told apart from the function's by request id. */
export const clusterCall = (harness: Harness, operation: string, input: Record<string, unknown>) =>
  harness.account.dispatch({ service: "ec2", operation, region: "us-east-1", requestId: "cluster" }, input);

/** Resolves once a handler sleeps on the manual clock (a driver's own sleep then cannot overtake its reads). */
export const untilHandlerSleeps = async (harness: Harness): Promise<void> => {
  const time = harness.clock as SimulatedTime;
  // Looked at on every turn of the event loop: a lone sleeper is woken after a few quiet turns (sim/
  // simulated-time.ts), so a poll on a real-time timer could miss every sleep of the handler and wait for
  // ever (CI once). Bounded by real time: a first build loads the handler's modules, and the simulated
  // clock does not move meanwhile.
  const giveUpAt = performance.now() + 100_000;
  while (time.pending === 0 && performance.now() < giveUpAt) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (time.pending === 0) throw new Error("the handler never slept");
};

/** The report with the function's own calls only. */
export const functionCalls = (report: InvocationReport): InvocationReport => ({
  ...report,
  calls: report.calls.filter((c) => c.requestId !== "cluster"),
});

export const resultOf = (report: InvocationReport): VfxtResult => {
  if (report.error !== undefined) throw report.error;
  return report.result as VfxtResult;
};

export const callsTo = (report: InvocationReport, operation: string) =>
  report.calls.filter((c) => c.operation === operation);

export const operations = (report: InvocationReport) =>
  report.calls.map((c) => `${c.service}:${c.operation}`);

export const addressesAfter = (report: InvocationReport, eniId: string): string[] =>
  (report.after.networkInterfaces as Record<string, { PrivateIpAddresses: string[] }>)[eniId]
    ?.PrivateIpAddresses ?? [];

export const routeAfter = (report: InvocationReport, table: string, destination: string) =>
  (report.after.routeTables as Record<string, { Routes: Record<string, { Target: string; State: string }> }>)[
    table
  ]?.Routes[destination];
