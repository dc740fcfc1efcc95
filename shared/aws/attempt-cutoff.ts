import type { HttpHandler } from "@smithy/core/protocols";
import type { HttpRequest, HttpResponse } from "@smithy/core/transport";
import type { HttpHandlerOptions, RequestHandlerOutput } from "@smithy/types";
import type { DeadlineHolder } from "../runtime/deadline";

/** Kept between the last attempt's cut-off and Lambda's timeout: log, flush the EMF metrics, return. */
export const LAST_WORDS_MS = 300;

/**
 * An attempt still in flight when the invocation is about to end. Named as the SDK's own request
 * timeout, so that it is classified "transient" (retryable): the event's retry reads back what happened.
 */
export class AttemptCutOffError extends Error {
  constructor(cutOffAt: number) {
    super(`attempt cut off ${LAST_WORDS_MS} ms before the Lambda timeout (at ${cutOffAt}) to report in time`);
    this.name = "TimeoutError";
  }
}

/**
 * The transport of every client, bounded by the invocation (review7 F1, F1c): an attempt that its own
 * timeouts (connection + request) could carry past `endsAt - LAST_WORDS_MS` gets an abort signal firing
 * then, on the deadline's clock. No attempt, the report's PutEvents included, outlives the function:
 * Lambda would otherwise end it mid-call, with no log, metric or action event. An attempt that ends in
 * time by its own timeouts needs no timer. Outside an invocation (no deadline or no `endsAt`) it is the
 * plain transport.
 */
export class InvocationBoundHttpHandler implements HttpHandler {
  readonly #inner: HttpHandler;
  readonly #deadlines: DeadlineHolder;

  constructor(inner: HttpHandler, deadlines: DeadlineHolder) {
    this.#inner = inner;
    this.#deadlines = deadlines;
  }

  get metadata() {
    return this.#inner.metadata;
  }

  async handle(
    request: HttpRequest,
    options: HttpHandlerOptions = {},
  ): Promise<RequestHandlerOutput<HttpResponse>> {
    const deadline = this.#deadlines.current;
    if (deadline?.endsAt === undefined) return this.#inner.handle(request, options);
    const { clock } = deadline;
    const cutOffAt = deadline.endsAt - LAST_WORDS_MS;
    const now = clock.now();
    if (deadline.attemptMs > 0 && now + deadline.attemptMs <= cutOffAt)
      return this.#inner.handle(request, options);
    const cut = new AbortController();
    const timer = new AbortController();
    const aborted = new Promise<never>((_, reject) =>
      cut.signal.addEventListener("abort", () => reject(cut.signal.reason), { once: true }),
    );
    void clock.sleep(Math.max(0, cutOffAt - now), timer.signal).then(() => {
      if (!timer.signal.aborted) cut.abort(new AttemptCutOffError(cutOffAt));
    });
    const signal =
      options.abortSignal === undefined
        ? cut.signal
        : AbortSignal.any([options.abortSignal as AbortSignal, cut.signal]);
    try {
      // The race: a transport that ignores the signal (a simulated account's) is cut off all the same.
      return await Promise.race([this.#inner.handle(request, { ...options, abortSignal: signal }), aborted]);
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
