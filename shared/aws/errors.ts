import { AwsCallError, type AwsErrorCategory } from "../runtime/errors";

/**
 * What an AWS error means for the toolkit: the one classification every capability uses (the outcome
 * policy of shared/pipeline/outcome.ts turns it into outcomes and retries).
 * - throttled: the API's token bucket is empty (EC2 `RequestLimitExceeded`, Auto Scaling and CloudWatch
 *   `Throttling`, EventBridge `ThrottlingException`): retryable.
 * - transient: 5xx or network trouble: retryable.
 * - already-done: the call failed because the desired state already holds (per operation, ALREADY_DONE).
 * - denied: IAM refused (`UnauthorizedOperation`, `AccessDenied`…).
 * - not-found: the resource named does not exist (`*.NotFound`, `ResourceNotFound`…).
 * - conflict: the resource's state or another owner's resource stands in the way (`IncorrectInstanceState`,
 *   `RouteAlreadyExists`, `…InUse`…).
 * - invalid: the request itself is refused (`InvalidParameterValue`, `ValidationError`, `Unsupported…`).
 * - refused: any other refusal.
 * Only throttled and transient are retryable: the same request can succeed later.
 */

const THROTTLING_CODES = new Set([
  "RequestLimitExceeded",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "EC2ThrottledException",
  "PriorRequestNotComplete",
  "BandwidthLimitExceeded",
]);

const TRANSIENT_CODES = new Set([
  "InternalError",
  "InternalFailure",
  "InternalServiceError",
  "InternalServerError",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "Unavailable",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  // Auto Scaling's ResourceContentionFault (HTTP 500): "You already have a pending update …".
  "ResourceContention",
  "ResourceContentionFault",
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
]);

const DENIED_CODES = new Set([
  "UnauthorizedOperation",
  "AccessDenied",
  "AccessDeniedException",
  "AuthFailure",
  "UnauthorizedException",
]);

const CONFLICT_CODES = new Set([
  "IncorrectInstanceState",
  "IncorrectState",
  "OperationNotPermitted",
  "RouteAlreadyExists",
  "PrivateIpAddressInUse",
  "ResourceInUse",
  "ResourceInUseException",
  "ScalingActivityInProgress",
  "ConflictException",
  "ConcurrentModificationException",
]);

const isNotFoundCode = (code: string) => /NotFound(Exception)?$/.test(code);
const isInvalidCode = (code: string) =>
  /^(Invalid|Missing|Unsupported)|^Validation(Error|Exception)$/.test(code) || code === "ValidationError";

interface OperationRule {
  code: string;
  /** Only where AWS gives the case no code of its own: a documented phrase of the message. */
  message?: RegExp;
  category: AwsErrorCategory;
}

/**
 * Per operation, the errors whose meaning depends on the operation. An entry applies only to the
 * operation it names: `InvalidRoute.NotFound` is success for DeleteRoute, a failure elsewhere. Codes whose
 * meaning depends on the current state (e.g. `RouteAlreadyExists`, success only when the existing route has
 * our target) are decided by the action that read the state, not here.
 */
const OPERATION_RULES: Readonly<Record<string, readonly OperationRule[]>> = {
  DeleteRoute: [{ code: "InvalidRoute.NotFound", category: "already-done" }],
  DeleteAlarms: [{ code: "ResourceNotFound", category: "already-done" }],
  DetachNetworkInterface: [{ code: "InvalidAttachmentID.NotFound", category: "already-done" }],
  UnassignPrivateIpAddresses: [
    { code: "InvalidParameterValue.PrivateIpAddressNotAssigned", category: "already-done" },
  ],
  // Auto Scaling answers a completed (or timed-out) lifecycle action with a plain ValidationError.
  CompleteLifecycleAction: [
    { code: "ValidationError", message: /No active Lifecycle Action found/i, category: "already-done" },
  ],
  // The same answer to a heartbeat: no action of that hook is pending for the token or instance.
  RecordLifecycleActionHeartbeat: [
    { code: "ValidationError", message: /No active Lifecycle Action found/i, category: "not-found" },
  ],
  // EC2 answers ReplaceRoute for a destination without a route with InvalidParameterValue ("There is no
  // route defined for … Use CreateRoute instead"), not InvalidRoute.NotFound (docs/aws-behaviour.md).
  ReplaceRoute: [{ code: "InvalidParameterValue", message: /no route/i, category: "not-found" }],
};

export interface AwsErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $fault?: "client" | "server";
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
}

const asShape = (error: unknown): AwsErrorShape =>
  typeof error === "object" && error !== null ? (error as AwsErrorShape) : {};

export const awsErrorCode = (error: unknown): string => {
  if (error instanceof AwsCallError) return error.context.code;
  const shape = asShape(error);
  return shape.Code ?? shape.code ?? shape.name ?? "UnknownError";
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The category of an AWS error for this operation (see the list above). */
export const classifyAwsError = (operation: string, error: unknown): AwsErrorCategory => {
  if (error instanceof AwsCallError) {
    return error.cause === undefined ? error.context.category : classifyAwsError(operation, error.cause);
  }
  const shape = asShape(error);
  const code = awsErrorCode(error);
  const rule = OPERATION_RULES[operation]?.find(
    (r) => r.code === code && (r.message === undefined || r.message.test(messageOf(error))),
  );
  if (rule !== undefined) return rule.category;
  if (THROTTLING_CODES.has(code) || shape.$retryable?.throttling === true) return "throttled";
  if (TRANSIENT_CODES.has(code)) return "transient";
  if (DENIED_CODES.has(code)) return "denied";
  if (isNotFoundCode(code)) return "not-found";
  if (CONFLICT_CODES.has(code)) return "conflict";
  if (isInvalidCode(code)) return "invalid";
  const status = shape.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return "transient";
  return "refused";
};

export const isRetryableCategory = (category: AwsErrorCategory): boolean =>
  category === "throttled" || category === "transient";

/** Wraps an SDK error into the toolkit's hierarchy, with the context that logs need. */
export const toAwsCallError = (service: string, operation: string, error: unknown): AwsCallError => {
  const shape = asShape(error);
  const code = awsErrorCode(error);
  return new AwsCallError(
    `${service}:${operation} failed: ${code}: ${shape.message ?? String(error)}`,
    {
      service,
      operation,
      code,
      category: classifyAwsError(operation, error),
      httpStatus: shape.$metadata?.httpStatusCode,
      requestId: shape.$metadata?.requestId,
      attempts: shape.$metadata?.attempts,
    },
    { cause: error },
  );
};

/** True when `error` is an AWS error with one of `codes`. */
export const hasAwsCode = (error: unknown, ...codes: string[]): boolean =>
  codes.includes(awsErrorCode(error));

/** Runs one AWS call and turns its failure into an AwsCallError (typed context, retryable flag). */
export const awsCall = async <T>(service: string, operation: string, send: () => Promise<T>): Promise<T> => {
  try {
    return await send();
  } catch (error) {
    throw toAwsCallError(service, operation, error);
  }
};
