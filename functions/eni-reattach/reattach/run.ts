import { invocationAccount } from "../../../shared/aws/arn";
import { requireRegion } from "../../../shared/aws/region";
import type { LifecycleAction } from "../../../shared/events";
import { isOpsError } from "../../../shared/runtime/errors";
import type { OpsResult } from "../../../shared/runtime/handler";
import { count, Metric } from "../../../shared/runtime/observability";
import type { StageContext } from "../../config";
import { CAPABILITY } from "../config";
import type { Session } from "./execute";
import { type Handled, handleHook } from "./handle";
import { type EniReattachInput, eventIdsOf } from "./parse";
import { noAction } from "./plan/hand-over";
import { reconcile } from "./reconcile";
import { type LifecycleOutcome, outcomeOf, reportFailure, reportOutcomes } from "./report";

/**
 * observe → plan → execute → report for each lifecycle action of the event (or every configured group on
 * the reconcile schedule). See README "Decisions".
 */

export interface EniReattachResult extends OpsResult {
  outcomes: LifecycleOutcome[];
  /** SQS event source with ReportBatchItemFailures: the messages to receive again. */
  batchItemFailures?: Array<{ itemIdentifier: string }>;
}

const TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING";

type OutcomeBase = Parameters<typeof outcomeOf>[0];

/** A retryable failure: the event (or SQS message) to receive again. */
interface Retry {
  eventId: string;
  error: unknown;
}

const baseOf = (action: LifecycleAction): OutcomeBase => ({
  trigger: "event",
  eventId: action.eventId,
  groupName: action.groupName,
  instanceId: action.instanceId,
  hookName: action.hookName,
  transition: action.transition === TERMINATING ? "terminate" : "launch",
});

/** An outcome with no action: ignored (not ours) or failed (the error, for the logs and metrics). */
const noted = (base: OutcomeBase, decision: string, issue: string): Handled => {
  const handOver = noAction(decision, [issue]);
  const outcome = outcomeOf(base, handOver, { issues: [], localGatewayRoutes: [], heartbeats: 0 }, "apply");
  return { outcome, handOver };
};

const failedNote = (base: OutcomeBase, error: unknown): Handled =>
  noted(base, "failed", `${isOpsError(error) && error.retryable ? "retryable: " : ""}${String(error)}`);

const handleAction = (session: Session, action: LifecycleAction): Promise<Handled> | Handled => {
  const group = session.policy.groups.find((g) => g.name === action.groupName);
  if (group === undefined) {
    return noted(
      baseOf(action),
      "ignored-unconfigured-group",
      `${action.groupName} is not in eniReattach.groups`,
    );
  }
  if (!group.hookNames.includes(action.hookName)) {
    return noted(
      baseOf(action),
      "ignored-foreign-hook",
      `hook ${action.hookName} is not one of ${group.name}'s hookNames`,
    );
  }
  return handleHook(session, group, {
    trigger: "event",
    eventId: action.eventId,
    ref: {
      groupName: action.groupName,
      hookName: action.hookName,
      instanceId: action.instanceId,
      token: action.token,
    },
    transition: action.transition === TERMINATING ? "terminate" : "launch",
    startedAt: action.time.getTime(),
  });
};

/**
 * Every action of the event, one after the other; a failure of one never stops the others. A refused
 * (non-retryable) call is that action's `failed` outcome. A retryable failure is also reported; from SQS
 * the message alone is received again (batch item failure), from EventBridge or SNS the invocation fails
 * once the others are done, so that Lambda retries the event.
 */
const handleActions = async (session: Session, actions: readonly LifecycleAction[]) => {
  const handled: Handled[] = [];
  const failed: Retry[] = [];
  for (const action of actions) {
    try {
      handled.push(await handleAction(session, action));
    } catch (error) {
      if (!isOpsError(error)) throw error;
      handled.push(failedNote(baseOf(action), error));
      if (error.retryable) failed.push({ eventId: action.eventId, error });
    }
  }
  return { handled, failed };
};

/** The reconcile: failed parts become outcomes; a retryable one fails the invocation (Lambda retries). */
const reconcileAll = async (session: Session, input: Extract<EniReattachInput, { kind: "reconcile" }>) => {
  const { handled, failed } = await reconcile(session, input.tick);
  for (const f of failed) {
    const base: OutcomeBase = {
      trigger: "reconcile",
      eventId: input.tick.eventId,
      groupName: f.groupName,
      instanceId: f.instanceId ?? "",
      transition: "repair",
    };
    handled.push(failedNote(base, f.error));
  }
  const retryable: Retry[] = failed
    .filter((f) => isOpsError(f.error) && f.error.retryable)
    .map((f) => ({ eventId: input.tick.eventId, error: f.error }));
  return { handled, failed: retryable };
};

const sessionOf = (input: EniReattachInput, context: StageContext): Session => {
  const regionSource =
    input.kind === "lifecycle"
      ? (input.actions[0]?.region ?? "")
      : input.kind === "reconcile"
        ? input.tick.region
        : "";
  const region = requireRegion(regionSource, CAPABILITY);
  return {
    region,
    ec2: context.clients.ec2(region),
    autoScaling: context.clients.autoScaling(region),
    context,
    policy: context.config.eniReattach,
    apply: context.mode === "apply",
  };
};

const decisionOf = (outcomes: readonly LifecycleOutcome[]): string =>
  outcomes.length === 0 ? "nothing-to-do" : [...new Set(outcomes.map((o) => o.decision))].join("+");

export const runEniReattach = async (
  input: EniReattachInput,
  context: StageContext,
): Promise<EniReattachResult> => {
  if (input.kind === "test-notification") {
    count(context.metrics, Metric.IgnoredEvents, input.events.length);
    context.logger.info("Auto Scaling test notification ignored", {
      groups: input.events.map((e) => e.groupName),
    });
    return {
      capability: CAPABILITY,
      decision: "ignored-test-notification",
      mode: context.mode,
      outcomes: [],
    };
  }
  const session = sessionOf(input, context);
  if (input.kind === "lifecycle" && input.invalid.length > 0) {
    count(context.metrics, Metric.InvalidEvents, input.invalid.length);
    context.logger.warn("Records that are not lifecycle messages were dropped; the others are handled", {
      invalid: input.invalid,
    });
  }
  const { handled, failed } =
    input.kind === "lifecycle"
      ? await handleActions(session, input.actions)
      : await reconcileAll(session, input);
  const accountId = invocationAccount(
    context.lambda,
    input.kind === "lifecycle" ? input.actions[0]?.accountId : input.tick.accountId,
  );
  await reportOutcomes(context, handled, {
    region: session.region,
    accountId,
    triggerEventId: eventIdsOf(input),
  });
  const outcomes = handled.map((h) => h.outcome);
  const result: EniReattachResult = {
    capability: CAPABILITY,
    decision: decisionOf(outcomes),
    mode: context.mode,
    outcomes,
  };
  for (const h of handled.filter((x) => x.outcome.decision === "failed"))
    reportFailure(context, h.outcome.groupName);
  return retryOrReturn(input, context, result, failed);
};

/**
 * With retryable failures: from SQS, only those messages are received again (partial batch response);
 * otherwise the invocation fails so that Lambda retries the event (what succeeded is reported already).
 */
const retryOrReturn = (
  input: EniReattachInput,
  context: StageContext,
  result: EniReattachResult,
  failed: readonly Retry[],
): EniReattachResult => {
  if (failed.length === 0) return result;
  if (input.kind === "lifecycle" && input.actions.every((a) => a.shape === "sqs")) {
    count(context.metrics, Metric.RetryableFailures, failed.length);
    context.logger.warn("Some SQS messages will be received again", { failed });
    return {
      ...result,
      decision: `${result.decision}+retry`,
      batchItemFailures: failed.map((f) => ({ itemIdentifier: f.eventId })),
    };
  }
  throw failed[0]?.error;
};
