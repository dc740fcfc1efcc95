/**
 * What the harness needs to know of a deployed function, without importing functions/ or tools/: the
 * caller passes the registry (functions/index.ts) and the harness builds and invokes the handlers.
 */
import type { HttpHandler } from "@smithy/core/protocols";
import type { Context } from "aws-lambda";
import type { Clock } from "../shared/runtime/clock";

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** What a handler may be given instead of its deployed defaults (LAYOUT "BuildHandler"). */
export interface HandlerOverrides {
  clock?: Clock;
  /** The SDK clients' transport (the harness's in-memory one). */
  requestHandler?: HttpHandler;
  /** The SDK retry backoff's jitter source (seeded on a manual clock, so that runs repeat). */
  random?: () => number;
}

/** Builds a function's real handler for an environment (mode, configuration) and overrides. */
export type BuildHandler = (env?: NodeJS.ProcessEnv, overrides?: HandlerOverrides) => LambdaHandler;

/** One entry of the function registry, by the name replay and bench use. */
export interface HarnessFunction {
  name: string;
  /** serverless.yml function key (accepted as a name too). */
  serverlessName?: string;
  load: () => Promise<BuildHandler>;
}

/**
 * A Lambda context good enough for Powertools and the handlers' deadline arithmetic. The remaining time
 * is read from `clock`, the clock the handler runs on: on a simulated clock, simulated time uses it up.
 */
export const lambdaContext = (
  functionName: string,
  timeoutMs: number,
  requestId: string,
  clock: Pick<Clock, "now">,
): Context => {
  const deadline = clock.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `ops-toolkit-local-${functionName}`,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:ops-toolkit-local-${functionName}`,
    memoryLimitInMB: "256",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/ops-toolkit-local-${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - clock.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};
