import { AwsCallError, type AwsErrorCategory } from "../runtime/errors";

/**
 * What an AWS error means for the toolkit.
 * - throttling: the API's token bucket is empty (EC2 `RequestLimitExceeded`, Auto Scaling and
 *   CloudWatch `Throttling`, EventBridge `ThrottlingException`): retry with backoff.
 * - transient: 5xx or network trouble: retry.
 * - already-done: the call failed because the desired state already holds (see ALREADY_DONE).
 * - permanent: anything else: do not retry; report.
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
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
]);

/**
 * Per operation, the error codes that mean "the desired state already holds". An entry applies only to
 * the operation it names: `InvalidRoute.NotFound` is success for DeleteRoute, a failure elsewhere.
 * Codes whose meaning depends on the current state (e.g. `RouteAlreadyExists`, which is only success
 * when the existing route has our target) are decided by the action that read the state, not here.
 */
const ALREADY_DONE: Readonly<Record<string, ReadonlySet<string>>> = {
  DeleteRoute: new Set(["InvalidRoute.NotFound"]),
  DeleteAlarms: new Set(["ResourceNotFound"]),
  CompleteLifecycleAction: new Set([]),
  DetachNetworkInterface: new Set(["InvalidAttachmentID.NotFound"]),
  UnassignPrivateIpAddresses: new Set(["InvalidParameterValue.PrivateIpAddressNotAssigned"]),
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
  const shape = asShape(error);
  return shape.Code ?? shape.code ?? shape.name ?? "UnknownError";
};

export const classifyAwsError = (operation: string, error: unknown): AwsErrorCategory => {
  const shape = asShape(error);
  const code = awsErrorCode(error);
  if (ALREADY_DONE[operation]?.has(code)) return "already-done";
  if (THROTTLING_CODES.has(code) || shape.$retryable?.throttling === true) return "throttling";
  if (TRANSIENT_CODES.has(code)) return "transient";
  const status = shape.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return "transient";
  return "permanent";
};

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
