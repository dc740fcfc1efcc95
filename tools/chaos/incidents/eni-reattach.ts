/**
 * eni-reattach's incidents: the firewall group (test/fixtures/accounts/eni-reattach.json, one serving
 * firewall with its three ENIs) replaced by Auto Scaling's engine (sim/account/asg-*.ts) for the reasons
 * AWS replaces instances: marked Unhealthy (SetInstanceHealth, or EC2 health checks on an impaired status
 * check), an impaired holder kept running while an operator suspended the health check (SuspendProcesses),
 * an instance refresh, an operator's TerminateInstanceInAutoScalingGroup, scale out and in, and the
 * Outpost's and the configuration's incidents (eni-reattach-outpost.ts: capacity shortages, launch template
 * versions that lead to ABANDON, a deleted ENI). The seed picks the group's policy: terminate then launch, launch before terminate (maintenance policy), a
 * warm pool with reuse on scale in, or a foreign launch hook of another team.
 */
import { readFileSync } from "node:fs";
import { type EniReattachConfig, EniReattachConfigSchema } from "../../../functions/eni-reattach/config";
import type { AccountSnapshot } from "../../../sim";
import type { SimulatedAccount } from "../../../sim/account/index";
import type { InvocationReport } from "../../../sim/harness";
import { packagedTimeoutMs } from "../../lib/packaged-timeout";
import {
  checkEniReattachSettled,
  checkEniReattachStep,
  type EniReattachStep,
  groupServed,
  servedOrAlarm,
  setSize,
  settledOrAlarm,
} from "../invariants/eni-reattach";
import { Episodes, emptyMeasures, type RunMeasures } from "../measures";
import type { CapabilityModel, Checker, IncidentKind, Params, Violation, World } from "../types";
import { EmfCapture, installEniAlarms, raisedEniAlarms } from "./eni-reattach-alarms";
import { outpostIncidents, shortageNow } from "./eni-reattach-outpost";

const FIXTURE = "test/fixtures/accounts/eni-reattach.json";
const GROUP = "fw-asg";
const SERVING = "i-0f1e2d3c4b5a60001";
/** How long the group must be unchanged before every ENI must be on its one serving member. */
const SETTLE_MS = 15 * 60_000;

type Json = Record<string, unknown>;
type Member = { instanceId: string; lifecycleState: string; healthStatus?: string };

const section = {
  groups: [
    {
      name: GROUP,
      hookNames: ["fw-launch", "fw-terminate"],
      expectedInterfaces: 3,
      allowedSubnetIds: ["subnet-0f0e0d0c0b0a00021", "subnet-0f0e0d0c0b0a00031", "subnet-0f0e0d0c0b0a00041"],
      outpostId: "op-0a1b2c3d4e5f60001",
      instanceType: "c5.xlarge",
    },
  ],
};

/** The firewall serving (InService, Healthy, its ENIs attached), under the variant's policy. */
const fixture = (variant: string): unknown => {
  const raw = JSON.parse(readFileSync(FIXTURE, "utf8")) as Json & {
    instances: Json[];
    autoScalingGroups: Array<Json & { instances: Member[] }>;
    lifecycleHooks: Json[];
    behaviour: Json;
  };
  raw.instances = raw.instances.filter((i) => i.id === SERVING);
  const old = raw.instances[0] ?? {};
  old.state = "running";
  delete old.stateSince;
  raw.lifecycleActions = [];
  raw.behaviour.healthChecks = "ec2";
  const group = raw.autoScalingGroups[0] ?? { instances: [] };
  group.instances = [{ instanceId: SERVING, lifecycleState: "InService", healthStatus: "Healthy" }];
  if (variant === "launch-before-terminate")
    Object.assign(group, {
      instanceMaintenancePolicy: { minHealthyPercentage: 100, maxHealthyPercentage: 200 },
      defaultInstanceWarmup: 60,
    });
  if (variant === "warm-pool")
    group.warmPool = { minSize: 0, poolState: "Stopped", instanceReusePolicy: { reuseOnScaleIn: true } };
  if (variant === "foreign-hook")
    raw.lifecycleHooks.push({
      autoScalingGroupName: GROUP,
      name: "other-team-launch",
      transition: "autoscaling:EC2_INSTANCE_LAUNCHING",
      heartbeatTimeout: 300,
      defaultResult: "CONTINUE",
    });
  return raw;
};

const call = (account: SimulatedAccount, operation: string, input: Json) =>
  account.dispatch({ service: "autoscaling", operation, region: account.region, requestId: "chaos" }, input);

/** The group's members in a lifecycle state matching `state`, oldest id first. */
const members = (account: SimulatedAccount, state: RegExp): string[] =>
  [...(account.state().autoScalingGroups.get(GROUP)?.instances ?? [])]
    .filter((m) => state.test(m.lifecycleState))
    .map((m) => m.instanceId)
    .sort();

/** The member `params.pick` chooses among those in `state` (or why there is none). */
const chosen = (account: SimulatedAccount, params: Params, state = /^InService$/): string | undefined => {
  const ids = members(account, state);
  return ids.length === 0 ? undefined : ids[Number(params.pick) % ids.length];
};

const onMember = (
  name: string,
  weight: number,
  act: (account: SimulatedAccount, id: string) => Promise<unknown> | unknown,
): IncidentKind => ({
  name,
  weight,
  draw: (rng) => ({ pick: rng.int(0, 7) }),
  apply: async ({ account }, params) => {
    const id = chosen(account, params);
    if (id === undefined) return "no InService member";
    await act(account, id);
    return id;
  },
});

const desired =
  (delta: number): IncidentKind["apply"] =>
  async ({ account }) => {
    const group = account.state().autoScalingGroups.get(GROUP);
    if (group === undefined) return "no group";
    const to = Math.min(group.maxSize, Math.max(group.minSize, group.desiredCapacity + delta));
    await call(account, "SetDesiredCapacity", { AutoScalingGroupName: GROUP, DesiredCapacity: to });
    return `desired ${to}`;
  };

const incidents: IncidentKind[] = [
  onMember("unhealthy", 4, (account, id) =>
    call(account, "SetInstanceHealth", { InstanceId: id, HealthStatus: "Unhealthy" }),
  ),
  onMember("impaired", 2, (account, id) => account.setInstanceStatus(id, { system: "impaired" })),
  onMember("terminate", 2, (account, id) =>
    call(account, "TerminateInstanceInAutoScalingGroup", {
      InstanceId: id,
      ShouldDecrementDesiredCapacity: false,
    }),
  ),
  {
    name: "instance-refresh",
    weight: 2,
    draw: (rng) => ({ maxHealthy: rng.pick([110, 200]) }),
    apply: async ({ account }, params) => {
      await call(account, "StartInstanceRefresh", {
        AutoScalingGroupName: GROUP,
        Preferences: {
          MinHealthyPercentage: 100,
          MaxHealthyPercentage: Number(params.maxHealthy),
          InstanceWarmup: 60,
        },
      });
      return "started";
    },
  },
  // An operator suspends the health check (maintenance) and the holder's system check fails: it keeps
  // running, InService and Healthy, with its ENIs, until the health check is resumed.
  onMember("holder-impaired-kept", 1, async (account, id) => {
    await call(account, "SuspendProcesses", {
      AutoScalingGroupName: GROUP,
      ScalingProcesses: ["HealthCheck"],
    });
    account.setInstanceStatus(id, { system: "impaired" });
  }),
  {
    name: "health-check-resumed",
    weight: 1,
    draw: () => ({}),
    apply: async ({ account }) => {
      await call(account, "ResumeProcesses", {
        AutoScalingGroupName: GROUP,
        ScalingProcesses: ["HealthCheck"],
      });
      return "resumed";
    },
  },
  { name: "scale-out", weight: 1, draw: () => ({}), apply: desired(1) },
  { name: "scale-in", weight: 1, draw: () => ({}), apply: desired(-1) },
  ...outpostIncidents,
];

const subnetsOf = (account: SimulatedAccount): EniReattachStep["subnets"] => {
  const out: Record<string, { vpcId: string; availabilityZone: string; outpostArn?: string }> = {};
  for (const s of account.state().subnets.values())
    out[s.id] = {
      vpcId: s.vpcId,
      availabilityZone: s.availabilityZone,
      ...(s.outpostArn ? { outpostArn: s.outpostArn } : {}),
    };
  return out;
};

/** At a quiet point: the settled gaps of each group, violations once they outlast the alarm grace unalarmed. */
const settledCheck = (account: SimulatedAccount, config: EniReattachConfig) => {
  const gapSince = new Map<string, number>();
  return (snapshot: AccountSnapshot, now: number, stable: boolean): Violation[] => {
    const gaps = stable ? checkEniReattachSettled(snapshot, subnetsOf(account), config) : [];
    return config.groups.flatMap((group) => {
      const mine = gaps.filter((g) => g.message.startsWith(`${group.name}:`));
      if (mine.length === 0) {
        gapSince.delete(group.name);
        return [];
      }
      const since = gapSince.get(group.name) ?? now;
      gapSince.set(group.name, since);
      return settledOrAlarm(mine, raisedEniAlarms(account, group.name), now - since);
    });
  };
};

/** Every step: how long each group has gone unserved, a violation past the grace with no alarm raised. */
const servedCheck = (account: SimulatedAccount, config: EniReattachConfig, start: number) => {
  const unservedSince = new Map<string, number>();
  return (snapshot: AccountSnapshot, now: number): Violation[] =>
    config.groups.flatMap((group) => {
      if (groupServed(snapshot, subnetsOf(account), config, group)) {
        unservedSince.delete(group.name);
        return [];
      }
      const since = unservedSince.get(group.name) ?? Math.max(start, now);
      unservedSince.set(group.name, since);
      return servedOrAlarm(group.name, now - since, raisedEniAlarms(account, group.name));
    });
};

/**
 * The measure `eni-unserved-s`: per group, from losing a serving member with the whole set to getting one
 * again, by variant; episodes that start while the Outpost has no capacity for the group's type, or during
 * which an ENI of the set is deleted (unserved for good: the alarm is the answer), are measured apart.
 */
const unservedMeasure = (
  measures: RunMeasures,
  variant: string,
  account: SimulatedAccount,
  config: EniReattachConfig,
) => {
  const unserved = new Episodes(measures, `eni-unserved-s ${variant}`);
  const short = new Episodes(measures, "eni-unserved-s capacity-shortage");
  const deleted = new Episodes(measures, "eni-unserved-s eni-deleted");
  const open = new Map<string, { since: number; episodes: Episodes }>();
  const measure = (snapshot: AccountSnapshot, at: number) => {
    for (const group of config.groups) {
      const down = !groupServed(snapshot, subnetsOf(account), config, group);
      const incomplete = setSize(snapshot, subnetsOf(account), config, group) < group.expectedInterfaces;
      const current = open.get(group.name);
      if (down && current === undefined)
        open.set(group.name, {
          since: at,
          episodes: incomplete ? deleted : shortageNow(account) ? short : unserved,
        });
      else if (down && incomplete && current !== undefined) current.episodes = deleted;
      else if (!down && current !== undefined) {
        current.episodes.observe(group.name, true, current.since);
        current.episodes.observe(group.name, false, at);
        open.delete(group.name);
      }
    }
  };
  const finish = (now: number) => {
    for (const [group, { since, episodes }] of open) episodes.observe(group, true, since);
    open.clear();
    for (const episodes of [unserved, short, deleted]) episodes.finish(now);
  };
  return { measure, finish };
};

const checker = (world: World, variant: string): Checker => {
  const config = EniReattachConfigSchema.parse(section);
  const measures = emptyMeasures();
  const account = world.account;
  const { measure, finish } = unservedMeasure(measures, variant, account, config);
  const maxInterfaces = (type: string, card: number) =>
    account
      .state()
      .instanceTypes.get(type)
      ?.networkCards.find((c) => c.index === card)?.maximumNetworkInterfaces;
  const emf = new EmfCapture(account);
  const settled = settledCheck(account, config);
  const served = servedCheck(account, config, world.start);
  // PutMetricAlarm runs synchronously within dispatch: the alarms exist before the first step.
  let alarmError: unknown;
  installEniAlarms(account, config).catch((error: unknown) => {
    alarmError = error;
  });
  let signature = "";
  let stableSince = world.start;
  let running = 0;
  const beforeCalls: Array<{ calls: number; snapshot: AccountSnapshot }> = [];
  return {
    beforeInvocation: () => {
      emf.start();
      running += 1;
    },
    // Each detach is judged against the account just before it (an incident between calls moves it). Only
    // a detach is (`detachViolations`), and the one taken just before it is the one it finds: other calls
    // (nearly all of them) need none; one whose operation is not known takes one as before.
    beforeCall: (operation) => {
      if (running > 0 && (operation === undefined || operation === "DetachNetworkInterface"))
        beforeCalls.push({ calls: account.calls.length, snapshot: account.snapshot() });
    },
    invocation: (report: InvocationReport) => {
      emf.stop();
      running = Math.max(0, running - 1);
      const captured = [...beforeCalls];
      if (running === 0) beforeCalls.length = 0;
      // Measured around invocations too: nothing steps while a handler waits on the simulated clock.
      const now = account.clock.nowMs();
      measure(report.before, now - report.simulatedMs);
      measure(report.after, now);
      return checkEniReattachStep(
        {
          before: report.before,
          after: report.after,
          calls: report.calls,
          subnets: subnetsOf(account),
          maxInterfaces,
          stateBeforeCall: (seq) => captured.findLast((v) => v.calls < seq)?.snapshot,
        },
        config,
      );
    },
    measures: () => {
      finish(account.clock.nowMs());
      return measures;
    },
    step: () => {
      if (alarmError !== undefined) throw alarmError;
      const snapshot = account.snapshot();
      const now = account.clock.nowMs();
      measure(snapshot, now);
      const group = snapshot.autoScalingGroups[GROUP];
      const current = JSON.stringify(group?.Instances ?? {});
      if (current !== signature) {
        signature = current;
        stableSince = now;
      }
      return [...settled(snapshot, now, now - stableSince >= SETTLE_MS), ...served(snapshot, now)];
    },
  };
};

const stage = () => ({ mode: "apply", eniReattach: section });

/**
 * eni-reattach's packaged timeout for this stage (serverless.yml; 262 s with the default waits): its
 * release needs the detach and attach waits it is sized for. outposts-capacity runs with its own, the
 * provider's (`timeoutOf`).
 */
const timeoutMs =
  packagedTimeoutMs("eni-reattach", JSON.stringify(stage())) ??
  (() => {
    throw new Error("eni-reattach chaos model: its stage configuration does not resolve");
  })();

export const eniReattachModel: CapabilityModel = {
  capability: "eni-reattach",
  variants: ["terminate-then-launch", "launch-before-terminate", "warm-pool", "foreign-hook"],
  fixture,
  stage,
  notDriven: {},
  incidents,
  apiFaults: [
    { service: "ec2", operation: "DescribeNetworkInterfaces" },
    { service: "ec2", operation: "DescribeInstances" },
    { service: "ec2", operation: "AttachNetworkInterface" },
    { service: "ec2", operation: "DetachNetworkInterface" },
    { service: "autoscaling", operation: "CompleteLifecycleAction" },
    { service: "autoscaling", operation: "DescribeAutoScalingGroups" },
    { service: "autoscaling", operation: "DescribeAutoScalingInstances" },
    { service: "monitoring", operation: "GetMetricData" },
  ],
  incidentsPerDay: [2, 5],
  stepMs: 10_000,
  activeWindowMs: 30 * 60_000,
  // `served-or-alarm` judges 35 minutes unserved, `settled` 15 quiet minutes: a late replacement is judged in the drain.
  settleMs: 45 * 60_000,
  quietStepMs: 60 * 60_000,
  timeoutMs,
  timeoutOf: (name) =>
    name === "eni-reattach" ? timeoutMs : packagedTimeoutMs(name, JSON.stringify(stage())),
  checker,
};
