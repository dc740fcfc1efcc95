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
import { type LifecycleOutcome, outcomeOf, reportOutcomes } from "./report";

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

/** A lifecycle action that is not ours is left alone without a call (safety rule 8). */
const ignored = (action: LifecycleAction, decision: string, issue: string): Handled => {
  const handOver = noAction(decision, [issue]);
  const outcome = outcomeOf(
    {
      trigger: "event",
      eventId: action.eventId,
      groupName: action.groupName,
      instanceId: action.instanceId,
      hookName: action.hookName,
      transition: action.transition === TERMINATING ? "terminate" : "launch",
    },
    handOver,
    { issues: [], localGatewayRoutes: [], heartbeats: 0 },
    "apply",
  );
  return { outcome, handOver };
};

const handleAction = (session: Session, action: LifecycleAction): Promise<Handled> | Handled => {
  const group = session.policy.groups.find((g) => g.name === action.groupName);
  if (group === undefined) {
    return ignored(action, "ignored-unconfigured-group", `${action.groupName} is not in eniReattach.groups`);
  }
  if (!group.hookNames.includes(action.hookName)) {
    return ignored(
      action,
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
 * Every action of the event, one after the other. A retryable failure of one action does not stop the
 * others; from SQS it is reported as that message's batch item failure (the others are deleted), from
 * EventBridge or SNS the invocation fails after the others are done, so that Lambda retries the event.
 */
const handleActions = async (session: Session, actions: readonly LifecycleAction[]) => {
  const handled: Handled[] = [];
  const failed: Array<{ action: LifecycleAction; error: unknown }> = [];
  for (const action of actions) {
    try {
      handled.push(await handleAction(session, action));
    } catch (error) {
      if (!isOpsError(error) || !error.retryable) throw error;
      failed.push({ action, error });
    }
  }
  return { handled, failed };
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
  const { handled, failed } =
    input.kind === "lifecycle"
      ? await handleActions(session, input.actions)
      : { handled: await reconcile(session, input.tick), failed: [] };
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
  if (failed.length === 0) return result;
  if (input.kind === "lifecycle" && input.actions.every((a) => a.shape === "sqs")) {
    count(context.metrics, Metric.RetryableFailures, failed.length);
    context.logger.warn("Some SQS messages will be received again", {
      failed: failed.map((f) => ({ eventId: f.action.eventId, error: f.error })),
    });
    return {
      ...result,
      decision: decisionOf(outcomes) === "nothing-to-do" ? "retry" : `${result.decision}+retry`,
      batchItemFailures: failed.map((f) => ({ itemIdentifier: f.action.eventId })),
    };
  }
  throw failed[0]?.error;
};
