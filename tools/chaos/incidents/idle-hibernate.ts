/**
 * idle-hibernate's incidents on the demo account (test/fixtures/accounts/idle-hibernate.json: opted-in
 * instances, an Auto Scaling member, an opted-out database, a hibernated one, one with stop protection, a
 * network appliance, their idle alarms): an instance going idle (its idle alarm to ALARM, as CloudWatch
 * does after the evaluation periods) and busy again (OK), its owner starting or stopping it, opting it in
 * or out, it joining a managed fleet (an EKS node-group tag) or an Auto Scaling group (AttachInstances), and
 * an operator pausing its alarm's actions. The seed picks how the idle alarms reach the function:
 * EventBridge only, or also a Lambda or an SNS alarm action.
 */
import { readFileSync } from "node:fs";
import { IdleHibernateConfigSchema } from "../../../functions/idle-hibernate/config";
import type { SimulatedAccount } from "../../../sim/account/index";
import { rebaseFixture } from "../../../sim/rebase";
import { CHAOS_START } from "../driver";
import { type AgeWatchState, checkHibernationAge, checkIdleHibernate } from "../invariants/idle-hibernate";
import type { CapabilityModel, Checker, IncidentKind, Params, World } from "../types";

const FIXTURE = "test/fixtures/accounts/idle-hibernate.json";
const PREFIX = "ops-idle-";

const ec2 = (account: SimulatedAccount, operation: string, input: Record<string, unknown>) =>
  account.dispatch({ service: "ec2", operation, region: account.region, requestId: "chaos" }, input);
const cloudWatch = (account: SimulatedAccount, operation: string, input: Record<string, unknown>) =>
  account.dispatch({ service: "monitoring", operation, region: account.region, requestId: "chaos" }, input);

type Can = (account: SimulatedAccount, id: string) => boolean;
const any: Can = () => true;
const inState =
  (state: string): Can =>
  (account, id) =>
    account.state().instances.get(id)?.state === state;

const outsideGroups: Can = (account, id) =>
  inState("running")(account, id) && account.state().groupOf(id) === undefined;

const alarmOf = (account: SimulatedAccount, id: string): string | undefined =>
  account.state().metricAlarms.has(`${PREFIX}${id}`) ? `${PREFIX}${id}` : undefined;
const withAlarm: Can = (account, id) => alarmOf(account, id) !== undefined;
/** Instances whose idle alarm exists and is not in `state` (so that setting it is a change). */
const alarmNotIn =
  (state: string): Can =>
  (account, id) => {
    const alarm = alarmOf(account, id);
    return alarm !== undefined && account.state().metricAlarms.get(alarm)?.alarm.StateValue !== state;
  };

/** The instance `params.pick` names among those the incident can happen to (sorted by id). */
const picked = (account: SimulatedAccount, params: Params, can: Can): string | undefined => {
  const ids = [...account.state().instances.keys()].filter((id) => can(account, id)).sort();
  return ids[Number(params.pick) % Math.max(ids.length, 1)];
};

const onInstance = (
  name: string,
  weight: number,
  can: Can,
  act: (account: SimulatedAccount, id: string) => Promise<string> | string,
): IncidentKind => ({
  name,
  weight,
  draw: (rng) => ({ pick: rng.int(0, 63) }),
  apply: async ({ account }, params) => {
    const id = picked(account, params, can);
    return id === undefined ? "no instance it can happen to" : `${id}: ${await act(account, id)}`;
  },
});

const setAlarm = (value: "ALARM" | "OK", reason: string) => (account: SimulatedAccount, id: string) => {
  const alarm = alarmOf(account, id);
  if (alarm === undefined) return "no idle alarm";
  account.setAlarmState(alarm, value, reason);
  return value;
};

const incidents: IncidentKind[] = [
  onInstance(
    "goes-idle",
    6,
    alarmNotIn("ALARM"),
    setAlarm(
      "ALARM",
      "Threshold Crossed: 3 out of the last 3 datapoints were less than the threshold (10.0)",
    ),
  ),
  onInstance(
    "busy-again",
    3,
    alarmNotIn("OK"),
    setAlarm(
      "OK",
      "Threshold Crossed: 1 out of the last 3 datapoints was not less than the threshold (10.0)",
    ),
  ),
  onInstance("owner-starts", 3, inState("stopped"), async (account, id) => {
    await ec2(account, "StartInstances", { InstanceIds: [id] });
    return "started";
  }),
  onInstance("owner-stops", 1, inState("running"), async (account, id) => {
    await ec2(account, "StopInstances", { InstanceIds: [id] });
    return "stopped";
  }),
  onInstance("opted-in", 2, any, async (account, id) => {
    await ec2(account, "CreateTags", { Resources: [id], Tags: [{ Key: "ops:hibernate", Value: "idle" }] });
    return "tagged";
  }),
  onInstance("opted-out", 2, any, async (account, id) => {
    await ec2(account, "CreateTags", {
      Resources: [id],
      Tags: [{ Key: "ops:hibernate-opt-out", Value: "true" }],
    });
    return "tagged";
  }),
  onInstance("joins-fleet", 1, any, async (account, id) => {
    await ec2(account, "CreateTags", {
      Resources: [id],
      Tags: [{ Key: "eks:nodegroup-name", Value: "workers" }],
    });
    return "tagged";
  }),
  // An idle instance attached to an Auto Scaling group (AttachInstances): a member now, never to be stopped.
  onInstance("joins-asg", 1, outsideGroups, async (account, id) => {
    await account.dispatch(
      { service: "autoscaling", operation: "AttachInstances", region: account.region, requestId: "chaos" },
      { AutoScalingGroupName: "web-asg", InstanceIds: [id] },
    );
    return "attached to web-asg";
  }),
  onInstance("alarm-paused", 1, withAlarm, async (account, id) => {
    const alarm = alarmOf(account, id);
    if (alarm === undefined) return "no idle alarm";
    await cloudWatch(account, "DisableAlarmActions", { AlarmNames: [alarm] });
    return "actions disabled";
  }),
];

const checker = (world: World, variant: string): Checker => {
  const config = IdleHibernateConfigSchema.parse(idleHibernateModel.stage(variant).idleHibernate ?? {});
  const watch: AgeWatchState = { startMs: world.start, reported: new Map(), flagged: new Set() };
  return {
    invocation: (report) => {
      const step = {
        config,
        before: report.before,
        after: report.after,
        calls: report.calls,
        results: report.function === "idle-hibernate" && report.result !== undefined ? [report.result] : [],
      };
      return [
        ...checkIdleHibernate(step),
        ...checkHibernationAge(step, watch, Date.parse(report.after.at)),
      ].map((v) => ({ invariant: v.invariant, message: `${v.resource}: ${v.message}` }));
    },
    step: () => [],
  };
};

/**
 * The alarm action of a variant, as the stack wires it: `lambda-action` invokes idle-hibernate directly
 * (its alarm-action trigger), `sns-action` notifies the stack's idle-alarms topic (its SNS trigger);
 * `demo` has none (EventBridge only). The idle alarms get it; CloudWatch still sends the EventBridge event.
 */
const ACTIONS: Record<string, string[]> = {
  demo: [],
  "lambda-action": ["arn:aws:lambda:us-east-1:123456789012:function:ops-toolkit-dev-idleHibernate"],
  "sns-action": ["arn:aws:sns:us-east-1:123456789012:ops-toolkit-dev-idle-alarms"],
  "age-start": [],
};

/** The hibernation-age policy of a variant: `age-start` starts instances hibernated too long. */
const hibernationAgeOf = (variant: string) =>
  variant === "age-start" ? { hibernationAge: { maxDays: 55, action: "start" } } : {};

const DAY_MS = 86_400_000;

/**
 * Instances hibernated long before the clock starts, so that the daily hibernation-age watch (maxDays 55 by
 * default) has work in a run: EC2 UG "Limitations for hibernation": "We do not support keeping an instance
 * hibernated for more than 60 days" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/hibernating-prerequisites.html).
 * One is past maxDays at the start, one reaches it within the first day, and one is not opted in (the watch
 * must leave it alone). Days before the start; the stop time is only in StateTransitionReason, as in EC2.
 */
const LONG_HIBERNATED: ReadonlyArray<{ id: string; name: string; days: number; optedIn: boolean }> = [
  { id: "i-0123456789abcdf10", name: "quarterly-report", days: 57.5, optedIn: true },
  { id: "i-0123456789abcdf11", name: "archive-indexer", days: 54.6, optedIn: true },
  { id: "i-0123456789abcdf12", name: "someone-elses-box", days: 58, optedIn: false },
];

const gmt = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} GMT`;

const longHibernated = (raw: { clock: { start: string }; instances: unknown[]; alarms: unknown[] }) => {
  const start = Date.parse(raw.clock.start);
  const template = raw.alarms.find(
    (a) => String((a as { name: string }).name) === `${PREFIX}i-0123456789abcdef4`,
  );
  LONG_HIBERNATED.forEach(({ id, name, days, optedIn }, n) => {
    const stoppedAt = Math.floor((start - days * DAY_MS) / 1000) * 1000;
    raw.instances.push({
      id,
      instanceType: "m5.large",
      state: "stopped",
      launchTime: new Date(stoppedAt - 30 * DAY_MS).toISOString(),
      subnetId: "subnet-0a1b2c3d4e5f60102",
      privateIpAddress: `10.0.2.${40 + n}`,
      hibernationConfigured: true,
      stateSince: new Date(stoppedAt + 60_000).toISOString(),
      stateReason: {
        code: "Client.UserInitiatedHibernate",
        message: "Client.UserInitiatedHibernate: User initiated hibernate",
      },
      stateTransitionReason: `User initiated (${gmt(stoppedAt)})`,
      tags: optedIn ? { Name: name, "ops:hibernate": "idle" } : { Name: name },
    });
    // Opted-in ones keep their idle alarm (actions enabled), so that the start policy may start them.
    if (optedIn && template !== undefined) {
      const alarm = JSON.parse(JSON.stringify(template)) as Record<string, unknown>;
      raw.alarms.push({
        ...alarm,
        name: `${PREFIX}${id}`,
        description: `ops-toolkit idle-hibernate: ${id} idle (CPU < 10 % for 3 x 5 min)`,
        dimensions: { InstanceId: id },
      });
    }
  });
};

/**
 * Moves the account to the campaign's start (the driver's own rebase is then a no-op): ISO timestamps and
 * the stop time EC2 writes into StateTransitionReason, so that an age read from it is the fixture's age in
 * the run too (sim/rebase.ts).
 */
const atChaosStart = (raw: { clock: { start: string } }) => {
  Object.assign(raw, rebaseFixture(raw, CHAOS_START));
};

const fixture = (variant: string): unknown => {
  const raw = JSON.parse(readFileSync(FIXTURE, "utf8")) as {
    clock: { start: string };
    instances: unknown[];
    alarms: Array<Record<string, unknown>>;
  };
  atChaosStart(raw);
  longHibernated(raw);
  const actions = ACTIONS[variant] ?? [];
  for (const alarm of raw.alarms.filter((a) => String(a.name).startsWith(PREFIX))) {
    if (actions.length > 0) alarm.alarmActions = actions;
    // The instances start busy: `goes-idle` is a state change (an event, the alarm's actions).
    Object.assign(alarm, {
      state: "OK",
      stateReason: "Threshold Crossed: not less than the threshold (10.0)",
    });
  }
  return raw;
};

export const idleHibernateModel: CapabilityModel = {
  capability: "idle-hibernate",
  variants: ["demo", "lambda-action", "sns-action", "age-start"],
  fixture,
  stage: (variant) => ({
    mode: "apply",
    idleHibernate: { alarm: { alarmActions: ACTIONS[variant] ?? [] }, ...hibernationAgeOf(variant) },
  }),
  notDriven: {},
  incidents,
  apiFaults: [
    { service: "ec2", operation: "DescribeInstances" },
    { service: "ec2", operation: "StopInstances" },
    // The watch's start (policy start): throttled, failing, or no capacity to resume (finding 5).
    { service: "ec2", operation: "StartInstances" },
    { service: "ec2", operation: "CreateTags" },
    { service: "monitoring", operation: "DescribeAlarms" },
    { service: "monitoring", operation: "PutMetricAlarm" },
    { service: "monitoring", operation: "DeleteAlarms" },
  ],
  incidentsPerDay: [3, 8],
  stepMs: 30_000,
  activeWindowMs: 30 * 60_000,
  quietStepMs: 60 * 60_000,
  timeoutMs: 60_000,
  checker,
};
