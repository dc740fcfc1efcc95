import type { HttpHandler } from "@smithy/core/protocols";
import type { HttpRequest, HttpResponse } from "@smithy/core/transport";
import type { HttpHandlerOptions, RequestHandlerOutput } from "@smithy/types";
import type { DeadlineHolder } from "../runtime/deadline";
import { timedAttempt, WrappingHttpHandler } from "./timed-attempt";

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
export class InvocationBoundHttpHandler extends WrappingHttpHandler {
  readonly #deadlines: DeadlineHolder;

  constructor(inner: HttpHandler, deadlines: DeadlineHolder) {
    super(inner);
    this.#deadlines = deadlines;
  }

  async handle(
    request: HttpRequest,
    options: HttpHandlerOptions = {},
  ): Promise<RequestHandlerOutput<HttpResponse>> {
    const deadline = this.#deadlines.current;
    if (deadline?.endsAt === undefined) return this.inner.handle(request, options);
    const { clock } = deadline;
    const cutOffAt = deadline.endsAt - LAST_WORDS_MS;
    const now = clock.now();
    if (deadline.attemptMs > 0 && now + deadline.attemptMs <= cutOffAt)
      return this.inner.handle(request, options);
    return timedAttempt(
      this.inner,
      request,
      options,
      clock,
      cutOffAt - now,
      () => new AttemptCutOffError(cutOffAt),
    );
  }
}
