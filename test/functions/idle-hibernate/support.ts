import { parseStageConfig } from "../../../functions/config";
import type { IdleHibernateConfig } from "../../../functions/idle-hibernate/config";
import type { AlarmView, InstanceView } from "../../../shared/observe/model";

/** Typed views and policies for the idle-hibernate unit tests (on the views' own types). */

export const policyWith = (idleHibernate: Record<string, unknown> = {}): IdleHibernateConfig =>
  parseStageConfig({ idleHibernate }, "test").idleHibernate;

export const DEFAULT_POLICY = policyWith();

export const instanceView = (id: string, overrides: Partial<InstanceView> = {}): InstanceView => ({
  id,
  state: "running",
  instanceType: "m5.large",
  launchTime: new Date("2026-11-21T08:00:00Z"),
  tags: { "ops:hibernate": "idle" },
  hibernationConfigured: true,
  networkInterfaceIds: [`eni-${id.slice(2)}`],
  rootDeviceType: "ebs",
  capacityReservation: { preference: "open", targeted: false },
  monitoringState: "disabled",
  ...overrides,
});

/** The toolkit's CPU idle alarm of an instance (single metric), as DescribeAlarms shows it. */
export const alarmView = (id: string, overrides: Partial<AlarmView> = {}): AlarmView => ({
  name: `ops-idle-${id}`,
  arn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:ops-idle-${id}`,
  state: "ALARM",
  stateUpdated: new Date(0),
  namespace: "AWS/EC2",
  metricName: "CPUUtilization",
  dimensions: { InstanceId: id },
  metricDimensions: [{ InstanceId: id }],
  statistic: "Average",
  periodSeconds: 300,
  evaluationPeriods: 3,
  datapointsToAlarm: 3,
  threshold: 10,
  comparisonOperator: "LessThanThreshold",
  treatMissingData: "missing",
  actions: [],
  actionsEnabled: true,
  queries: [],
  ...overrides,
});
