/**
 * Every opted-in instance the toolkit could hibernate has its idle alarm: the toolkit's own
 * (`<alarmNamePrefix><instance id>`, tagged as the toolkit's) or an adopted one, shaped as an idle alarm,
 * with its actions enabled and the configured alarm actions. Without it the instance is never hibernated.
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { IdleHibernateConfig } from "../../../../functions/idle-hibernate/config";
import { isOptedOut, neverHibernated } from "../../../../functions/idle-hibernate/eligibility";
import {
  instanceIdsOfDimensions,
  isIdleShaped,
  literalPrefix,
  ownerOfName,
} from "../../../../functions/idle-hibernate/idle-alarm";
import { isManagedAlarm, MANAGED_TAG } from "../../../../functions/idle-hibernate/ownership";
import { loadMetricAlarms } from "../../../../shared/observe/loaders";
import type { AlarmView } from "../../../../shared/observe/model";
import type { Check, Finding } from "../../types";
import { findingOf, SOURCES } from "../support";
import { IDLE_READS, optedInInstances } from "./observe";

/** Adopted idle alarms (configured name patterns, idle shape) by the instance they read. */
const adoptedAlarms = async (
  cloudWatch: CloudWatchClient,
  policy: IdleHibernateConfig,
): Promise<Map<string, AlarmView>> => {
  const adopted = new Map<string, AlarmView>();
  for (const prefix of new Set(policy.adoptAlarmNamePatterns.map(literalPrefix))) {
    for (const alarm of await loadMetricAlarms(cloudWatch, { prefix })) {
      if (ownerOfName(alarm.name, policy) !== "adopted" || !isIdleShaped(alarm)) continue;
      for (const id of instanceIdsOfDimensions(alarm.metricDimensions))
        if (!adopted.has(id)) adopted.set(id, alarm);
    }
  }
  return adopted;
};

/** What is wrong with an existing alarm (its name under our prefix: it must carry our tag). */
const alarmProblems = async (
  cloudWatch: CloudWatchClient,
  alarm: AlarmView,
  policy: IdleHibernateConfig,
): Promise<{ severity: "error" | "warning"; problem: string; fix: string }[]> => {
  const problems: { severity: "error" | "warning"; problem: string; fix: string }[] = [];
  const ours = ownerOfName(alarm.name, policy) === "ours";
  if (!isIdleShaped(alarm))
    problems.push({
      severity: "error",
      problem: `alarm ${alarm.name} is not shaped as an idle alarm (CPU below a threshold, missing data not breaching): it never hibernates the instance`,
      fix: `Delete alarm ${alarm.name}; idle-alarms creates the toolkit's own at its next hourly reconcile.`,
    });
  if (ours && !(await isManagedAlarm(cloudWatch, alarm.arn)))
    problems.push({
      severity: "error",
      problem: `alarm ${alarm.name} lacks the tag ${MANAGED_TAG.key}=${MANAGED_TAG.value}: the toolkit never acts on it nor replaces it`,
      fix: `Delete alarm ${alarm.name} (idle-alarms then creates its own), or tag it if you created it for the toolkit.`,
    });
  if (!alarm.actionsEnabled)
    problems.push({
      severity: "warning",
      problem: `alarm ${alarm.name} has its actions disabled: hibernation paused for the instance`,
      fix: `aws cloudwatch enable-alarm-actions --alarm-names ${alarm.name} (when the pause is over).`,
    });
  const missing = ours ? policy.alarm.alarmActions.filter((a) => !alarm.actions.includes(a)) : [];
  if (missing.length > 0)
    problems.push({
      severity: "warning",
      problem: `alarm ${alarm.name} lacks the configured alarm actions ${missing.join(", ")}`,
      fix: "Let idle-alarms reconcile it (it updates its own alarms), or add the actions.",
    });
  return problems;
};

const idleAlarm: Check = {
  id: "idle-hibernate/idle-alarm",
  capability: "idle-hibernate",
  title:
    "Every opted-in instance the toolkit may hibernate has its idle alarm, enabled, with the expected actions",
  iamActions: [...IDLE_READS, "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
  run: async (ctx) => {
    const policy = ctx.config.idleHibernate;
    const eligible = (await optedInInstances(ctx)).filter(
      ({ view }) =>
        view.state === "running" && !isOptedOut(view, policy) && neverHibernated(view, policy) === undefined,
    );
    if (eligible.length === 0) return [];
    const cloudWatch = ctx.clients.cloudWatch;
    const own = await loadMetricAlarms(cloudWatch, {
      names: eligible.map(({ view }) => `${policy.alarmNamePrefix}${view.id}`),
    });
    const adopted = await adoptedAlarms(cloudWatch, policy);
    const findings: Finding[] = [];
    for (const { view } of eligible) {
      const alarm = own.find((a) => a.name === `${policy.alarmNamePrefix}${view.id}`) ?? adopted.get(view.id);
      if (alarm === undefined) {
        findings.push(
          findingOf(idleAlarm, "warning", {
            resource: view.id,
            message: `no idle alarm (${policy.alarmNamePrefix}${view.id} or an adopted one): never hibernated until idle-alarms creates it`,
            fix: "Deploy the stack (idle-alarms creates the alarm on the instance's next start and at its hourly reconcile), or invoke it now: npx osls invoke -f idleAlarms --stage <stage>.",
            source: SOURCES.alarmActions,
          }),
        );
        continue;
      }
      for (const p of await alarmProblems(cloudWatch, alarm, policy))
        findings.push(
          findingOf(idleAlarm, p.severity, {
            resource: view.id,
            message: p.problem,
            fix: p.fix,
            source: SOURCES.alarmActions,
          }),
        );
    }
    return findings;
  },
};

export const ALARM_CHECKS: readonly Check[] = [idleAlarm];
