/**
 * Builds the issue-12 parts of a region from its fixture: each instance's launch details (root
 * device, Capacity Reservation, Spot request, operator, hibernation knobs), what a fixture-stopped
 * instance's last stop did, the instances' AWS/EC2 metric sources with their history, and the
 * instance state listeners (stop completion, running time).
 */
import { stopCompletionListener } from "./ec2-stop";
import type { AccountFixture, InstanceFixture } from "./fixture";
import { interruptionBehaviorOf } from "./fixture-hibernation";
import { derivedId } from "./ids";
import type { InstanceLaunchDetails } from "./instance-details";
import { BACKFILL_MS, newMetricSource, publishInstanceMetrics, runningTracker } from "./instance-metrics";
import { type InstanceModel, type RegionState, STATE_REASONS } from "./state";

/**
 * The default root volume size: 8 GiB, or for an instance launched with hibernation its RAM plus 8 GiB
 * ([decision]: "If you enable hibernation, space is allocated on the root volume at launch to store the
 * RAM"; hibernation prerequisites), so that a fixture states a root volume only to make it too small.
 */
const defaultRootGiB = (i: InstanceFixture, memoryMiB: number | undefined): number =>
  i.hibernationConfigured && memoryMiB !== undefined ? Math.ceil(memoryMiB / 1024) + 8 : 8;

/** The launch details a fixture instance describes, with AWS's defaults. */
export function launchDetailsFromFixture(i: InstanceFixture, memoryMiB?: number): InstanceLaunchDetails {
  const ebs = i.rootDeviceType === "ebs";
  const spot =
    i.spot ?? (i.instanceLifecycle === "spot" ? { spotInstanceType: "one-time" as const } : undefined);
  return {
    rootDeviceType: i.rootDeviceType,
    rootDeviceName: i.rootDeviceName ?? (ebs ? "/dev/xvda" : "/dev/sda1"),
    rootVolumeId: ebs ? derivedId("vol", `root|${i.id}`) : undefined,
    rootVolume: ebs
      ? {
          sizeGiB: i.rootVolume?.sizeGiB ?? defaultRootGiB(i, memoryMiB),
          encrypted: i.rootVolume?.encrypted ?? i.hibernationConfigured,
          volumeType: i.rootVolume?.volumeType ?? "gp3",
        }
      : undefined,
    capacityReservationId: i.capacityReservationId,
    capacityReservationPreference:
      i.capacityReservationSpecification?.capacityReservationPreference ?? "open",
    capacityReservationTarget: i.capacityReservationSpecification?.capacityReservationTarget,
    spot:
      spot === undefined
        ? undefined
        : {
            requestId: i.spot?.spotInstanceRequestId ?? `sir-${derivedId("sir", i.id).slice(4, 12)}`,
            requestType: spot.spotInstanceType,
            interruptionBehavior: interruptionBehaviorOf(i),
          },
    operator: i.operator,
    hibernationOutcome: i.hibernation?.outcome ?? "hibernated",
    fallbackStateReason: i.hibernation?.fallbackStateReason ?? "Client.UserInitiatedHibernate",
  };
}

/** A fixture instance already stopped (or stopping) by a hibernation or a plain stop. */
function loadLastStop(state: RegionState, inst: InstanceModel): void {
  if (inst.state !== "stopping" && inst.state !== "stopped") return;
  const hibernateRequested = inst.stateReason?.code === STATE_REASONS.userHibernate.code;
  const storage = state.instanceTypes.get(inst.instanceType)?.instanceStorage !== undefined;
  inst.lastStop = { hibernateRequested, instanceStoreDataLost: false };
  if (inst.state === "stopped") {
    inst.lastStop.memoryPreserved =
      hibernateRequested && inst.launchDetails.hibernationOutcome === "hibernated";
    inst.lastStop.instanceStoreDataLost = storage;
  } else if (
    hibernateRequested &&
    inst.launchDetails.hibernationOutcome === "normal-shutdown" &&
    inst.transition
  ) {
    // A failing hibernation takes longer to reach `stopped`.
    inst.transition.at = inst.stateSince + state.behaviour.failedHibernationToStoppedMs;
  }
}

/** Running time a fixture instance had before the clock start (from launch to its stop). */
function runningBefore(inst: InstanceModel): { from: number; to?: number }[] {
  const launch = inst.launchTime.getTime();
  if (inst.state === "running") return [{ from: inst.stateSince }];
  if (inst.state === "pending" || inst.stateSince <= launch) return [];
  return [{ from: launch, to: inst.stateSince }];
}

export function loadHibernationFixture(state: RegionState, f: AccountFixture, start: number): void {
  state.instanceStateListeners.push(stopCompletionListener(state), runningTracker(state));
  for (const i of f.instances) {
    const inst = state.instances.get(i.id);
    if (inst === undefined) continue;
    loadLastStop(state, inst);
    if (i.metrics === undefined) continue;
    const from = Math.max(inst.launchTime.getTime(), start - BACKFILL_MS);
    state.instanceMetrics.set(i.id, newMetricSource(i.metrics, from, runningBefore(inst)));
  }
  publishInstanceMetrics(state, start);
}
