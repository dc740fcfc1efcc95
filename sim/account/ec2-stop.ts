/**
 * EC2 StopInstances, with and without `Hibernate` (idle-hibernate, issue 12), and what a stop does to
 * the instance once it is `stopped` (memory, instance store, the StateReason of a failed hibernation).
 *
 * Order of the checks (docs/simulated-account.md, "Hibernation and stops"): parameters, instance id
 * format then existence, `DryRun`, then each instance in request order; the first refusal fails the
 * whole call and changes nothing:
 * 1. instance store root → `UnsupportedOperation` (with or without Hibernate);
 * 2. `disableApiStop` → `OperationNotPermitted`;
 * 3. Spot Instance of a one-time request → `UnsupportedOperation` (with or without Hibernate);
 * 4. Scheduled Instance → `UnsupportedOperation` ("You can't stop or reboot a Scheduled Instance");
 * 5. `pending`, `shutting-down`, `terminated` → `IncorrectInstanceState`;
 * 6. Hibernate: not configured at launch → `UnsupportedHibernationConfiguration`; not `running` →
 *    `IncorrectInstanceState`; running for less than `behaviour.hibernateMinUptimeMs` since LaunchTime →
 *    `UnsupportedOperation`.
 * A persistent Spot request's instance hibernates like an On-Demand one (user-initiated Spot
 * hibernation is supported since the 2025 StopInstances documentation).
 */
import type { InstanceStateChange, StopInstancesResult } from "@aws-sdk/client-ec2";
import type { OpContext, ServiceModel } from "./context";
import { checkIds, dryRun, RULES } from "./ec2-checks";
import { awsError, ec2ParamErrors } from "./errors";
import type { Params } from "./query";
import {
  type InstanceModel,
  type InstanceStateListener,
  type RegionState,
  STATE_CODES,
  STATE_REASONS,
  userInitiatedReason,
} from "./state";

type StopChange = "stop" | "hibernate" | "none" | "force";

function instanceState(inst: InstanceModel) {
  return { Code: STATE_CODES[inst.state], Name: inst.state };
}

/** Refusals that apply to a plain stop and a hibernation alike (checks 1–5). */
function refuseAnyStop(inst: InstanceModel): void {
  const id = inst.id;
  const launch = inst.launchDetails;
  if (launch.rootDeviceType === "instance-store") {
    throw awsError(
      "UnsupportedOperation",
      `The instance '${id}' does not have an 'ebs' root device type and cannot be stopped.`,
    );
  }
  if (inst.disableApiStop) {
    throw awsError(
      "OperationNotPermitted",
      `The instance '${id}' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.`,
    );
  }
  if (launch.spot?.requestType === "one-time") {
    throw awsError(
      "UnsupportedOperation",
      `You can't stop the Spot Instance '${id}' because it is associated with a one-time Spot Instance request. You can only stop Spot Instances associated with persistent Spot Instance requests.`,
    );
  }
  if (inst.instanceLifecycle === "scheduled") {
    throw awsError(
      "UnsupportedOperation",
      `The instance '${id}' is a Scheduled Instance and cannot be stopped.`,
    );
  }
  if (inst.state === "pending") {
    throw awsError(
      "IncorrectInstanceState",
      `Instance '${id}' cannot be stopped as it has never reached the 'running' state.`,
    );
  }
  if (inst.state === "shutting-down" || inst.state === "terminated") {
    throw awsError(
      "IncorrectInstanceState",
      `This instance '${id}' is not in a state from which it can be stopped.`,
    );
  }
}

/** Refusals of a hibernation only (check 6). */
function refuseHibernation(c: OpContext, inst: InstanceModel): void {
  const id = inst.id;
  if (!inst.hibernationConfigured) {
    throw awsError(
      "UnsupportedHibernationConfiguration",
      `The instance can't be hibernated because it was not configured at launch for hibernation: ${id}`,
    );
  }
  if (inst.state !== "running") {
    throw awsError(
      "IncorrectInstanceState",
      `The instance '${id}' is not in a state from which it can be hibernated.`,
    );
  }
  const minUptime = c.state.behaviour.hibernateMinUptimeMs;
  if (minUptime > 0 && c.nowMs() - inst.launchTime.getTime() < minUptime) {
    throw awsError(
      "UnsupportedOperation",
      `The instance '${id}' cannot be hibernated yet: it was launched less than ${Math.round(minUptime / 1000)} seconds ago. Try again later.`,
    );
  }
}

function planStop(c: OpContext, inst: InstanceModel, hibernate: boolean, force: boolean): StopChange {
  refuseAnyStop(inst);
  if (hibernate) {
    refuseHibernation(c, inst);
    return "hibernate";
  }
  if (inst.state === "running") return "stop";
  return force && inst.state === "stopping" ? "force" : "none";
}

/** How long `stopping` lasts: a failed hibernation takes longer; `Force` shortens any stop. */
function stopDelay(
  state: RegionState,
  inst: InstanceModel,
  change: "stop" | "hibernate",
  force: boolean,
): number {
  const b = state.behaviour;
  const failing = inst.launchDetails.hibernationOutcome === "normal-shutdown";
  const normal =
    change === "stop"
      ? b.stoppingToStoppedMs
      : failing
        ? b.failedHibernationToStoppedMs
        : b.hibernatingToStoppedMs;
  return force ? Math.min(b.forcedStopMs, normal) : normal;
}

function stopInstances(c: OpContext, p: Params): StopInstancesResult {
  const ids = p.strList("InstanceIds");
  if (ids === undefined || ids.length === 0) throw ec2ParamErrors.missing("InstanceId");
  const hibernate = p.bool("Hibernate") === true;
  const force = p.bool("Force") === true;
  p.bool("SkipOsShutdown"); // accepted (type-checked); no effect on the simulated shutdown
  checkIds(ids, RULES.instance, (id) => c.state.instances.has(id));
  dryRun(p);

  const plans: { inst: InstanceModel; change: StopChange }[] = [];
  for (const id of new Set(ids)) {
    const inst = c.state.instances.get(id);
    if (inst !== undefined) plans.push({ inst, change: planStop(c, inst, hibernate, force) });
  }
  const now = c.nowMs();
  const result: InstanceStateChange[] = [];
  for (const { inst, change } of plans) {
    const previous = instanceState(inst);
    if (change === "stop" || change === "hibernate") {
      inst.stateReason = {
        ...(change === "hibernate" ? STATE_REASONS.userHibernate : STATE_REASONS.userShutdown),
      };
      inst.stateTransitionReason = userInitiatedReason(now);
      inst.lastStop = { hibernateRequested: change === "hibernate", instanceStoreDataLost: false };
      const delay = stopDelay(c.state, inst, change, force);
      c.state.changeInstanceState(inst, "stopping", now, c.emit, { to: "stopped", at: now + delay });
    } else if (change === "force" && inst.transition !== undefined) {
      inst.transition.at = Math.min(inst.transition.at, now + c.state.behaviour.forcedStopMs);
    }
    result.push({ InstanceId: inst.id, CurrentState: instanceState(inst), PreviousState: previous });
  }
  return { StoppingInstances: result };
}

/**
 * Listener for `RegionState.changeInstanceState`: when an instance reaches `stopped`, records what the
 * stop did. A hibernation that fell back to a normal shutdown loses the RAM and shows the fixture's
 * `hibernation.fallbackStateReason`; any stop loses the instance store data.
 */
export function stopCompletionListener(state: RegionState): InstanceStateListener {
  return (inst, _from, to) => {
    if (to !== "stopped") return;
    const record = inst.lastStop ?? { hibernateRequested: false, instanceStoreDataLost: false };
    const launch = inst.launchDetails;
    const hibernated = record.hibernateRequested && launch.hibernationOutcome === "hibernated";
    record.memoryPreserved = hibernated;
    record.instanceStoreDataLost = state.instanceTypes.get(inst.instanceType)?.instanceStorage !== undefined;
    inst.lastStop = record;
    if (
      record.hibernateRequested &&
      !hibernated &&
      launch.fallbackStateReason === STATE_REASONS.userShutdown.code
    )
      inst.stateReason = { ...STATE_REASONS.userShutdown };
  };
}

export const ec2StopModel: ServiceModel = { StopInstances: stopInstances };
