/**
 * Error factories, one per service family, so that every operation answers with the code, HTTP
 * status and message shape the real service uses.
 *
 * - EC2 (ec2Query): `MissingParameter`, `InvalidParameterValue`, `InvalidParameterCombination`, the
 *   `Invalid<X>ID.NotFound` / `Invalid<X>Id.Malformed` family, `DryRunOperation` (HTTP 412).
 * - Auto Scaling and CloudWatch (awsQuery, CloudWatch in its JSON "query compatible" form): the
 *   Coral validation style `ValidationError: 1 validation error detected: Value null at 'alarmName'
 *   failed to satisfy constraint: Member must not be null`. CloudWatch codes are the awsQuery codes
 *   (`ResourceNotFound`, `InvalidParameterValue`, `InvalidFormat`…), which the SDK maps to its
 *   exception names (`ResourceNotFound`, `InvalidParameterValueException`, `InvalidFormatFault`…).
 * - EventBridge (JSON 1.1): `ValidationException`.
 */
import { SimAwsError, type SimServiceName } from "../types";

/** HTTP status AWS uses for well-known codes when a fault or a caller does not say. */
const DEFAULT_STATUS: Record<string, number> = {
  DryRunOperation: 412,
  RequestLimitExceeded: 503,
  InternalError: 500,
  InternalFailure: 500,
  InternalServiceError: 500,
  ServiceUnavailable: 503,
  Unavailable: 503,
  Throttling: 400,
  ThrottlingException: 400,
  ResourceNotFound: 404,
  ResourceNotFoundException: 404,
  ResourceConflict: 409,
  // Auto Scaling ResourceContentionFault: `@awsQueryError` ("ResourceContention", 500).
  ResourceContention: 500,
};

const DEFAULT_MESSAGE: Record<string, string> = {
  RequestLimitExceeded: "Request limit exceeded.",
  InternalError: "An internal error has occurred",
  InternalFailure: "The request processing has failed because of an unknown error, exception or failure.",
  InternalServiceError: "Internal service error",
  ServiceUnavailable: "Service is unavailable",
  Unavailable: "The server is overloaded and can't handle the request",
  Throttling: "Rate exceeded",
  ThrottlingException: "Rate exceeded",
  ResourceContention:
    "You already have a pending update to an Auto Scaling resource (for example, a group, instance, or load balancer).",
};

export function defaultHttpStatus(code: string): number {
  return DEFAULT_STATUS[code] ?? 400;
}

export function defaultMessage(code: string): string {
  return DEFAULT_MESSAGE[code] ?? code;
}

/** An error with the status derived from the code (5xx → server fault). */
export function awsError(code: string, message: string, httpStatus = defaultHttpStatus(code)): SimAwsError {
  return new SimAwsError(code, message, httpStatus, httpStatus >= 500 ? "server" : "client");
}

export const DRY_RUN_MESSAGE = "Request would have succeeded, but DryRun flag is set.";

export function dryRunOperation(): SimAwsError {
  return awsError("DryRunOperation", DRY_RUN_MESSAGE, 412);
}

/** How a service reports a missing or ill-typed request parameter. */
export interface ParamErrors {
  missing(name: string): SimAwsError;
  invalid(name: string, value: unknown, expectation: string): SimAwsError;
  badToken(): SimAwsError;
}

function show(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

export const ec2ParamErrors: ParamErrors = {
  missing: (name) => awsError("MissingParameter", `The request must contain the parameter ${name}`),
  invalid: (name, value, expectation) =>
    awsError(
      "InvalidParameterValue",
      `Value (${show(value)}) for parameter ${name} is invalid. ${expectation}`,
    ),
  badToken: () =>
    awsError("InvalidPaginationToken", "The specified pagination token is not valid or is expired."),
};

/** Coral-style validation (Auto Scaling, CloudWatch). */
export const queryParamErrors: ParamErrors = {
  missing: (name) =>
    awsError(
      "ValidationError",
      `1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
    ),
  invalid: (name, value, expectation) =>
    awsError(
      "ValidationError",
      `1 validation error detected: Value '${show(value)}' at '${lowerFirst(name)}' failed to satisfy constraint: ${expectation}`,
    ),
  badToken: () => awsError("InvalidNextToken", "The service can't recognize the NextToken value."),
};

export const eventsParamErrors: ParamErrors = {
  missing: (name) =>
    awsError(
      "ValidationException",
      `1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
    ),
  invalid: (name, value, expectation) =>
    awsError(
      "ValidationException",
      `1 validation error detected: Value '${show(value)}' at '${lowerFirst(name)}' failed to satisfy constraint: ${expectation}`,
    ),
  badToken: () => awsError("ValidationException", "The NextToken value is not valid."),
};

export function paramErrorsFor(service: SimServiceName): ParamErrors {
  switch (service) {
    case "ec2":
      return ec2ParamErrors;
    case "events":
      return eventsParamErrors;
    default:
      return queryParamErrors;
  }
}

const NOT_SIMULATED = "(not simulated by the ops-toolkit simulated account)";

/** The answer for an operation the simulated account does not implement, in the service's own style. */
export function notSimulated(service: SimServiceName, operation: string): SimAwsError {
  switch (service) {
    case "ec2":
    case "autoscaling":
    case "monitoring":
      return awsError(
        "InvalidAction",
        `The action ${operation} is not valid for this web service. ${NOT_SIMULATED}`,
      );
    default:
      return awsError("UnknownOperationException", `Unknown operation ${operation} ${NOT_SIMULATED}`);
  }
}
