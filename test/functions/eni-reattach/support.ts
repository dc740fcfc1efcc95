import { readFileSync } from "node:fs";
import type { LifecycleOutcome } from "../../../functions/eni-reattach/reattach/report";
import type { EniReattachResult } from "../../../functions/eni-reattach/reattach/run";
import type { Harness, InvocationReport } from "../../../sim/harness";
import { type Fixture, instanceOf, networkInterfaceOf, readFixture } from "../../support/fixtures";

/** The eni-reattach account: an Outposts firewall group (fw-asg) with three multi-VPC ENIs. */
const ACCOUNT = "test/fixtures/accounts/eni-reattach.json";
export const OLD = "i-0f1e2d3c4b5a60001";
export const NEW = "i-0f1e2d3c4b5a60002";
export const IT = "eni-0e1d2c3b4a5f60001";
export const OT = "eni-0e1d2c3b4a5f60002";
export const EXPOSED = "eni-0e1d2c3b4a5f60003";
export const ENIS = [IT, OT, EXPOSED] as const;
export const LGW_TABLE = "lgw-rtb-0f0e0d0c0b0a00099";
export const OUTPOST = "op-0a1b2c3d4e5f60001";
export const OUTPOST_ARN = `arn:aws:outposts:us-east-1:123456789012:outpost/${OUTPOST}`;
/** The subnets of the three ENIs (IT, OT, exposed VPCs): the group's allow-list. */
export const ENI_SUBNETS = [
  "subnet-0f0e0d0c0b0a00021",
  "subnet-0f0e0d0c0b0a00031",
  "subnet-0f0e0d0c0b0a00041",
];

type Json = Record<string, unknown>;

/**
 * The account file as the simulator's own tests use it: fw-launch with Auto Scaling's default
 * DefaultResult ABANDON, heartbeat timeouts of 300 s and 120 s.
 */
export const accountAsIs = (): Fixture => readFixture(ACCOUNT);

/**
 * The eni-reattach account with our hooks as the README asks: DefaultResult CONTINUE, and a heartbeat
 * timeout the reconcile can keep alive (≥ 600 s: 900 s for launch, 600 s for terminate).
 */
export const account = (): Fixture => {
  const raw = accountAsIs();
  for (const hook of raw.lifecycleHooks.filter((h) => h.autoScalingGroupName === "fw-asg")) {
    hook.defaultResult = "CONTINUE";
    hook.heartbeatTimeout = hook.name === "fw-launch" ? 900 : 600;
  }
  return raw;
};

/** The account with `count` c5.xlarge hosts available on its Outpost (null: no datapoint). */
export const withCapacity = (count: number | null): Fixture => {
  const raw = account();
  const type = raw.outposts[0]?.instanceTypes?.find((t) => t.instanceType === "c5.xlarge");
  if (type !== undefined) type.availableCount = count;
  return raw;
};

export const instance = instanceOf;
export const eni = networkInterfaceOf;

export const member = (raw: Fixture, id: string) => {
  const found = raw.autoScalingGroups[0]?.instances?.find((m) => m.instanceId === id);
  if (found === undefined) throw new Error(`no member ${id}`);
  return found;
};

/** The fw-asg group's configuration (edited by `group`), as the handler's OPS_CONFIG. */
export const fwGroup = (group: Json = {}): Json => ({
  name: "fw-asg",
  hookNames: ["fw-launch", "fw-terminate"],
  expectedInterfaces: 3,
  allowedSubnetIds: ENI_SUBNETS,
  outpostId: OUTPOST,
  instanceType: "c5.xlarge",
  ...group,
});

export const configEnv = (
  options: { group?: Json; eniReattach?: Json; common?: Json; mode?: "plan" | "dry-run" | "apply" } = {},
): Record<string, string> => ({
  OPS_CONFIG: JSON.stringify({
    ...options.common,
    eniReattach: { groups: [fwGroup(options.group)], ...options.eniReattach },
  }),
  ...(options.mode !== undefined ? { OPS_MODE: options.mode } : {}),
});

/** Invokes eni-reattach with the fw-asg configuration (or `env`). */
export const invokeEni = (harness: Harness, event: unknown, env: Record<string, string> = configEnv()) =>
  harness.invoke("eni-reattach", event, { env });

/**
 * An event file (of events/eni-reattach/, or a path) with a fresh id and the current time (heartbeats
 * count from the event time).
 */
export const event = (name: string, edit?: (e: Json & { detail: Json }) => void, now = new Date()): Json => {
  const path = name.includes("/") ? name : `events/eni-reattach/${name}`;
  const e = JSON.parse(readFileSync(path, "utf8")) as Json & { detail: Json };
  if (typeof e.id === "string") {
    e.id = `${e.id.slice(0, 24)}${Math.random().toString(16).slice(2, 14).padEnd(12, "0")}`;
    e.time = `${now.toISOString().slice(0, 19)}Z`;
  }
  edit?.(e);
  return e;
};

export const resultOf = (report: InvocationReport): EniReattachResult => {
  if (report.error !== undefined) throw report.error;
  return report.result as EniReattachResult;
};

export const outcomeOf = (report: InvocationReport): LifecycleOutcome => {
  const outcome = resultOf(report).outcomes[0];
  if (outcome === undefined) throw new Error(`no outcome: ${JSON.stringify(report.result)}`);
  return outcome;
};

export const ops = (report: InvocationReport): string[] => report.calls.map((c) => c.operation);

export const mutations = (report: InvocationReport): string[] =>
  ops(report).filter((op) => !/^(Describe|Search|Get)/.test(op));

/** Where an ENI is now: `instance/index/status`, or `available`. */
export const where = (harness: Harness, id: string): string => {
  harness.account.settle();
  const a = harness.account.state().networkInterfaces.get(id)?.attachment;
  if (harness.account.state().networkInterfaces.get(id) === undefined) return "deleted";
  return a === undefined ? "available" : `${a.instanceId}/${a.deviceIndex}/${a.status}`;
};

export const lifecycleState = (harness: Harness, id: string): string | undefined => {
  harness.account.settle();
  for (const g of harness.account.state().autoScalingGroups.values()) {
    const m = g.instances.find((x) => x.instanceId === id);
    if (m !== undefined) return m.lifecycleState;
  }
  return undefined;
};

export const completions = (report: InvocationReport) =>
  report.calls
    .filter((c) => c.operation === "CompleteLifecycleAction")
    .map((c) => ({ result: c.input.LifecycleActionResult, outcome: c.outcome, code: c.error?.code }));
