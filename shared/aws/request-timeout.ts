import type { HttpHandler } from "@smithy/core/protocols";
import type { HttpRequest, HttpResponse } from "@smithy/core/transport";
import type { HttpHandlerOptions, RequestHandlerOutput } from "@smithy/types";
import type { DeadlineHolder } from "../runtime/deadline";

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
export class ClockRequestTimeoutHandler implements HttpHandler {
  readonly #inner: HttpHandler;
  readonly #timeoutMs: number;
  readonly #deadlines: DeadlineHolder;

  constructor(inner: HttpHandler, timeoutMs: number, deadlines: DeadlineHolder) {
    this.#inner = inner;
    this.#timeoutMs = timeoutMs;
    this.#deadlines = deadlines;
  }

  get metadata() {
    return this.#inner.metadata;
  }

  async handle(
    request: HttpRequest,
    options: HttpHandlerOptions = {},
  ): Promise<RequestHandlerOutput<HttpResponse>> {
    const clock = this.#deadlines.current?.clock;
    if (clock === undefined || this.#timeoutMs <= 0) return this.#inner.handle(request, options);
    const expired = new AbortController();
    const timer = new AbortController();
    const timedOut = new Promise<never>((_, reject) =>
      expired.signal.addEventListener("abort", () => reject(expired.signal.reason), { once: true }),
    );
    void clock.sleep(this.#timeoutMs, timer.signal).then(() => {
      if (!timer.signal.aborted) expired.abort(new RequestTimeoutError(this.#timeoutMs));
    });
    const signal =
      options.abortSignal === undefined
        ? expired.signal
        : AbortSignal.any([options.abortSignal as AbortSignal, expired.signal]);
    const answer = this.#inner.handle(request, { ...options, abortSignal: signal });
    // The abandoned attempt's own answer (or error) comes later and is dropped, as the SDK drops it.
    answer.catch(() => {});
    try {
      return await Promise.race([answer, timedOut]);
    } finally {
      timer.abort();
    }
  }

  updateHttpClientConfig(key: never, value: never): void {
    this.#inner.updateHttpClientConfig(key, value);
  }

  httpHandlerConfigs(): object {
    return this.#inner.httpHandlerConfigs();
  }

  destroy(): void {
    this.#inner.destroy?.();
  }
}
