import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { MiddlewareObj } from "@middy/core";
import { SHARED_METRICS, TOOLKIT_NAMESPACE } from "../observe/metrics-catalogue";
import type { Tracing } from "./tracing";

export const METRICS_NAMESPACE = TOOLKIT_NAMESPACE;

export interface Observability {
  logger: Logger;
  metrics: Metrics;
}

/** Powertools logger and metrics (EMF) for one capability, created once per cold start. */
export const createObservability = (capability: string): Observability => ({
  logger: new Logger({ serviceName: capability }),
  metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: capability }),
});

/**
 * Whether X-Ray tracing is on, decided as the Powertools tracer decides it: in a Lambda execution
 * environment (not SAM local, not the Amplify mock) unless POWERTOOLS_TRACE_ENABLED is "false".
 */
export const tracingEnabled = (env: NodeJS.ProcessEnv): boolean => {
  if ((env.POWERTOOLS_TRACE_ENABLED ?? "").toLowerCase() === "false") return false;
  const executionEnv = env.AWS_EXECUTION_ENV ?? "";
  return (
    executionEnv !== "" && executionEnv !== "AWS_Lambda_amplify-mock" && (env.AWS_SAM_LOCAL ?? "") === ""
  );
};

/** Tracing that loads the tracer (and the X-Ray SDK) in the background, only when it is enabled. */
export interface LazyTracing {
  /** Middy middleware: waits for the tracer before the handler runs, then traces the invocation. */
  middleware: MiddlewareObj;
  /** Wraps an SDK client with the tracer (clients are created during invocations, once it is loaded). */
  instrument<C extends object>(client: C): C;
}

/**
 * Starts loading the tracer now (during the cold start) and returns its middleware and client wrapper.
 * Off (undefined) outside Lambda and when POWERTOOLS_TRACE_ENABLED=false: nothing of the X-Ray SDK loads.
 */
export const startTracing = (
  capability: string,
  env: NodeJS.ProcessEnv,
  load: () => Promise<typeof import("./tracing")> = () => import("./tracing"),
): LazyTracing | undefined => {
  if (!tracingEnabled(env)) return undefined;
  const loading = load().then((module) => module.createTracing(capability));
  let loaded: Tracing | undefined;
  const ready = async (): Promise<Tracing> => {
    loaded ??= await loading;
    return loaded;
  };
  return {
    middleware: {
      before: async (request) => (await ready()).middleware.before?.(request),
      after: async (request) => (await ready()).middleware.after?.(request),
      onError: async (request) => (await ready()).middleware.onError?.(request),
    },
    instrument: (client) => (loaded === undefined ? client : loaded.tracer.captureAWSv3Client(client)),
  };
};

/** Metric names shared by every capability (dimension: service = capability), from the catalogue. */
export const Metric = {
  ActionsTaken: SHARED_METRICS.ActionsTaken.name,
  ActionsSkipped: SHARED_METRICS.ActionsSkipped.name,
  ActionsFailed: SHARED_METRICS.ActionsFailed.name,
  ActionsPlanned: SHARED_METRICS.ActionsPlanned.name,
  InvalidEvents: SHARED_METRICS.InvalidEvents.name,
  /** Well-formed events that are not for us or need no action (foreign alarm, no transition…). */
  IgnoredEvents: SHARED_METRICS.IgnoredEvents.name,
  ConfigurationErrors: SHARED_METRICS.ConfigurationErrors.name,
  PreconditionFailures: SHARED_METRICS.PreconditionFailures.name,
  Conflicts: SHARED_METRICS.Conflicts.name,
  RetryableFailures: SHARED_METRICS.RetryableFailures.name,
  ActionEventsFailed: SHARED_METRICS.ActionEventsFailed.name,
} as const;

export const count = (metrics: Metrics, name: string, value = 1): void => {
  metrics.addMetric(name, MetricUnit.Count, value);
};
