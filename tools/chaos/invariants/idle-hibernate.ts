import { type IdleHibernateConfig, managedFleetTagPrefixes } from "../../../functions/idle-hibernate/config";
import { ownerOfName } from "../../../functions/idle-hibernate/idle-alarm";
import type { CallRecord } from "../../../sim/account/calls";
import type { AccountSnapshot, AlarmSnapshot, InstanceSnapshot } from "../../../sim/account/snapshot";
import { tookEffect } from "./calls";

/**
 * The invariants of idle-hibernate (issue 14), checked on one step of a simulation: the account before
 * and after, the calls the handlers made, and their results. Pure. Stated in
 * functions/idle-hibernate/README.md ("Invariants"):
 * 1. never stops an instance that is not opted in, is opted out, is a fleet member (Auto Scaling,
 *    managed-fleet tags, Operator.Managed), has instance store, runs in a Capacity Reservation (unless
 *    allowed) or a Capacity Block, or was started within its window;
 * 2. every hibernation is either proven or reported (a verdict in a result);
 * 3. nothing touched outside configuration: alarm writes only under the prefix, and only alarms the
 *    toolkit owns (ownership tag) are updated or deleted; instances started only under the start policy;
 * 4. an alarm whose actions someone disabled stays disabled;
 * 5. the hibernation-age watch acts: see checkHibernationAge (kept across invocations by the checker).
 */

export interface IdleHibernateStep {
  config: IdleHibernateConfig;
  before: AccountSnapshot;
  after: AccountSnapshot;
  calls: readonly CallRecord[];
  /** The results the idle-hibernate handler returned in this step (HibernateResult objects). */
  results: readonly unknown[];
}

export interface Violation {
  invariant: string;
  resource: string;
  message: string;
}

const MANAGED_TAG = { key: "ops:managed-by", value: "ops-toolkit" };

const succeeded = (calls: readonly CallRecord[], operation: string) =>
  calls.filter((c) => c.operation === operation && c.outcome === "ok" && c.input.DryRun !== true);

/** The writes of `operation` that took effect, answered `ok` or landed before an error (`tookEffect`). */
const landed = (calls: readonly CallRecord[], operation: string) =>
  calls.filter((c) => c.operation === operation && tookEffect(c) && c.input.DryRun !== true);

const idsOf = (call: CallRecord): string[] =>
  Array.isArray(call.input.InstanceIds)
    ? call.input.InstanceIds.filter((id): id is string => typeof id === "string")
    : [];

/** The instances an alarm reads: its dimension, or each metric-math query's `InstanceId=…`. */
const alarmInstances = (alarm: AlarmSnapshot): string[] => {
  const fromMetrics = Object.values(alarm.Metrics ?? {}).flatMap((text) =>
    [...text.matchAll(/InstanceId=(i-[0-9a-f]+)/g)].map((m) => m[1] ?? ""),
  );
  return [
    ...new Set([alarm.Dimensions?.InstanceId, ...fromMetrics].filter((id): id is string => id !== undefined)),
  ];
};

const alarmWindowMinutes = (alarm: AlarmSnapshot): number => {
  const periods = Object.values(alarm.Metrics ?? {}).map((text) =>
    Number(/ (\d+)( \*)?$/.exec(text)?.[1] ?? 0),
  );
  return ((alarm.Period ?? Math.max(0, ...periods)) * (alarm.EvaluationPeriods ?? 0)) / 60;
};

/** The idle window of each instance: the largest of its idle alarms in ALARM with actions enabled. */
const windows = (snapshot: AccountSnapshot, config: IdleHibernateConfig): Map<string, number> => {
  const result = new Map<string, number>();
  for (const [name, alarm] of Object.entries(snapshot.alarms)) {
    if (ownerOfName(name, config) === "foreign" || alarm.StateValue !== "ALARM" || !alarm.ActionsEnabled)
      continue;
    for (const id of alarmInstances(alarm))
      result.set(id, Math.max(result.get(id) ?? 0, alarmWindowMinutes(alarm)));
  }
  return result;
};

/** Why the instance must never have been stopped, or undefined. */
const forbiddenStop = (
  instance: InstanceSnapshot,
  config: IdleHibernateConfig,
  upMinutes: number,
  windowMinutes: number,
): string | undefined => {
  const tags = Object.keys(instance.Tags);
  if (instance.Tags[config.optInTag.key] !== config.optInTag.value) return "not opted in";
  if (config.optOutTagKey in instance.Tags) return "opted out";
  if (instance.AutoScalingGroup !== undefined) return `Auto Scaling member (${instance.AutoScalingGroup})`;
  const fleet = tags.find((tag) => managedFleetTagPrefixes(config).some((prefix) => tag.startsWith(prefix)));
  if (fleet !== undefined) return `managed-fleet tag ${fleet}`;
  if (instance.OperatorManaged === true) return "Operator.Managed";
  if (instance.HasInstanceStore === true || instance.RootDeviceType === "instance-store")
    return "instance store";
  if (instance.InstanceLifecycle === "capacity-block") return "Capacity Block";
  if (instance.CapacityReservationId !== undefined && !config.allowCapacityReservation)
    return "Capacity Reservation";
  const window = Math.max(config.minimumUptimeMinutes, windowMinutes);
  if (upMinutes < window)
    return `started ${upMinutes.toFixed(1)} min before, within its ${window}-minute window`;
  return undefined;
};

const checkStops = (step: IdleHibernateStep): Violation[] => {
  const windowOf = windows(step.before, step.config);
  const violations: Violation[] = [];
  for (const call of landed(step.calls, "StopInstances")) {
    for (const id of idsOf(call)) {
      const instance = step.before.instances[id];
      if (instance === undefined) continue;
      const upMinutes = (Date.parse(call.at) - Date.parse(instance.LaunchTime)) / 60_000;
      const why = forbiddenStop(instance, step.config, upMinutes, windowOf.get(id) ?? 0);
      if (why !== undefined)
        violations.push({ invariant: "stops-only-eligible", resource: id, message: `stopped, but ${why}` });
    }
  }
  return violations;
};

/** The instance ids that have a hibernation verdict in the step's results. */
const provenIds = (results: readonly unknown[]): Set<string> => {
  const ids = new Set<string>();
  for (const result of results) {
    const proofs = (result as { hibernation?: unknown } | null)?.hibernation;
    if (!Array.isArray(proofs)) continue;
    for (const proof of proofs) {
      const id = (proof as { instanceId?: unknown }).instanceId;
      if (typeof id === "string") ids.add(id);
    }
  }
  return ids;
};

const checkProofs = (step: IdleHibernateStep): Violation[] => {
  const proven = provenIds(step.results);
  const hibernated = succeeded(step.calls, "StopInstances")
    .filter((call) => call.input.Hibernate === true)
    .flatMap(idsOf);
  return [...new Set(hibernated)]
    .filter((id) => step.before.instances[id]?.State === "running" && !proven.has(id))
    .map((id) => ({
      invariant: "hibernation-proven-or-reported",
      resource: id,
      message: "StopInstances with Hibernate was accepted, but no result reports what the API showed",
    }));
};

const checkAlarmWrites = (step: IdleHibernateStep): Violation[] => {
  const violations: Violation[] = [];
  const writes = [...landed(step.calls, "PutMetricAlarm"), ...landed(step.calls, "DeleteAlarms")];
  for (const call of writes) {
    const names =
      call.operation === "PutMetricAlarm"
        ? [String(call.input.AlarmName)]
        : ((call.input.AlarmNames as string[]) ?? []);
    for (const name of names) {
      const existing = step.before.alarms[name];
      if (!name.startsWith(step.config.alarmNamePrefix)) {
        violations.push({
          invariant: "nothing-outside-configuration",
          resource: name,
          message: `${call.operation} outside the prefix`,
        });
      } else if (existing !== undefined && existing.Tags[MANAGED_TAG.key] !== MANAGED_TAG.value) {
        violations.push({
          invariant: "only-owned-alarms-changed",
          resource: name,
          message: `${call.operation} on an alarm without the ownership tag`,
        });
      }
    }
  }
  for (const [name, alarm] of Object.entries(step.before.alarms)) {
    if (
      !alarm.ActionsEnabled &&
      step.after.alarms[name]?.ActionsEnabled === true &&
      writes.some((c) => c.input.AlarmName === name)
    ) {
      violations.push({
        invariant: "paused-alarm-stays-paused",
        resource: name,
        message: "PutMetricAlarm re-enabled a disabled alarm",
      });
    }
  }
  return violations;
};

const checkStarts = (step: IdleHibernateStep): Violation[] =>
  landed(step.calls, "StartInstances")
    .flatMap(idsOf)
    .flatMap((id) => {
      const instance = step.before.instances[id];
      const why =
        step.config.hibernationAge.action !== "start"
          ? "the hibernation-age action is report"
          : instance?.Tags[step.config.optInTag.key] !== step.config.optInTag.value
            ? "not opted in"
            : step.config.optOutTagKey in instance.Tags
              ? "opted out"
              : instance.AutoScalingGroup !== undefined
                ? `Auto Scaling member (${instance.AutoScalingGroup})`
                : instance.StateReason !== "Client.UserInitiatedHibernate"
                  ? "not hibernated"
                  : undefined;
      return why === undefined
        ? []
        : [{ invariant: "nothing-outside-configuration", resource: id, message: `started, but ${why}` }];
    });

/** Every violation of the step (empty when the invariants hold). */
/** The one instance tag the capability writes (functions/idle-hibernate/README.md, IAM: CreateTags). */
const REQUEST_TAG = "ops:hibernation-requested";

/** Instance tags: only the request tag, only on opted-in instances (never the opt-in or opt-out tags). */
const checkTagWrites = (step: IdleHibernateStep): Violation[] =>
  [...landed(step.calls, "CreateTags"), ...landed(step.calls, "DeleteTags")].flatMap((call) => {
    const keys = ((call.input.Tags as Array<{ Key?: string }> | undefined) ?? []).map((t) => String(t.Key));
    const resources = (call.input.Resources as string[] | undefined) ?? [];
    return resources.flatMap((id) => {
      const instance = step.before.instances[id];
      const why = keys.some((k) => k !== REQUEST_TAG)
        ? `tags ${keys.join(", ")} written (only ${REQUEST_TAG} is the capability's)`
        : instance?.Tags[step.config.optInTag.key] !== step.config.optInTag.value
          ? "not opted in"
          : undefined;
      return why === undefined
        ? []
        : [
            {
              invariant: "nothing-outside-configuration",
              resource: id,
              message: `${call.operation}, but ${why}`,
            },
          ];
    });
  });

export const checkIdleHibernate = (step: IdleHibernateStep): Violation[] => [
  ...checkStops(step),
  ...checkProofs(step),
  ...checkAlarmWrites(step),
  ...checkStarts(step),
  ...checkTagWrites(step),
];

/**
 * 5. The hibernation-age watch acts (EC2 UG "Limitations for hibernation": an instance must not stay
 *    hibernated more than 60 days): an opted-in instance hibernated `maxDays` or longer is reported (a
 *    too-long finding) within `AGE_SLACK_MS` of reaching it (the watch is daily and one delivery may be
 *    lost), and under the start policy the invocation that reports it starts it or says why not (an
 *    outcome or a skip). Kept across invocations: which stops were reported, which were already flagged.
 */
export interface AgeWatchState {
  /** The run's start (ms): an instance already past maxDays then is due within the slack from it. */
  startMs: number;
  /** Instance id → stop time (ms) a too-long finding reported. */
  reported: Map<string, number>;
  /** `<id>@<stop time>` of instances already reported as unwatched (once each). */
  flagged: Set<string>;
}

export const AGE_SLACK_MS = 2 * 86_400_000;
const DAY = 86_400_000;
const STOP_TIME = /\((\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) GMT\)/;

const stoppedAtOf = (instance: InstanceSnapshot): number | undefined => {
  const m = STOP_TIME.exec(instance.StateTransitionReason);
  return m === null ? undefined : Date.parse(`${m[1]}T${m[2]}Z`);
};

interface AgeResult {
  findings?: Array<{ instanceId?: string; verdict?: string }>;
  actions?: Array<{ resources?: Array<{ resource?: string }> }>;
  skips?: Array<{ resource?: string }>;
}

/** Records the step's too-long findings; under policy start, each must be acted on or skipped. */
const recordFindings = (step: IdleHibernateStep, watch: AgeWatchState): Violation[] => {
  const violations: Violation[] = [];
  for (const result of step.results as AgeResult[]) {
    const tooLong = (result?.findings ?? []).filter((f) => f.verdict === "too-long");
    const answered = new Set([
      ...(result.actions ?? []).flatMap((a) => (a.resources ?? []).map((r) => r.resource)),
      ...(result.skips ?? []).map((s) => s.resource),
    ]);
    for (const { instanceId: id = "" } of tooLong) {
      const stoppedAt = stoppedAtOf(
        step.before.instances[id] ?? ({ StateTransitionReason: "" } as InstanceSnapshot),
      );
      if (stoppedAt !== undefined) watch.reported.set(id, stoppedAt);
      if (step.config.hibernationAge.action === "start" && !answered.has(id))
        violations.push({
          invariant: "hibernation-age-watched",
          resource: id,
          message: "reported hibernated too long under the start policy, but neither started nor skipped",
        });
    }
  }
  return violations;
};

/** Opted-in instances hibernated past maxDays + the slack that no finding reported. */
export const checkHibernationAge = (
  step: IdleHibernateStep,
  watch: AgeWatchState,
  nowMs: number,
): Violation[] => {
  const violations = recordFindings(step, watch);
  const { maxDays } = step.config.hibernationAge;
  for (const [id, instance] of Object.entries(step.after.instances)) {
    if (instance.State !== "stopped" || instance.StateReason !== "Client.UserInitiatedHibernate") continue;
    if (instance.Tags[step.config.optInTag.key] !== step.config.optInTag.value) continue;
    if (step.config.optOutTagKey in instance.Tags) continue;
    const stoppedAt = stoppedAtOf(instance);
    if (stoppedAt === undefined) continue;
    if (nowMs < Math.max(stoppedAt + maxDays * DAY, watch.startMs) + AGE_SLACK_MS) continue;
    const key = `${id}@${stoppedAt}`;
    if (watch.reported.get(id) === stoppedAt || watch.flagged.has(key)) continue;
    watch.flagged.add(key);
    violations.push({
      invariant: "hibernation-age-watched",
      resource: id,
      message: `hibernated since ${new Date(stoppedAt).toISOString()} (${maxDays}+ days), not reported within 2 days`,
    });
  }
  return violations;
};
