import type { AlarmView, InstanceView } from "../../../../shared/observe/model";
import type { Plan, PlannedAction, Skip } from "../../../../shared/pipeline/types";
import type { IdleHibernateConfig } from "../../config";
import { neverHibernated } from "../../eligibility";

/**
 * The daily watch of hibernated instances: AWS supports at most 60 days of hibernation ("We do not
 * support keeping an instance hibernated for more than 60 days"). Pure: the instances come from
 * DescribeInstances (stopped, `Client.UserInitiatedHibernate`, opted in), `now` is an input.
 */

export const START_ACTION = "ec2:start-instances";

export interface StartParams {
  instanceIds: string[];
}

export interface AgeFinding {
  instanceId: string;
  /** too-long: hibernated maxDays or longer; age-unknown: StateTransitionReason shows no stop time. */
  verdict: "too-long" | "age-unknown";
  /** Whole days since the stop, when known. */
  hibernatedDays?: number;
  detail: string;
}

export interface AgePlan extends Plan<StartParams> {
  findings: AgeFinding[];
}

const DAY_MS = 86_400_000;
const STOP_TIME = /\((\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) GMT\)/;

/**
 * The stop time in `StateTransitionReason` ("User initiated (2019-10-02 17:21:00 GMT)"), the only stop
 * time the API shows; undefined when the text has none (botocore: "This might be an empty string").
 */
export const stopTimeOf = (reason: string | undefined): number | undefined => {
  const match = STOP_TIME.exec(reason ?? "");
  if (match === null) return undefined;
  const at = Date.parse(`${match[1]}T${match[2]}Z`);
  return Number.isNaN(at) ? undefined : at;
};

const findingOf = (instance: InstanceView, maxDays: number, now: number): AgeFinding | undefined => {
  const stoppedAt = stopTimeOf(instance.stateTransitionReason);
  if (stoppedAt === undefined) {
    return {
      instanceId: instance.id,
      verdict: "age-unknown",
      detail: `no stop time in StateTransitionReason "${instance.stateTransitionReason ?? ""}": not started`,
    };
  }
  const days = Math.floor((now - stoppedAt) / DAY_MS);
  if (days < maxDays) return undefined;
  return {
    instanceId: instance.id,
    verdict: "too-long",
    hibernatedDays: days,
    detail: `hibernated for ${days} days (since ${new Date(stoppedAt).toISOString()}); AWS supports at most 60`,
  };
};

/** Which instances are hibernated too long, and (policy `start`) which of them to start now. */
/** Why an instance hibernated too long is not started under the start policy, or undefined. */
const notStartable = (
  instance: InstanceView,
  alarms: readonly AlarmView[],
  policy: IdleHibernateConfig,
): string | undefined => {
  if (instance.state !== "stopped") return `instance is ${instance.state}`;
  const never = neverHibernated(instance, policy);
  if (never !== undefined) return never;
  if (alarms.length === 0) return "no idle alarm names it: started, nothing would hibernate it again";
  const paused = alarms.find((alarm) => !alarm.actionsEnabled);
  return paused === undefined
    ? undefined
    : `its idle alarm ${paused.name} is paused (actions disabled): started, it would run until resumed`;
};

export const planHibernationAge = (
  instances: readonly InstanceView[],
  alarmsByInstance: ReadonlyMap<string, readonly AlarmView[]>,
  policy: IdleHibernateConfig,
  now: Date,
): AgePlan => {
  const { maxDays, action } = policy.hibernationAge;
  const findings: AgeFinding[] = [];
  const skips: Skip[] = [];
  const start: string[] = [];
  for (const instance of [...instances].sort((a, b) => a.id.localeCompare(b.id))) {
    const finding = findingOf(instance, maxDays, now.getTime());
    if (finding === undefined) continue;
    findings.push(finding);
    if (finding.verdict !== "too-long" || action !== "start") continue;
    const never = notStartable(instance, alarmsByInstance.get(instance.id) ?? [], policy);
    if (never !== undefined) skips.push({ resource: instance.id, reason: "not-started", detail: never });
    else if (start.length < policy.maxInstancesPerInvocation) start.push(instance.id);
    else {
      skips.push({
        resource: instance.id,
        reason: "limit-exceeded",
        detail: `more than ${policy.maxInstancesPerInvocation} instances in one invocation`,
      });
    }
  }
  const actions: PlannedAction<StartParams>[] =
    start.length === 0
      ? []
      : [
          {
            id: `start:${start.join(",")}`,
            kind: START_ACTION,
            resources: start,
            description: `Start ${start.length} instance(s) hibernated ${maxDays}+ days, so that they can hibernate again`,
            params: { instanceIds: start },
          },
        ];
  const decision =
    actions.length > 0 ? "start" : findings.length > 0 ? "hibernated-too-long" : "nothing-to-do";
  return { decision, actions, skips, findings };
};
