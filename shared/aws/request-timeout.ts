import type { HttpHandler } from "@smithy/core/protocols";
import type { HttpRequest, HttpResponse } from "@smithy/core/transport";
import type { HttpHandlerOptions, RequestHandlerOutput } from "@smithy/types";
import type { DeadlineHolder } from "../runtime/deadline";
import { timedAttempt, WrappingHttpHandler } from "./timed-attempt";

/**
 * The error NodeHttpHandler (@smithy/node-http-handler 4.x, `throwOnRequestTimeout: true`) rejects an
 * attempt with once `requestTimeout` has passed since it started: name `TimeoutError`, code `ETIMEDOUT`,
 * which the SDK's standard retry strategy classifies as transient and retries.
 */
export class RequestTimeoutError extends Error {
  readonly code = "ETIMEDOUT";

  constructor(timeoutMs: number) {
    super(
      `@smithy/node-http-handler - [ERROR] a request has exceeded the configured ${timeoutMs} ms requestTimeout.`,
    );
    this.name = "TimeoutError";
  }
}

/**
 * The request timeout of a transport that has none of its own: the simulated account's (in memory, or
 * over loopback on simulated time). Deployed, NodeHttpHandler enforces `requestTimeout` with a timer from
 * the attempt's start; here the same timer runs on the invocation deadline's clock, so that a slow call of
 * the simulated account (a fault's latency) is abandoned and retried by the SDK as it would be in AWS (review
 * 8, finding 6), whatever the call did in the account meanwhile. The attempt's abort signal tells the
 * transport underneath to stop waiting. Outside an invocation (no deadline) it is the plain transport.
 */
export class ClockRequestTimeoutHandler extends WrappingHttpHandler {
  readonly #timeoutMs: number;
  readonly #deadlines: DeadlineHolder;

  constructor(inner: HttpHandler, timeoutMs: number, deadlines: DeadlineHolder) {
    super(inner);
    this.#timeoutMs = timeoutMs;
    this.#deadlines = deadlines;
  }

  async handle(
    request: HttpRequest,
    options: HttpHandlerOptions = {},
  ): Promise<RequestHandlerOutput<HttpResponse>> {
    const clock = this.#deadlines.current?.clock;
    if (clock === undefined || this.#timeoutMs <= 0) return this.inner.handle(request, options);
    return timedAttempt(
      this.inner,
      request,
      options,
      clock,
      this.#timeoutMs,
      () => new RequestTimeoutError(this.#timeoutMs),
    );
  }
}
