import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";

export const METRICS_NAMESPACE = "OpsToolkit";

export interface Observability {
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
}

/** Powertools logger, metrics (EMF) and tracer for one capability, created once per cold start. */
export const createObservability = (capability: string): Observability => ({
  logger: new Logger({ serviceName: capability }),
  metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: capability }),
  tracer: new Tracer({ serviceName: capability }),
});

/** Metric names shared by every capability (dimension: service = capability). */
export const Metric = {
  ActionsTaken: "ActionsTaken",
  ActionsSkipped: "ActionsSkipped",
  ActionsFailed: "ActionsFailed",
  ActionsPlanned: "ActionsPlanned",
  InvalidEvents: "InvalidEvents",
  /** Well-formed events that are not for us or need no action (foreign alarm, no transition…). */
  IgnoredEvents: "IgnoredEvents",
  ConfigurationErrors: "ConfigurationErrors",
  PreconditionFailures: "PreconditionFailures",
  Conflicts: "Conflicts",
  RetryableFailures: "RetryableFailures",
  ActionEventsFailed: "ActionEventsFailed",
  ApiCalls: "ApiCalls",
} as const;

export const count = (metrics: Metrics, name: string, value = 1): void => {
  metrics.addMetric(name, MetricUnit.Count, value);
};
