/**
 * Capacity to start a stopped instance. A stopped instance holds no capacity: starting it can fail with
 * `InsufficientInstanceCapacity` (EC2 UG "Troubleshoot instance launch issues — Insufficient instance
 * capacity": "If you get an InsufficientInstanceCapacity error when you try to launch an instance or
 * restart a stopped instance, AWS does not currently have enough available On-Demand capacity";
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/troubleshooting-launch.html). EC2 API "Error codes"
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html) lists it among the server
 * errors (HTTP 500): "There is not enough capacity to fulfill your request. This error can occur if you
 * launch a new instance, restart a stopped instance, …". The instance stays `stopped`.
 *
 * Where capacity is short: a Region's is injected as a fault (`faults.add({ operation: "StartInstances",
 * error: { code: "InsufficientInstanceCapacity" } })`, the message below); an Outpost's is the rack's
 * published free count of the type (`outposts[].instanceTypes[]`, Outposts UG "Capacity management";
 * stopping frees the slot: Outposts API ListBlockingInstancesForCapacityTask). Only a count of 0 refuses:
 * the per-slot accounting (a start takes a slot) belongs to the Outposts slot model.
 */
import type { SimAwsError } from "../types";
import { awsError } from "./errors";
import type { InstanceModel, RegionState } from "./state";

export const INSUFFICIENT_CAPACITY = "InsufficientInstanceCapacity";

/** The message EC2 answers (the form seen in launch failures; the AZ and the type are the request's). */
export const insufficientCapacityMessage = (instanceType: string, availabilityZone: string): string =>
  `We currently do not have sufficient ${instanceType} capacity in the Availability Zone you requested (${availabilityZone}). Our system will be working on provisioning additional capacity.`;

export const insufficientCapacity = (instanceType: string, availabilityZone: string): SimAwsError =>
  awsError(INSUFFICIENT_CAPACITY, insufficientCapacityMessage(instanceType, availabilityZone), 500);

/** The Outpost's published free count of the type at `at` (the last change at or before it). */
const freeOnOutpost = (state: RegionState, inst: InstanceModel, at: number): number | null | undefined => {
  const outpost = [...state.outposts.values()].find((o) => o.arn === inst.outpostArn);
  const type = outpost?.instanceTypes.find((t) => t.instanceType === inst.instanceType);
  if (type === undefined) return undefined;
  let count = type.availableCount;
  for (const change of type.changes ?? []) if (change.at <= at) count = change.value;
  return count;
};

/** The error starting `inst` answers for lack of capacity now, or undefined. */
export const startCapacityError = (
  state: RegionState,
  inst: InstanceModel,
  at: number,
): SimAwsError | undefined => {
  if (inst.state !== "stopped" || inst.outpostArn === undefined) return undefined;
  return freeOnOutpost(state, inst, at) === 0
    ? insufficientCapacity(inst.instanceType, inst.availabilityZone)
    : undefined;
};
