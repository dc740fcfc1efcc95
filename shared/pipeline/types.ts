import type { ExecutionMode } from "../runtime/config";
import type { AwsErrorCategory } from "../runtime/errors";

/** A resource the plan decided not to act on, and why (a stable, documented reason code). */
export interface Skip {
  resource: string;
  reason: string;
  detail: string;
}

/** One change to make, computed by a pure planning function. */
export interface PlannedAction<P = unknown> {
  /** Stable id, e.g. "hibernate:i-0abc"; the same inputs always give the same ids. */
  id: string;
  /** Which executor applies it, e.g. "ec2:hibernate-instances". */
  kind: string;
  resources: string[];
  description: string;
  params: P;
}

export interface Plan<P = unknown> {
  /** One word or phrase for logs and metrics: "hibernate", "nothing-to-do", "alarm-not-in-alarm"… */
  decision: string;
  actions: PlannedAction<P>[];
  skips: Skip[];
}

/**
 * planned: plan mode, nothing called. permitted / denied: dry run said the call would (not) be
 * authorised. applied: changed and verified. already-done: the desired state already held.
 * failed: AWS refused for this resource. unverified: changed, but the read-back did not show the
 * desired state before the deadline.
 */
export type ResourceStatus =
  | "planned"
  | "permitted"
  | "denied"
  | "applied"
  | "already-done"
  | "failed"
  | "unverified";

/**
 * Why a write did not happen, classified once by the outcome policy (shared/pipeline/outcome.ts):
 * the AWS error's category for the operation, or `not-attempted` when the deadline came first.
 */
export interface OutcomeFailure {
  operation: string;
  /** The AWS error code, or "not-attempted". */
  code: string;
  category: AwsErrorCategory | "not-attempted";
  /** Throttled, transient or not attempted: a retry of the event can complete it. */
  retryable: boolean;
}

export interface ResourceOutcome {
  resource: string;
  status: ResourceStatus;
  detail?: string;
  /** The AWS error code (or the toolkit's own refusal code) behind a failed, denied or already-done outcome. */
  code?: string;
  /** Set when AWS refused the write (or the deadline left it unstarted). */
  failure?: OutcomeFailure;
}

export interface ActionOutcome {
  actionId: string;
  kind: string;
  description: string;
  resources: ResourceOutcome[];
}

export interface Execution {
  mode: ExecutionMode;
  decision: string;
  actions: ActionOutcome[];
  skips: Skip[];
}

/** How one kind of action is dry-run, applied (idempotently) and verified. */
export interface ActionExecutor<P = unknown> {
  kind: string;
  /** Proves permission without changing anything (EC2 `DryRun: true`), or reports that it cannot. */
  dryRun(action: PlannedAction<P>): Promise<ResourceOutcome[]>;
  /** Applies the action and reads it back until AWS shows the desired state or the deadline passes. */
  apply(action: PlannedAction<P>): Promise<ResourceOutcome[]>;
}
