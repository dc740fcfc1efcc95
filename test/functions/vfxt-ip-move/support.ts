import type { VfxtResult } from "../../../functions/vfxt-ip-move/move";
import type { InvocationReport } from "../../../sim/harness";
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

export const vfxtFixture = (): Fixture => readFixture(VFXT_ACCOUNT);

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

export const setAlarm = (fixture: Fixture, instanceId: string, state: "OK" | "ALARM"): void => {
  alarmOf(fixture, `ops-vfxt-status-${instanceId}`).state = state;
};

interface ClusterOverrides {
  rebalance?: boolean;
  verifyTimeoutMs?: number;
  maxAddressesPerInvocation?: number;
  mode?: string;
  aws?: Record<string, number>;
}

/** OPS_CONFIG for the two clusters of the vFXT account. */
export const vfxtEnv = (overrides: ClusterOverrides = {}): Record<string, string> => ({
  OPS_CONFIG: JSON.stringify({
    mode: overrides.mode ?? "apply",
    ...(overrides.aws === undefined ? {} : { aws: overrides.aws }),
    vfxtIpMove: {
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
        },
        {
          name: "vfxt-b",
          addresses: ["10.250.0.11", "10.250.0.12", "10.250.0.13"],
          routeTableIds: [...B.tables],
          rebalance: overrides.rebalance ?? false,
        },
      ],
    },
  }),
});

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
