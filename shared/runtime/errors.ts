/**
 * One error hierarchy for the whole toolkit.
 *
 * Every error carries a typed `context` (what the logs and metrics need to explain it) and a
 * `retryable` flag that drives the handler's error policy:
 * - not retryable (bad input, bad configuration, a refused AWS call): logged with a metric,
 *   no action, and the handler returns normally so Lambda does not retry a poison event;
 * - retryable (throttling or transient AWS errors that outlived the deadline, an unfinished
 *   verification): thrown out of the handler so Lambda's async retry and the on-failure
 *   destination keep the event.
 */

export type OpsErrorKind = "invalid-event" | "configuration" | "aws" | "deadline" | "verification";

export abstract class OpsError<C extends object = Record<string, unknown>> extends Error {
  abstract readonly kind: OpsErrorKind;
  readonly retryable: boolean;
  readonly context: Readonly<C>;

  protected constructor(message: string, context: C, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.context = Object.freeze({ ...context });
    this.retryable = retryable;
  }

  /** A plain object for structured logs and replay output. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      message: this.message,
      retryable: this.retryable,
      ...this.context,
    };
  }
}

export interface InvalidEventContext {
  /** Which parser rejected it, e.g. "cloudwatch-alarm" or "any". */
  parser: string;
  source?: string;
  detailType?: string;
  /** Human-readable zod issues: `path: message`. */
  issues: string[];
}

/** A malformed, unknown or foreign event. Never retried: the same bytes will fail the same way. */
export class InvalidEventError extends OpsError<InvalidEventContext> {
  readonly kind = "invalid-event";
  constructor(message: string, context: InvalidEventContext, options?: { cause?: unknown }) {
    super(message, context, false, options);
  }
}

export interface ConfigurationContext {
  /** Where the bad configuration lives: a config file path, an alarm name, a tag. */
  source: string;
  issues: string[];
}

/** Invalid configuration (stage file, tags, an alarm without an InstanceId dimension). Not retried. */
export class ConfigurationError extends OpsError<ConfigurationContext> {
  readonly kind = "configuration";
  constructor(message: string, context: ConfigurationContext, options?: { cause?: unknown }) {
    super(message, context, false, options);
  }
}

/** What an AWS error means (classified by shared/aws/errors.ts); only throttled and transient are retryable. */
export type AwsErrorCategory =
  | "throttled"
  | "transient"
  | "already-done"
  | "denied"
  | "not-found"
  | "conflict"
  | "invalid"
  | "refused";

export interface AwsCallContext {
  service: string;
  operation: string;
  code: string;
  category: AwsErrorCategory;
  httpStatus?: number;
  requestId?: string;
  attempts?: number;
}

/** An AWS API call failed after the SDK's retries. Retryable when throttled or transient. */
export class AwsCallError extends OpsError<AwsCallContext> {
  readonly kind = "aws";
  constructor(message: string, context: AwsCallContext, options?: { cause?: unknown }) {
    super(message, context, context.category === "throttled" || context.category === "transient", options);
  }
}

export interface DeadlineContext {
  operation: string;
  /** How many pieces of work the deadline left unstarted. */
  notStarted: number;
}

/** The invocation's time budget ran out before the work finished. Retryable: a later attempt converges. */
export class DeadlineExceededError extends OpsError<DeadlineContext> {
  readonly kind = "deadline";
  constructor(message: string, context: DeadlineContext, options?: { cause?: unknown }) {
    super(message, context, true, options);
  }
}

export interface VerificationContext {
  resource: string;
  expected: string;
  observed: string;
  waitedMs: number;
}

/** A change was made but AWS did not show the desired state before the deadline. */
export class VerificationError extends OpsError<VerificationContext> {
  readonly kind = "verification";
  constructor(message: string, context: VerificationContext) {
    super(message, context, true);
  }
}

export const isOpsError = (error: unknown): error is OpsError<object> => error instanceof OpsError;
