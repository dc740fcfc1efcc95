/**
 * An Outpost's capacity per instance type, as a count of free slots over time (issue 14): the value the
 * Outpost publishes (`AvailableInstanceType_Count`, outposts.ts) and what launches on it may take
 * (asg-launch-failures.ts).
 */
import type { InstanceModel, RegionState } from "./state";

/** The value in force at `at`: the latest change at or before it, else the initial value. */
export function valueAt<T>(initial: T, changes: readonly { at: number; value: T }[], at: number): T {
  // The latest change at or before `at` (a change may be recorded ahead of its time, e.g. a shortage's end).
  let value = initial;
  let latest = Number.NEGATIVE_INFINITY;
  for (const c of changes)
    if (c.at <= at && c.at >= latest) {
      value = c.value;
      latest = c.at;
    }
  return value;
}

/**
 * Free slots of an instance type on an Outpost at `at` (`AvailableInstanceType_Count`, Outposts UG "CloudWatch
 * metrics"): the fixture's count (with its `changes`: shifts from outside, e.g. a shortage) minus the slots
 * instances took since the clock start plus those they gave back — a launch or a start takes one, a stop or
 * a termination gives it back (API ListBlockingInstancesForCapacityTask: "Stopping one or more of these
 * instances can free up the capacity"). null: no datapoint (unknown, never refused). Never below 0.
 */
export function freeSlots(state: RegionState, outpostArn: string, type: string, at: number): number | null {
  const id = outpostArn.split("/").pop() ?? "";
  const entry = state.outposts.get(id)?.instanceTypes.find((t) => t.instanceType === type);
  const base = entry === undefined ? null : valueAt(entry.availableCount, entry.changes ?? [], at);
  if (base === null) return null;
  let taken = 0;
  for (const c of state.asg.slotChanges)
    if (c.at <= at && c.outpostArn === outpostArn && c.instanceType === type) taken += c.delta;
  return Math.max(0, base + taken);
}

const HOLDS_SLOT: ReadonlySet<string> = new Set(["pending", "running", "stopping", "shutting-down"]);

/** Records a slot taken (-1) or given back (+1) by an instance on an Outpost. */
export function moveSlot(state: RegionState, inst: InstanceModel, at: number, delta: number): void {
  if (inst.outpostArn === undefined) return;
  state.asg.slotChanges.push({ at, outpostArn: inst.outpostArn, instanceType: inst.instanceType, delta });
}

/** Instance state listener: a stop or termination gives the slot back, a start takes one. */
export const outpostSlotListener =
  (state: RegionState) =>
  (inst: InstanceModel, from: string, to: string, at: number): void => {
    if (HOLDS_SLOT.has(from) && !HOLDS_SLOT.has(to)) moveSlot(state, inst, at, 1);
    else if (!HOLDS_SLOT.has(from) && HOLDS_SLOT.has(to)) moveSlot(state, inst, at, -1);
  };
