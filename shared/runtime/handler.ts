import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { HttpHandler } from "@smithy/core/protocols";
import type { Context } from "aws-lambda";
import { AwsClientFactory } from "../aws/clients";
import { type Clock, systemClock } from "./clock";
import { type CommonConfig, type ConfigSchema, type ExecutionMode, loadConfigFromEnv } from "./config";
import { type Deadline, DeadlineHolder, deadlineFromRemaining } from "./deadline";
import { isOpsError, type OpsError } from "./errors";
import {
  count,
  createObservability,
  type LazyTracing,
  Metric,
  type Observability,
  startTracing,
} from "./observability";

/** Everything a capability's logic needs, built once per cold start and per invocation. */
export interface OpsContext<C extends CommonConfig = CommonConfig> extends Observability {
  capability: string;
  config: C;
  mode: ExecutionMode;
  clients: AwsClientFactory;
  /** The invocation's time budget, on `clock`. */
  deadline: Deadline;
  /** The only time source of capability code: the system clock deployed, a simulated one under a harness. */
  clock: Clock;
  lambda: Context;
}

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** What a caller (a test, the simulated account's harness) may replace in a handler it builds. */
export interface HandlerOverrides {
  clock?: Clock;
  /** The SDK clients' transport (default: NodeHttpHandler), e.g. a simulated account's in-memory one. */
  requestHandler?: HttpHandler;
  /** The SDK retry backoff's jitter source (default Math.random), seeded by a simulation. */
  random?: () => number;
  /**
   * The dx probe's connect to one target (default: a TCP handshake over a real socket), e.g. a simulated
   * account's data plane. Never rejects: a failure is `ok: false` with its code.
   */
  probeConnect?: ProbeConnect;
}

export type ProbeConnect = (
  target: { host: string; port: number },
  timeoutMs: number,
) => Promise<{ target: string; ok: boolean; latencyMs: number; error?: string }>;

/**
 * How every function module builds its handler: from an environment (the deployed one reads process.env
 * at cold start) and overrides. Each `handler.ts` exports `buildHandler: BuildHandler` and
 * `handler = buildHandler()`.
 */
export type BuildHandler = (env?: NodeJS.ProcessEnv, overrides?: HandlerOverrides) => LambdaHandler;

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

export interface CapabilitySpec<E, C extends CommonConfig = CommonConfig> {
  capability: string;
  /** Turns the raw event into the capability's input; throws InvalidEventError on bad input. */
  parse: (raw: unknown) => E;
  run: (input: E, context: OpsContext<C>) => Promise<OpsResult>;
}

/** The cold-start part of a function: built once per container. */
export interface Runtime<C extends CommonConfig = CommonConfig> extends Observability {
  capability: string;
  config: C;
  clock: Clock;
  deadlines: DeadlineHolder;
  clients: AwsClientFactory;
  /** X-Ray tracing, when enabled (deployed with tracing active); the tracer loads in the background. */
  tracing?: LazyTracing;
}

const REJECTION_METRIC: Record<string, string> = {
  "invalid-event": Metric.InvalidEvents,
  configuration: Metric.ConfigurationErrors,
};

/**
 * The cold-start part of a capability: observability, configuration (the whole stage schema, validated
 * now: an invalid configuration fails loudly before any event is handled) and SDK clients.
 */
export const createRuntime = <C extends CommonConfig>(
  capability: string,
  schema: ConfigSchema<C>,
  env: NodeJS.ProcessEnv = process.env,
  overrides: HandlerOverrides = {},
): Runtime<C> => {
  const observability = createObservability(capability);
  let config: C;
  try {
    config = loadConfigFromEnv(schema, env);
  } catch (error) {
    observability.logger.error("Invalid configuration at cold start; no event will be handled", { error });
    count(observability.metrics, Metric.ConfigurationErrors);
    observability.metrics.publishStoredMetrics();
    throw error;
  }
  const deadlines = new DeadlineHolder();
  const tracing = startTracing(capability, env);
  const clients = new AwsClientFactory({
    maxAttempts: config.aws.maxAttempts,
    connectionTimeoutMs: config.aws.connectionTimeoutMs,
    requestTimeoutMs: config.aws.requestTimeoutMs,
    deadlines,
    ...(tracing !== undefined ? { instrument: tracing.instrument } : {}),
    ...(overrides.requestHandler !== undefined ? { requestHandler: overrides.requestHandler } : {}),
    ...(overrides.random !== undefined ? { random: overrides.random } : {}),
  });
  const clock = overrides.clock ?? systemClock;
  return { ...observability, capability, config, clock, deadlines, clients, ...(tracing ? { tracing } : {}) };
};

/**
 * A Lambda handler: Powertools logger (with the Lambda context and the event id), metrics (EMF, cold
 * start) and, when enabled, tracer around the capability, plus the error policy:
 * - bad input, bad configuration, a refused AWS call → logged with a metric, no action,
 *   no throw (a retry could not succeed);
 * - anything retryable, or unexpected → thrown, so Lambda retries and the on-failure destination keeps it.
 */
export const createHandler = <E, C extends CommonConfig>(
  runtime: Runtime<C>,
  spec: CapabilitySpec<E, C>,
): LambdaHandler => {
  const { logger, metrics } = runtime;
  const core = async (raw: unknown, lambda: Context): Promise<OpsResult> => {
    const { deadlineSafetyMs, connectionTimeoutMs, requestTimeoutMs } = runtime.config.aws;
    const deadline = deadlineFromRemaining(
      lambda.getRemainingTimeInMillis(),
      deadlineSafetyMs,
      runtime.clock,
      // One attempt's longest run: what a write, a read or a retry needs before the deadline.
      connectionTimeoutMs + requestTimeoutMs,
    );
    runtime.deadlines.set(deadline);
    const context: OpsContext<C> = {
      logger,
      metrics,
      capability: spec.capability,
      config: runtime.config,
      mode: runtime.config.mode,
      clients: runtime.clients,
      deadline,
      clock: runtime.clock,
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
  const stack = middy(core);
  if (runtime.tracing !== undefined) stack.use(runtime.tracing.middleware);
  return stack
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

const handleFailure = <C extends CommonConfig>(
  error: unknown,
  capability: string,
  runtime: Runtime<C>,
): RejectedResult => {
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
