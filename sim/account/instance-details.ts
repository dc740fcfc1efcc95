/**
 * Instance attributes added for idle-hibernate (issue 12): how an instance was launched (root device,
 * Capacity Reservation, Spot request, operator), what its last stop did to memory and instance store,
 * and the AWS/EC2 metrics it publishes while running. Types only: the state holds them, the models
 * (ec2-stop.ts, ec2-instance-details.ts, instance-metrics.ts) read and change them.
 */

export type RootDeviceType = "ebs" | "instance-store";
export type CapacityReservationPreference = "open" | "none" | "capacity-reservations-only";
export type SpotRequestType = "one-time" | "persistent";
export type SpotInterruptionBehavior = "hibernate" | "stop" | "terminate";
export type HibernationOutcome = "hibernated" | "normal-shutdown";
export type FallbackStateReasonCode = "Client.UserInitiatedHibernate" | "Client.UserInitiatedShutdown";

export interface RootVolumeDetails {
  sizeGiB: number;
  encrypted: boolean;
  volumeType: "gp2" | "gp3" | "io1" | "io2" | "st1" | "sc1" | "standard";
}

/** Launch-time attributes that decide whether and how StopInstances may stop the instance. */
export interface InstanceLaunchDetails {
  rootDeviceType: RootDeviceType;
  rootDeviceName: string;
  /** The EBS root volume (absent for an instance store root: DescribeInstances lists EBS volumes only). */
  rootVolumeId?: string;
  /** Its size, encryption and type (DescribeVolumes); absent with `rootVolumeId`. */
  rootVolume?: RootVolumeDetails;
  capacityReservationId?: string;
  capacityReservationPreference: CapacityReservationPreference;
  capacityReservationTarget?: {
    capacityReservationId?: string;
    capacityReservationResourceGroupArn?: string;
  };
  spot?: {
    requestId: string;
    requestType: SpotRequestType;
    interruptionBehavior: SpotInterruptionBehavior;
  };
  operator?: { managed: boolean; principal?: string };
  /** Knob: what an accepted hibernation ends as ("If hibernation fails, a normal shutdown occurs"). */
  hibernationOutcome: HibernationOutcome;
  /** Knob: the StateReason a failed hibernation shows once stopped (AWS documents none). */
  fallbackStateReason: FallbackStateReasonCode;
}

/** What the instance's last stop did (a model fact, not shown by DescribeInstances; snapshots show it). */
export interface StopRecord {
  hibernateRequested: boolean;
  /** Known once `stopped`: true only when a hibernation wrote the RAM to the root volume. */
  memoryPreserved?: boolean;
  /** The type has instance store volumes: their data is gone after any stop or hibernation. */
  instanceStoreDataLost: boolean;
}

/** What a running instance reports to CloudWatch (AWS/EC2), per second of running time. */
export interface InstanceMetricLevels {
  cpuUtilization: number;
  networkInBytesPerSecond: number;
  networkOutBytesPerSecond: number;
}

/** An instance's AWS/EC2 metric source: levels over time, running intervals, what is published. */
export interface InstanceMetricsModel {
  /** Levels in force from `from` on (sorted by time). */
  levels: { from: number; levels: InstanceMetricLevels }[];
  /** When the instance was `running` (`to` absent while it still is). */
  running: { from: number; to?: number }[];
  /** Datapoints are published for windows that end at or before this time. */
  publishedThrough: number;
}

/** The launch details of an instance launched with AWS's defaults (EBS root, open reservation preference). */
export function defaultLaunchDetails(rootVolumeId: string): InstanceLaunchDetails {
  return {
    rootDeviceType: "ebs",
    rootDeviceName: "/dev/xvda",
    rootVolumeId,
    rootVolume: { sizeGiB: 8, encrypted: false, volumeType: "gp3" },
    capacityReservationPreference: "open",
    hibernationOutcome: "hibernated",
    fallbackStateReason: "Client.UserInitiatedHibernate",
  };
}
