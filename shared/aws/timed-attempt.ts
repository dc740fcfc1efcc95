import type { HttpHandler } from "@smithy/core/protocols";
import type { HttpRequest, HttpResponse } from "@smithy/core/transport";
import type { HttpHandlerOptions, RequestHandlerOutput } from "@smithy/types";
import type { Clock } from "../runtime/clock";

/**
 * One attempt through `inner`, ended with `error()` once `afterMs` of `clock` time have passed: the
 * transport is handed an abort signal firing then (with the caller's own signal, if any), and the attempt
 * rejects at that moment even if the transport ignores the signal (a simulated account's). The timer is
 * dropped as soon as the attempt settles; the abandoned attempt's own late answer (or error) is dropped by
 * the race, as the SDK drops it.
 */
export const timedAttempt = async (
  inner: HttpHandler,
  request: HttpRequest,
  options: HttpHandlerOptions,
  clock: Clock,
  afterMs: number,
  error: () => Error,
): Promise<RequestHandlerOutput<HttpResponse>> => {
  const expired = new AbortController();
  const timer = new AbortController();
  const timedOut = new Promise<never>((_, reject) =>
    expired.signal.addEventListener("abort", () => reject(expired.signal.reason), { once: true }),
  );
  void clock.sleep(Math.max(0, afterMs), timer.signal).then(() => {
    if (!timer.signal.aborted) expired.abort(error());
  });
  const signal =
    options.abortSignal === undefined
      ? expired.signal
      : AbortSignal.any([options.abortSignal as AbortSignal, expired.signal]);
  try {
    return await Promise.race([inner.handle(request, { ...options, abortSignal: signal }), timedOut]);
  } finally {
    timer.abort();
  }
};

/** A transport around another: everything but `handle` is the inner one's. */
export abstract class WrappingHttpHandler implements HttpHandler {
  protected readonly inner: HttpHandler;

  constructor(inner: HttpHandler) {
    this.inner = inner;
  }

  get metadata() {
    return this.inner.metadata;
  }

  abstract handle(
    request: HttpRequest,
    options?: HttpHandlerOptions,
  ): Promise<RequestHandlerOutput<HttpResponse>>;

  updateHttpClientConfig(key: never, value: never): void {
    this.inner.updateHttpClientConfig(key, value);
  }

  httpHandlerConfigs(): object {
    return this.inner.httpHandlerConfigs();
  }

  destroy(): void {
    this.inner.destroy?.();
  }
}
