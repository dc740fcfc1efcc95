import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { AwsClientFactory } from "../aws/clients";
import { type ExecutionMode, loadConfigFromEnv, type ToolkitConfig } from "./config";
import { type Deadline, DeadlineHolder, deadlineFromRemaining } from "./deadline";
import { isOpsError, type OpsError } from "./errors";
import { count, createObservability, Metric, type Observability } from "./observability";

/** Everything a capability's logic needs, built once per cold start and per invocation. */
export interface OpsContext extends Observability {
  capability: string;
  config: ToolkitConfig;
  mode: ExecutionMode;
  clients: AwsClientFactory;
  deadline: Deadline;
  lambda: Context;
}

/** What every handler returns: replay and tests read it; Lambda ignores it for async invocations. */
export interface OpsResult {
  capability: string;
  decision: string;
  mode: ExecutionMode;
  [key: string]: unknown;
}

export interface RejectedResult extends OpsResult {
  decision: "rejected";
  error: Record<string, unknown>;
}

export interface CapabilitySpec<E> {
  capability: string;
  /** Turns the raw event into the capability's input; throws InvalidEventError on bad input. */
  parse: (raw: unknown) => E;
  run: (input: E, context: OpsContext) => Promise<OpsResult>;
}

const REJECTION_METRIC: Record<string, string> = {
  "invalid-event": Metric.InvalidEvents,
  configuration: Metric.ConfigurationErrors,
  precondition: Metric.PreconditionFailures,
  conflict: Metric.Conflicts,
};

/**
 * The cold-start part of a capability: observability, configuration (validated now: an invalid
 * configuration fails loudly before any event is handled) and SDK clients.
 */
export const createRuntime = (capability: string, env: NodeJS.ProcessEnv = process.env) => {
  const observability = createObservability(capability);
  let config: ToolkitConfig;
  try {
    config = loadConfigFromEnv(env);
  } catch (error) {
    observability.logger.error("Invalid configuration at cold start; no event will be handled", { error });
    count(observability.metrics, Metric.ConfigurationErrors);
    observability.metrics.publishStoredMetrics();
    throw error;
  }
  const deadlines = new DeadlineHolder();
  const clients = new AwsClientFactory({
    maxAttempts: config.aws.maxAttempts,
    connectionTimeoutMs: config.aws.connectionTimeoutMs,
    requestTimeoutMs: config.aws.requestTimeoutMs,
    deadlines,
    instrument: (client) => observability.tracer.captureAWSv3Client(client),
  });
  return { ...observability, capability, config, deadlines, clients };
};

export type Runtime = ReturnType<typeof createRuntime>;

/**
 * A Lambda handler: Powertools logger (with the Lambda context and the event id), metrics (EMF, cold
 * start) and tracer around the capability, plus the error policy:
 * - bad input, bad configuration, refused preconditions, conflicts → logged with a metric, no action,
 *   no throw (a retry could not succeed);
 * - anything retryable, or unexpected → thrown, so Lambda retries and the on-failure destination keeps it.
 */
export const createHandler = <E>(runtime: Runtime, spec: CapabilitySpec<E>) => {
  const { logger, metrics, tracer } = runtime;
  const core = async (raw: unknown, lambda: Context): Promise<OpsResult> => {
    const deadline = deadlineFromRemaining(
      lambda.getRemainingTimeInMillis(),
      runtime.config.aws.deadlineSafetyMs,
    );
    runtime.deadlines.set(deadline);
    const context: OpsContext = {
      logger,
      metrics,
      tracer,
      capability: spec.capability,
      config: runtime.config,
      mode: runtime.config.mode,
      clients: runtime.clients,
      deadline,
      lambda,
    };
    logger.appendKeys({ eventId: rawEventId(raw) });
    try {
      const input = spec.parse(raw);
      const result = await spec.run(input, context);
      logger.info("Decision", { decision: result.decision, mode: result.mode });
      return result;
    } catch (error) {
      return handleFailure(error, spec.capability, runtime);
    } finally {
      runtime.deadlines.clear();
    }
  };
  return middy(core)
    .use(captureLambdaHandler(tracer))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(injectLambdaContext(logger, { resetKeys: true }));
};

/** The id of an event before it is parsed, so that even a rejected event can be found in the logs. */
const rawEventId = (raw: unknown): string | undefined => {
  if (typeof raw !== "object" || raw === null) return undefined;
  const event = raw as {
    id?: unknown;
    alarmArn?: unknown;
    Records?: Array<{ Sns?: { MessageId?: unknown } }>;
  };
  const candidate = event.id ?? event.Records?.[0]?.Sns?.MessageId ?? event.alarmArn;
  return typeof candidate === "string" ? candidate : undefined;
};

const handleFailure = (error: unknown, capability: string, runtime: Runtime): RejectedResult => {
  const { logger, metrics } = runtime;
  if (isOpsError(error) && !error.retryable) {
    const rejection = error as OpsError<object>;
    count(metrics, REJECTION_METRIC[rejection.kind] ?? Metric.ActionsFailed);
    logger.warn(`Rejected: ${rejection.message}`, { decision: "rejected", error: rejection.toJSON() });
    return { capability, decision: "rejected", mode: runtime.config.mode, error: rejection.toJSON() };
  }
  count(metrics, Metric.RetryableFailures);
  logger.error("Failed; the event will be retried and then kept by the on-failure destination", {
    error: isOpsError(error) ? error.toJSON() : error,
  });
  throw error;
};
