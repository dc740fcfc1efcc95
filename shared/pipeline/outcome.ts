/**
 * The one outcome policy of a write: how an AWS error becomes a resource outcome (already-done, denied,
 * failed), which outcomes a retry of the event can complete (throttled, transient, not attempted), and
 * the two errors an invocation ends with when work is left (retryable) or unseen (unverified).
 */
import { awsErrorCode, classifyAwsError, isRetryableCategory, toAwsCallError } from "../aws/errors";
import { AwsCallError, DeadlineExceededError, VerificationError } from "../runtime/errors";
import type { OutcomeFailure, ResourceOutcome, ResourceStatus } from "./types";

export const NOT_ATTEMPTED = "not-attempted";

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The classified failure of one write (never throws). */
export const classifyWrite = (operation: string, error: unknown): OutcomeFailure => {
  const category = classifyAwsError(operation, error);
  return { operation, code: awsErrorCode(error), category, retryable: isRetryableCategory(category) };
};

const statusOf = (failure: OutcomeFailure): ResourceStatus =>
  failure.category === "already-done" ? "already-done" : failure.category === "denied" ? "denied" : "failed";

/**
 * The outcome of a write AWS refused: already-done when the error means the desired state holds for this
 * operation, denied when IAM refused, failed otherwise (retryable or not: see `failure`).
 */
export const refusedOutcome = (
  resource: string,
  operation: string,
  error: unknown,
  detail: string = messageOf(error),
): ResourceOutcome => {
  const failure = classifyWrite(operation, error);
  return { resource, status: statusOf(failure), code: failure.code, detail, failure };
};

/** A write the deadline left unstarted: failed, and the retry of the event does it. */
export const notAttemptedOutcome = (
  resource: string,
  operation: string,
  detail = "deadline reached before this write: left for the retry",
): ResourceOutcome => ({
  resource,
  status: "failed",
  code: NOT_ATTEMPTED,
  detail,
  failure: { operation, code: NOT_ATTEMPTED, category: NOT_ATTEMPTED, retryable: true },
});

/** A dry run's answer: `DryRunOperation` is permission granted; anything else is a refusal. */
export const dryRunOutcome = (
  resource: string,
  operation: string,
  error: unknown,
  permitted: string,
): ResourceOutcome =>
  awsErrorCode(error) === "DryRunOperation"
    ? { resource, status: "permitted", detail: permitted }
    : refusedOutcome(resource, operation, error);

/**
 * Fail fast: a throttled or transient error is thrown as an AwsCallError (the invocation fails and Lambda
 * retries the event); any other error is returned classified, for the caller's outcome.
 */
export const throwIfRetryableError = (service: string, operation: string, error: unknown): OutcomeFailure => {
  const failure = classifyWrite(operation, error);
  if (failure.retryable) throw toAwsCallError(service, operation, error);
  return failure;
};

export const isRetryableOutcome = (outcome: ResourceOutcome): boolean => outcome.failure?.retryable === true;

/**
 * After a batch that records failures and goes on: throws when a retry of the event can complete some of
 * it. An AwsCallError when AWS throttled or failed a write; a DeadlineExceededError when the deadline only
 * left writes unstarted. Both are retryable.
 */
export const throwIfRetryable = (
  outcomes: readonly ResourceOutcome[],
  what: { service: string; writes: string },
): void => {
  const retryable = outcomes.filter(isRetryableOutcome);
  if (retryable.length === 0) return;
  const operations = [...new Set(retryable.map((o) => o.failure?.operation ?? ""))].join("/");
  const aws = retryable.find((o) => o.failure?.category !== NOT_ATTEMPTED)?.failure;
  const message = `${retryable.length} ${what.writes} throttled, failed transiently or not attempted: retried`;
  if (aws === undefined || aws.category === NOT_ATTEMPTED) {
    throw new DeadlineExceededError(message, { operation: operations, notStarted: retryable.length });
  }
  throw new AwsCallError(message, {
    service: what.service,
    operation: operations,
    code: aws.code,
    category: aws.category,
  });
};

/** After verification: throws (retryable) when a change was made but AWS did not show it in time. */
export const throwIfUnverified = (
  outcomes: readonly ResourceOutcome[],
  what: { summary: string; expected: string; waitedMs: number },
): void => {
  const unverified = outcomes.filter((o) => o.status === "unverified");
  if (unverified.length === 0) return;
  throw new VerificationError(`${unverified.length} ${what.summary}`, {
    resource: unverified.map((o) => o.resource).join(","),
    expected: what.expected,
    observed: unverified.map((o) => o.detail ?? "").join("; "),
    waitedMs: what.waitedMs,
  });
};
