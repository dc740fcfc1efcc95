/**
 * Asynchronous transitions of a region, applied when the simulated clock passes their due time:
 * instances (pending → running, stopping → stopped, shutting-down → terminated), ENI attachments
 * (attaching → attached, detaching → detached), secondary address moves, status checks leaving
 * `initializing`, lifecycle action timeouts, the Auto Scaling engine's steps (replacements, refreshes,
 * health checks) and one-off scheduled tasks. Always in time order, each at its own due time, however far the clock jumped.
 */
import { autoScalingDue } from "./asg-replacement";
import { expireLifecycleAction } from "./lifecycle";
import type { EmitServiceEvent, EniModel, InstanceModel, PendingAddressMove, RegionState } from "./state";
import { completeInitialization } from "./status-checks";
import { moveElasticIps, releaseInterface } from "./vpc-addresses";

interface Due {
  at: number;
  apply: () => void;
}

/** Applies every asynchronous transition due at or before `now`, in time order. */
export function settleRegion(state: RegionState, now: number, emit: EmitServiceEvent): void {
  for (let next = nextDue(state, now, emit); next !== undefined; next = nextDue(state, now, emit))
    next.apply();
}

function nextDue(state: RegionState, now: number, emit: EmitServiceEvent): Due | undefined {
  // The earliest due (the first seen among equals); a candidate's closure is made only when it leads (the
  // account settles on every call and clock move, and almost every candidate is not due).
  let next: Due | undefined;
  const leads = (at: number) => at <= now && (next === undefined || at < next.at);
  for (const inst of state.instances.values()) {
    const t = inst.transition;
    if (t !== undefined && leads(t.at))
      next = { at: t.at, apply: () => completeInstanceTransition(state, inst, emit) };
    const status = inst.status;
    const okAt = status?.okAt;
    if (status !== undefined && okAt !== undefined && leads(okAt))
      next = { at: okAt, apply: () => completeInitialization(status) };
  }
  for (const eni of state.networkInterfaces.values()) {
    const t = eni.attachment?.transition;
    if (t !== undefined && leads(t.at)) next = { at: t.at, apply: () => completeAttachmentTransition(eni) };
  }
  for (const move of state.pendingAddressMoves)
    if (leads(move.at)) next = { at: move.at, apply: () => completeAddressMove(state, move) };
  for (const action of state.lifecycleActions.values()) {
    const at = Math.min(action.timeoutAt, action.globalTimeoutAt);
    if (leads(at)) next = { at, apply: () => expireLifecycleAction(state, action, at, emit) };
  }
  for (const due of autoScalingDue(state, now))
    if (leads(due.at)) next = { at: due.at, apply: () => due.apply(emit) };
  for (const task of state.scheduled) {
    if (!leads(task.at)) continue;
    next = {
      at: task.at,
      apply: () => {
        state.scheduled.splice(state.scheduled.indexOf(task), 1);
        task.run(emit);
      },
    };
  }
  return next;
}

function completeInstanceTransition(state: RegionState, inst: InstanceModel, emit: EmitServiceEvent): void {
  const t = inst.transition;
  if (t === undefined) return;
  state.changeInstanceState(inst, t.to, t.at, emit);
  if (t.to === "running") inst.stateReason = undefined;
  // A detach that hung on an impaired instance (no transition) completes when the instance stops.
  if (t.to === "stopped")
    for (const eni of state.enisOf(inst.id))
      if (eni.attachment?.status === "detaching" && eni.attachment.transition === undefined)
        eni.attachment = undefined;
  if (t.to === "terminated") {
    for (const eni of state.enisOf(inst.id)) {
      if (eni.attachment?.deleteOnTermination) {
        state.networkInterfaces.delete(eni.id);
        releaseInterface(state, eni, t.at);
      } else eni.attachment = undefined;
    }
  }
}

/**
 * The address leaves every other ENI of its VPC (other VPCs reusing the address are untouched) and
 * shows on the target with its Elastic IP; dropped if the target is gone.
 */
function completeAddressMove(state: RegionState, move: PendingAddressMove): void {
  state.pendingAddressMoves.splice(state.pendingAddressMoves.indexOf(move), 1);
  const target = state.networkInterfaces.get(move.toEniId);
  if (target === undefined) return;
  for (const eni of state.networkInterfaces.values()) {
    if (eni !== target && eni.vpcId === target.vpcId)
      eni.secondaryPrivateIpAddresses = eni.secondaryPrivateIpAddresses.filter((ip) => ip !== move.ip);
  }
  if (!target.secondaryPrivateIpAddresses.includes(move.ip)) target.secondaryPrivateIpAddresses.push(move.ip);
  moveElasticIps(state, target.vpcId, move.ip, target.id);
}

function completeAttachmentTransition(eni: EniModel): void {
  const a = eni.attachment;
  if (a?.transition === undefined) return;
  if (a.transition.to === "detached") eni.attachment = undefined;
  else {
    a.status = "attached";
    a.transition = undefined;
  }
}
