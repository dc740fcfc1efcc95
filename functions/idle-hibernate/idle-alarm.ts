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

const LESS_THAN = new Set(["LessThanThreshold", "LessThanOrEqualToThreshold"]);

/**
 * The toolkit's metric-math idle form (whitespace aside): `IF((cpu < t), 1, 0)` or
 * `IF((cpu < t) AND ((netIn + netOut) < n), 1, 0)`, alarming at ≥ 1 (1 = idle).
 */
const IDLE_EXPRESSION = /^IF\(\(?(\w+)<[\d.]+\)?(?:AND\(\((\w+)\+(\w+)\)<[\d.]+\))?,1,0\)$/;

const firesWhenIdleExpression = (alarm: AlarmView, expression: string): boolean => {
  const match = IDLE_EXPRESSION.exec(expression.replace(/\s+/g, ""));
  if (match === null) return false;
  const metricOf = (id: string | undefined) =>
    alarm.queries.find((query) => query.id === id)?.metric?.metricName;
  const [, cpu, netIn, netOut] = match;
  const networkOk =
    netIn === undefined ||
    [metricOf(netIn), metricOf(netOut)].every((name) => name === "NetworkIn" || name === "NetworkOut");
  const threshold = alarm.threshold ?? Number.NaN;
  const atOne =
    (alarm.comparisonOperator === "GreaterThanOrEqualToThreshold" && threshold > 0 && threshold <= 1) ||
    (alarm.comparisonOperator === "GreaterThanThreshold" && threshold >= 0 && threshold < 1);
  return metricOf(cpu) === "CPUUtilization" && networkOk && atOne;
};

const instancesRead = (alarm: AlarmView): Set<string | undefined> =>
  new Set(alarm.queries.map((query) => query.metric?.dimensions.InstanceId).filter((id) => id !== undefined));

/**
 * A group of instances idle together: `MAX(METRICS())` of their CPU below the threshold (the busiest of
 * them is idle, so every one is).
 */
const isGroupIdle = (alarm: AlarmView, expression: string | undefined): boolean =>
  expression?.replace(/\s+/g, "") === "MAX(METRICS())" &&
  LESS_THAN.has(alarm.comparisonOperator ?? "") &&
  alarm.queries.every((query) => query.returnData || query.metric?.metricName === "CPUUtilization");

/**
 * Whether ALARM means "idle": the returned value is CPU compared below its threshold, or the toolkit's
 * idle expression compared at 1. What the alarm reads says nothing of what it computes (`IF(m1 > 90, 1, 0)`
 * reads the same CPU and means busy).
 */
const firesWhenIdle = (alarm: AlarmView): boolean => {
  const returned = alarm.queries.filter((query) => query.returnData);
  const [query] = returned;
  if (returned.length !== 1 || query === undefined) return false;
  if (isGroupIdle(alarm, query.expression)) return true;
  if (instancesRead(alarm).size !== 1) return false;
  if (query.metric !== undefined) {
    return query.metric.metricName === "CPUUtilization" && LESS_THAN.has(alarm.comparisonOperator ?? "");
  }
  return query.expression !== undefined && firesWhenIdleExpression(alarm, query.expression);
};

/**
 * An idle alarm reads AWS/EC2 metrics by InstanceId only and goes to ALARM when they are low: a
 * single-metric CPU alarm below its threshold; a metric-math alarm of one instance in the toolkit's idle
 * form, or of a group whose busiest CPU is below the threshold (`MAX(METRICS())`). Missing data must never read as idle (`TreatMissingData: breaching` is refused):
 * no evidence is no verdict (safety rule 7).
 */
export const isIdleShaped = (alarm: AlarmView): boolean => {
  if (alarm.treatMissingData === "breaching") return false;
  if (alarm.queries.length === 0) {
    return (
      alarm.namespace === "AWS/EC2" &&
      alarm.metricName === "CPUUtilization" &&
      onlyInstanceDimension(alarm.dimensions) &&
      LESS_THAN.has(alarm.comparisonOperator ?? "")
    );
  }
  const metrics = alarm.queries.flatMap((query) => (query.metric === undefined ? [] : [query.metric]));
  return (
    metrics.length > 0 &&
    metrics.every(
      (m) =>
        m.namespace === "AWS/EC2" &&
        EC2_IDLE_METRICS.has(m.metricName ?? "") &&
        onlyInstanceDimension(m.dimensions),
    ) &&
    firesWhenIdle(alarm)
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
