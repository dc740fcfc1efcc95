/** The observed state the toolkit reasons about, reduced from the SDK shapes to what decisions need. */

export type InstanceStateName =
  | "pending"
  | "running"
  | "stopping"
  | "stopped"
  | "shutting-down"
  | "terminated";

export interface InstanceView {
  id: string;
  state: InstanceStateName;
  instanceType: string;
  /** The last start: AWS updates LaunchTime whenever a stopped instance starts again. */
  launchTime: Date;
  tags: Readonly<Record<string, string>>;
  hibernationConfigured: boolean;
  subnetId?: string;
  vpcId?: string;
  availabilityZone?: string;
  outpostArn?: string;
  /** ENIs attached to the instance, primary first. */
  networkInterfaceIds: string[];
  stateReasonCode?: string;
  /** `StateTransitionReason`, e.g. "User initiated (2019-10-02 17:21:00 GMT)"; may be empty. */
  stateTransitionReason?: string;
  /** From the `aws:autoscaling:groupName` tag that Auto Scaling puts on every member. */
  autoScalingGroup?: string;
  /** `RootDeviceType`: `ebs` or `instance-store`. */
  rootDeviceType?: string;
  /** `InstanceLifecycle`: `spot`, `scheduled`, `capacity-block`…; absent for On-Demand. */
  instanceLifecycle?: string;
  /** `CapacityReservationId`: the instance runs in this Capacity Reservation. */
  capacityReservationId?: string;
  /** `CapacityReservationSpecification`: the preference and whether it targets a reservation or group. */
  capacityReservation?: { preference?: string; targeted: boolean };
  /** `Operator`: set by the service that manages the instance (EKS Auto Mode…). */
  operator?: { managed: boolean; principal?: string };
  /** `Monitoring.State`: `enabled` means detailed (1-minute) CloudWatch metrics. */
  monitoringState?: string;
}

export type RouteTarget =
  | { kind: "network-interface"; id: string }
  | { kind: "instance"; id: string }
  | { kind: "gateway"; id: string }
  | { kind: "local-gateway"; id: string }
  | { kind: "other"; id: string };

export interface RouteView {
  routeTableId: string;
  destination: string;
  targets: RouteTarget[];
  state: "active" | "blackhole";
  origin: "CreateRouteTable" | "CreateRoute" | "EnableVgwRoutePropagation" | string;
}

export interface LocalGatewayRouteView {
  localGatewayRouteTableId: string;
  destination: string;
  networkInterfaceId?: string;
  state: string;
  type: string;
}

/** One query of a metric-math alarm (`Metrics`): a metric, or an expression over the others. */
export interface AlarmQueryView {
  id: string;
  returnData: boolean;
  expression?: string;
  metric?: {
    namespace?: string;
    metricName?: string;
    dimensions: Record<string, string>;
    periodSeconds?: number;
    stat?: string;
  };
}

export interface AlarmView {
  name: string;
  arn: string;
  state: "OK" | "ALARM" | "INSUFFICIENT_DATA";
  stateUpdated: Date;
  namespace?: string;
  metricName?: string;
  /** The alarm's own dimensions (single-metric alarms). */
  dimensions: Record<string, string>;
  /** The dimensions of every metric the alarm reads: its own, and each metric-math query's. */
  metricDimensions: Record<string, string>[];
  statistic?: string;
  periodSeconds?: number;
  evaluationPeriods?: number;
  datapointsToAlarm?: number;
  threshold?: number;
  comparisonOperator?: string;
  treatMissingData?: string;
  actions: string[];
  /** `ActionsEnabled`: false when someone disabled the alarm's actions (state change events still flow). */
  actionsEnabled: boolean;
  /** The metric-math queries (`Metrics`); empty for a single-metric alarm. */
  queries: AlarmQueryView[];
  description?: string;
}

export const AUTO_SCALING_GROUP_TAG = "aws:autoscaling:groupName";
