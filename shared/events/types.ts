/**
 * Normalised internal event types. Every accepted AWS event shape is turned into one of these,
 * so the capabilities never look at the raw payloads (see events/samples/SOURCES.md for the shapes).
 */

export type AlarmStateValue = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/** One entry per metric (or metric-math query) of the alarm. */
export interface AlarmMetric {
  /** Metric-math query id ("m1", "e1") when present. */
  id?: string;
  namespace?: string;
  metricName?: string;
  /** `{}` for expressions; the SNS list form `[{name,value}]` is normalised to an object. */
  dimensions: Record<string, string>;
  /** As in the CloudWatch API ("Average", "p99"); the SNS upper-case form ("AVERAGE") is mapped to it. */
  stat?: string;
  period?: number;
  unit?: string;
  expression?: string;
  label?: string;
  returnData?: boolean;
}

export interface AlarmState {
  value: AlarmStateValue;
  reason: string;
  timestamp: Date;
  /** `reasonData` JSON string parsed; undefined when absent or unparsable. */
  reasonData?: unknown;
  /**
   * Set when the alarm's actions were suppressed ("Alarm", "ExtensionPeriod", "WaitPeriod").
   * EventBridge still delivers the state change in that case: a consumer that acts on EventBridge
   * events should honour it the way CloudWatch would.
   */
  actionsSuppressedBy?: string;
  /** "PARTIAL_DATA" / "EVALUATION_ERROR" etc. when CloudWatch reports it. */
  evaluationState?: string;
}

export interface AlarmPreviousState {
  value: AlarmStateValue;
  reason?: string;
  timestamp?: Date;
  actionsSuppressedBy?: string;
}

export interface AlarmChange {
  kind: "alarm-change";
  shape: "eventbridge" | "lambda-action" | "sns";
  /** EventBridge id; SNS MessageId; for the Lambda alarm action `${alarmArn}@${state.timestamp}` (raw timestamp text). */
  eventId: string;
  alarmName: string;
  alarmArn: string;
  accountId: string;
  /** Region code, e.g. "us-east-1". SNS: taken from the AlarmArn, never from the human "Region" text. */
  region: string;
  alarmType: "metric" | "composite";
  state: AlarmState;
  previousState?: AlarmPreviousState;
  /** Single metric → 1 entry; metric math → every query (expressions and metric stats); composite → []. */
  metrics: AlarmMetric[];
  /** Composite alarms: the alarm rule, when the payload carries it. */
  alarmRule?: string;
  /** Event time: EventBridge `time`, SNS `Timestamp`, Lambda alarm action `time`. */
  time: Date;
}

export interface ScheduleTick {
  kind: "schedule";
  shape: "eventbridge-rule" | "eventbridge-scheduler";
  eventId: string;
  time: Date;
  region: string;
  accountId: string;
  resources: string[];
}

export type Ec2InstanceStateName =
  | "pending"
  | "running"
  | "stopping"
  | "stopped"
  | "shutting-down"
  | "terminated";

export interface Ec2StateChange {
  kind: "ec2-state-change";
  eventId: string;
  time: Date;
  region: string;
  accountId: string;
  instanceId: string;
  state: Ec2InstanceStateName;
}

export type LifecycleTransition =
  | "autoscaling:EC2_INSTANCE_LAUNCHING"
  | "autoscaling:EC2_INSTANCE_TERMINATING";

/** An Auto Scaling lifecycle action (EventBridge, or the plain message of an SNS/SQS hook target). */
export interface LifecycleAction {
  kind: "lifecycle-action";
  shape: "eventbridge" | "sns" | "sqs";
  /** EventBridge id, SNS MessageId or SQS messageId. */
  eventId: string;
  time: Date;
  /** EventBridge `region`; SNS: from the topic ARN; SQS: `awsRegion`. */
  region: string;
  accountId: string;
  groupName: string;
  /** EventBridge `resources[0]` when it is an ARN. */
  groupArn?: string;
  hookName: string;
  instanceId: string;
  token: string;
  transition: LifecycleTransition;
  /** Warm pools: "EC2", "AutoScalingGroup" or "WarmPool" (absent on older messages). */
  origin?: "EC2" | "AutoScalingGroup" | "WarmPool";
  destination?: "EC2" | "AutoScalingGroup" | "WarmPool";
  notificationMetadata?: string;
}

/** `Event: "autoscaling:TEST_NOTIFICATION"`, sent when a hook's SNS/SQS target is set: ignored. */
export interface LifecycleTestNotification {
  kind: "lifecycle-test";
  shape: "sns" | "sqs";
  eventId: string;
  time: Date;
  region: string;
  accountId: string;
  groupName?: string;
}

export type ToolkitEvent =
  | AlarmChange
  | ScheduleTick
  | Ec2StateChange
  | LifecycleAction
  | LifecycleTestNotification;
