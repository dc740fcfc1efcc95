/**
 * EC2 instance status checks (`DescribeInstanceStatus`): the instance check and the system check of
 * every instance, on the simulated clock.
 *
 * - Entering `running` (launch, `StartInstances`, `pending` → `running`) puts both checks to
 *   `initializing`; they turn `ok` `behaviour.statusInitializingMs` later ("Status checks are performed
 *   every minute", EC2 User Guide; the duration itself is a documented decision).
 * - Leaving `running` makes both `not-applicable` (what `IncludeAllInstances` shows for a stopped
 *   instance); a stop and start clears an impairment (the instance moves to new hardware).
 * - A check can be set to `impaired` (or any value) through `account.setInstanceStatus` /
 *   `POST /__sim/instances/<id>/status`; it keeps that value until set again or the instance stops.
 *
 * This module depends on nothing else in the simulator so that state.ts can use it.
 */

export const STATUS_CHECK_VALUES = [
  "ok",
  "impaired",
  "initializing",
  "insufficient-data",
  "not-applicable",
] as const;

export type StatusCheckName = (typeof STATUS_CHECK_VALUES)[number];

/** The two checks of an instance (`InstanceStatus`, `SystemStatus`) and their timing. */
export interface InstanceStatusModel {
  instance: StatusCheckName;
  system: StatusCheckName;
  /** When the checks still `initializing` turn `ok` (ms of simulated time). */
  okAt?: number;
  /** `ImpairedSince` of each check while it is `impaired` (ms). */
  instanceImpairedSince?: number;
  systemImpairedSince?: number;
}

export type StatusCheckKind = "instance" | "system";

/** A check's status metric value: 1 failed, 0 passed, undefined no datapoint (status-metrics.ts). */
export type Failed = 0 | 1 | undefined;

/** From `from` on: whether each check fails. */
export interface StatusSegment {
  from: number;
  instance: Failed;
  system: Failed;
}

/** What an instance's status metrics are made from (status-metrics.ts). */
export interface StatusTimeline {
  segments: StatusSegment[];
  /** Every minute before this was published. */
  publishedThrough: number;
}

/** The checks right after an instance enters a state (`running` or any other) at `at`. */
export function statusOnStateChange(
  running: boolean,
  at: number,
  initializingMs: number,
): InstanceStatusModel {
  if (!running) return { instance: "not-applicable", system: "not-applicable" };
  return { instance: "initializing", system: "initializing", okAt: at + initializingMs };
}

/** The checks of an instance whose initialization is long over (an instance built without checks). */
export function settledStatus(running: boolean): InstanceStatusModel {
  return running
    ? { instance: "ok", system: "ok" }
    : { instance: "not-applicable", system: "not-applicable" };
}

/**
 * The checks of an instance loaded from a fixture: the fixture's values where given, else what the
 * simulated clock says (`initializing` until `stateSince + initializingMs`, then `ok`).
 */
export function loadedStatus(
  running: boolean,
  stateSince: number,
  now: number,
  initializingMs: number,
  given: { instance?: StatusCheckName | undefined; system?: StatusCheckName | undefined } = {},
): InstanceStatusModel {
  const status = statusOnStateChange(running, stateSince, initializingMs);
  if (status.okAt !== undefined && status.okAt <= now) completeInitialization(status);
  for (const kind of ["instance", "system"] as const) {
    const value = given[kind];
    if (value !== undefined) setStatusCheck(status, kind, value, now);
  }
  return status;
}

/** The initialization window is over: every check still `initializing` turns `ok`. */
export function completeInitialization(status: InstanceStatusModel): void {
  if (status.instance === "initializing") status.instance = "ok";
  if (status.system === "initializing") status.system = "ok";
  status.okAt = undefined;
}

/** Sets one check; `ImpairedSince` is when it became impaired. */
export function setStatusCheck(
  status: InstanceStatusModel,
  kind: StatusCheckKind,
  value: StatusCheckName,
  now: number,
): void {
  const since = kind === "instance" ? "instanceImpairedSince" : "systemImpairedSince";
  if (value === "impaired" && status[kind] !== "impaired") status[since] = now;
  if (value !== "impaired") status[since] = undefined;
  status[kind] = value;
}

/** The `reachability` detail of a check (`StatusType`); none for `not-applicable`. */
export function reachabilityOf(
  value: StatusCheckName,
): "passed" | "failed" | "initializing" | "insufficient-data" | undefined {
  switch (value) {
    case "ok":
      return "passed";
    case "impaired":
      return "failed";
    case "initializing":
      return "initializing";
    case "insufficient-data":
      return "insufficient-data";
    default:
      return undefined;
  }
}
