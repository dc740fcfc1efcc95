/**
 * The Powertools tracer and its middleware. This module is imported only when tracing is enabled (see
 * observability.ts `startTracing`): the tracer pulls in the X-Ray SDK, whose `cls-hooked` namespace turns
 * on an async hook for every promise the moment it loads.
 */
import { Tracer } from "@aws-lambda-powertools/tracer";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";

export const createTracing = (serviceName: string) => {
  const tracer = new Tracer({ serviceName });
  return { tracer, middleware: captureLambdaHandler(tracer) };
};

export type Tracing = ReturnType<typeof createTracing>;
