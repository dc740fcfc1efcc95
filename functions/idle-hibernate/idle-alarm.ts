import type { AlarmView } from "../../shared/observe/model";
import type { IdleHibernateConfig } from "./config";

/**
 * What an idle alarm is: the toolkit's own (name prefix) or an adopted one (a configured name pattern and
 * the shape of an idle alarm), the instances it reads, and its evaluation window.
 */

export type AlarmOwner = "ours" | "adopted" | "foreign";

/** A configured wildcard pattern (`*` = any characters, as EventBridge's wildcard filter) as a RegExp. */
export const wildcardRegExp = (pattern: string): RegExp =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\-]/g, "\\$&").replace(/\*/g, ".*")}$`);

/** Whose alarm the name says it is (an adopted one must also have an idle alarm's shape: `isIdleShaped`). */
export const ownerOfName = (name: string, policy: IdleHibernateConfig): AlarmOwner => {
  if (name.startsWith(policy.alarmNamePrefix)) return "ours";
  return policy.adoptAlarmNamePatterns.some((pattern) => wildcardRegExp(pattern).test(name))
    ? "adopted"
    : "foreign";
};

/** The literal start of an adoption pattern: DescribeAlarms' `AlarmNamePrefix` narrows the reconcile's read. */
export const literalPrefix = (pattern: string): string => pattern.split("*")[0] ?? "";

const EC2_IDLE_METRICS = new Set([
  "CPUUtilization",
  "NetworkIn",
  "NetworkOut",
  "NetworkPacketsIn",
  "NetworkPacketsOut",
]);

const onlyInstanceDimension = (dimensions: Record<string, string>): boolean =>
  Object.keys(dimensions).length === 1 && dimensions.InstanceId !== undefined;

/**
 * An idle alarm reads AWS/EC2 metrics of one instance (InstanceId only), CPUUtilization among them: a
 * single-metric alarm must fire below its threshold; a metric-math alarm combines CPU with network.
 */
export const isIdleShaped = (alarm: AlarmView): boolean => {
  if (alarm.queries.length === 0) {
    return (
      alarm.namespace === "AWS/EC2" &&
      alarm.metricName === "CPUUtilization" &&
      onlyInstanceDimension(alarm.dimensions) &&
      (alarm.comparisonOperator === "LessThanThreshold" ||
        alarm.comparisonOperator === "LessThanOrEqualToThreshold")
    );
  }
  const metrics = alarm.queries.flatMap((query) => (query.metric === undefined ? [] : [query.metric]));
  const instances = new Set(metrics.map((metric) => metric.dimensions.InstanceId));
  return (
    metrics.length > 0 &&
    instances.size === 1 &&
    metrics.every(
      (m) =>
        m.namespace === "AWS/EC2" &&
        EC2_IDLE_METRICS.has(m.metricName ?? "") &&
        onlyInstanceDimension(m.dimensions),
    ) &&
    metrics.some((metric) => metric.metricName === "CPUUtilization")
  );
};

/** The alarm's period: its own, or its metric queries' (metric math). */
export const alarmPeriodSeconds = (alarm: AlarmView): number =>
  alarm.periodSeconds ?? Math.max(0, ...alarm.queries.map((query) => query.metric?.periodSeconds ?? 0));

/** How long the instance must have been idle for the alarm to fire: period × evaluation periods. */
export const alarmWindowMinutes = (alarm: AlarmView): number =>
  (alarmPeriodSeconds(alarm) * (alarm.evaluationPeriods ?? 0)) / 60;

/** Every InstanceId dimension of every metric of the alarm (metric math reads several instances). */
export const instanceIdsOfDimensions = (dimensions: ReadonlyArray<Record<string, string>>): string[] => [
  ...new Set(dimensions.map((d) => d.InstanceId).filter((id): id is string => id !== undefined)),
];

/** The largest window among the alarms that name each instance (each instance is judged by its own alarms). */
export const windowsByInstance = (alarms: readonly AlarmView[]): Map<string, number> => {
  const windows = new Map<string, number>();
  for (const alarm of alarms) {
    for (const id of instanceIdsOfDimensions(alarm.metricDimensions)) {
      windows.set(id, Math.max(windows.get(id) ?? 0, alarmWindowMinutes(alarm)));
    }
  }
  return windows;
};
