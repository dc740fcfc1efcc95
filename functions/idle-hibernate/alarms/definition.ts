import type { MetricDataQuery, PutMetricAlarmInput } from "@aws-sdk/client-cloudwatch";
import type { AlarmQueryView, AlarmView, InstanceView } from "../../../shared/observe/model";
import type { IdleHibernateConfig } from "../config";

import { MANAGED_TAG } from "../ownership";

export { MANAGED_TAG };

/** Basic monitoring publishes AWS/EC2 data every 5 minutes: a shorter period would lack datapoints. */
export const BASIC_MONITORING_PERIOD = 300;

export interface IdleAlarmDefinition {
  alarmName: string;
  instanceId: string;
  thresholdPercent: number;
  periodSeconds: number;
  evaluationPeriods: number;
  /** NetworkIn + NetworkOut bytes per period below which the instance is idle too (metric math); none: CPU only. */
  networkBytesPerPeriod?: number;
  alarmActions: string[];
}

export const alarmNameFor = (policy: IdleHibernateConfig, instanceId: string): string =>
  `${policy.alarmNamePrefix}${instanceId}`;

const numberTag = (instance: InstanceView, key: string, min: number, max: number): number | undefined => {
  const raw = instance.tags[key];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= min && value <= max ? value : undefined;
};

/**
 * The period the instance's metrics support: the configured one, but at least 300 seconds without
 * detailed monitoring (`Monitoring.State` enabled), whose 1-minute data a 60-second period needs.
 */
export const periodFor = (instance: InstanceView, configured: number): number =>
  instance.monitoringState === "enabled" ? configured : Math.max(configured, BASIC_MONITORING_PERIOD);

/** The idle alarm of an instance: the policy's defaults, overridden by the instance's tags when valid. */
export const idleAlarmFor = (instance: InstanceView, policy: IdleHibernateConfig): IdleAlarmDefinition => {
  const { alarm } = policy;
  const threshold = numberTag(instance, alarm.thresholdTagKey, 0.1, 100) ?? alarm.cpuThresholdPercent;
  const minutes = numberTag(instance, alarm.idleMinutesTagKey, 1, 24 * 60) ?? alarm.idleMinutes;
  const network = numberTag(instance, alarm.networkTagKey, 1, 1e11) ?? alarm.networkBytesPerSecond;
  const period = periodFor(instance, alarm.periodSeconds);
  return {
    alarmName: alarmNameFor(policy, instance.id),
    instanceId: instance.id,
    thresholdPercent: threshold,
    periodSeconds: period,
    evaluationPeriods: Math.max(1, Math.ceil((minutes * 60) / period)),
    ...(network === undefined ? {} : { networkBytesPerPeriod: Math.round(network * period) }),
    alarmActions: alarm.alarmActions,
  };
};

/** The watched expression of the network-aware alarm: 1 while CPU and network are both below their thresholds. */
export const idleExpression = (wanted: IdleAlarmDefinition): string =>
  `IF((m1 < ${wanted.thresholdPercent}) AND ((m2 + m3) < ${wanted.networkBytesPerPeriod}), 1, 0)`;

const NETWORK_METRICS = [
  { id: "m1", metricName: "CPUUtilization", stat: "Average" },
  { id: "m2", metricName: "NetworkIn", stat: "Sum" },
  { id: "m3", metricName: "NetworkOut", stat: "Sum" },
] as const;

/** The metric-math queries of the network-aware alarm (m1 CPU, m2 + m3 network, e1 watched). */
export const idleQueries = (wanted: IdleAlarmDefinition): AlarmQueryView[] => [
  ...NETWORK_METRICS.map(({ id, metricName, stat }) => ({
    id,
    returnData: false,
    metric: {
      namespace: "AWS/EC2",
      metricName,
      dimensions: { InstanceId: wanted.instanceId },
      periodSeconds: wanted.periodSeconds,
      stat,
    },
  })),
  { id: "e1", returnData: true, expression: idleExpression(wanted) },
];

const queryKey = (q: AlarmQueryView): string => {
  const m = q.metric;
  const dimensions = Object.entries(m?.dimensions ?? {})
    .sort()
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return [
    q.id,
    q.returnData,
    q.expression ?? "",
    m?.namespace,
    m?.metricName,
    dimensions,
    m?.periodSeconds,
    m?.stat,
  ].join("|");
};

const sameQueries = (existing: readonly AlarmQueryView[], wanted: readonly AlarmQueryView[]): boolean =>
  existing.map(queryKey).sort().join("\n") === wanted.map(queryKey).sort().join("\n");

const sameShape = (existing: AlarmView, wanted: IdleAlarmDefinition): boolean =>
  wanted.networkBytesPerPeriod === undefined
    ? existing.queries.length === 0 &&
      existing.namespace === "AWS/EC2" &&
      existing.metricName === "CPUUtilization" &&
      existing.dimensions.InstanceId === wanted.instanceId &&
      Object.keys(existing.dimensions).length === 1 &&
      existing.statistic === "Average" &&
      existing.periodSeconds === wanted.periodSeconds &&
      existing.threshold === wanted.thresholdPercent &&
      existing.comparisonOperator === "LessThanThreshold"
    : sameQueries(existing.queries, idleQueries(wanted)) &&
      existing.threshold === 1 &&
      existing.comparisonOperator === "GreaterThanOrEqualToThreshold";

/** Does the existing alarm already say what the definition says? (Then nothing is written.) */
export const alarmMatches = (existing: AlarmView, wanted: IdleAlarmDefinition): boolean =>
  sameShape(existing, wanted) &&
  existing.evaluationPeriods === wanted.evaluationPeriods &&
  existing.datapointsToAlarm === wanted.evaluationPeriods &&
  existing.treatMissingData === "missing" &&
  [...existing.actions].sort().join(",") === [...wanted.alarmActions].sort().join(",");

const describe = (wanted: IdleAlarmDefinition): string => {
  const minutes = (wanted.evaluationPeriods * wanted.periodSeconds) / 60;
  const network =
    wanted.networkBytesPerPeriod === undefined
      ? ""
      : ` and network below ${wanted.networkBytesPerPeriod} bytes per ${wanted.periodSeconds} s`;
  return `Idle instance ${wanted.instanceId}: average CPU below ${wanted.thresholdPercent}%${network} for ${minutes} min. Managed by ops-toolkit idle-hibernate.`;
};

const toQuery = (query: AlarmQueryView): MetricDataQuery => ({
  Id: query.id,
  ReturnData: query.returnData,
  ...(query.expression === undefined ? {} : { Expression: query.expression, Label: "idle" }),
  ...(query.metric === undefined
    ? {}
    : {
        MetricStat: {
          Metric: {
            Namespace: query.metric.namespace,
            MetricName: query.metric.metricName,
            Dimensions: Object.entries(query.metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
          },
          Period: query.metric.periodSeconds,
          Stat: query.metric.stat,
        },
      }),
});

/**
 * The PutMetricAlarm request. `ActionsEnabled` is carried over from the existing alarm: PutMetricAlarm
 * overwrites the whole configuration and defaults it to true, which would silently re-enable an alarm
 * someone disabled to pause hibernation.
 */
export const putMetricAlarmInput = (
  wanted: IdleAlarmDefinition,
  actionsEnabled: boolean,
): PutMetricAlarmInput => {
  const metric =
    wanted.networkBytesPerPeriod === undefined
      ? {
          Namespace: "AWS/EC2",
          MetricName: "CPUUtilization",
          Dimensions: [{ Name: "InstanceId", Value: wanted.instanceId }],
          Statistic: "Average" as const,
          Period: wanted.periodSeconds,
          Threshold: wanted.thresholdPercent,
          ComparisonOperator: "LessThanThreshold" as const,
        }
      : {
          Metrics: idleQueries(wanted).map(toQuery),
          Threshold: 1,
          ComparisonOperator: "GreaterThanOrEqualToThreshold" as const,
        };
  return {
    AlarmName: wanted.alarmName,
    AlarmDescription: describe(wanted),
    ...metric,
    EvaluationPeriods: wanted.evaluationPeriods,
    DatapointsToAlarm: wanted.evaluationPeriods,
    // A stopped instance sends no datapoints: stay INSUFFICIENT_DATA rather than ALARM.
    TreatMissingData: "missing",
    ActionsEnabled: actionsEnabled,
    AlarmActions: wanted.alarmActions.length > 0 ? wanted.alarmActions : undefined,
    Tags: [
      { Key: MANAGED_TAG.key, Value: MANAGED_TAG.value },
      { Key: "ops:instance-id", Value: wanted.instanceId },
    ],
  };
};
