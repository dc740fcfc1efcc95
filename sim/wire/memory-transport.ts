/**
 * An in-memory transport: a smithy HttpHandler that hands the request the SDK has built, signed and
 * serialised straight to the wire codec (handleWireRequest) and gives its encoded response back to the
 * SDK to parse — the same bytes as over the loopback server, without a socket. Simulations that run many
 * days of invocations use it (`Harness.start({ transport: "memory" })`); replay and the tests that need
 * the wire itself keep the loopback server (the default).
 */
import type { Readable } from "node:stream";
import {
  buildQueryString,
  type HttpHandler,
  type HttpHandlerOptions,
  type HttpRequest,
  HttpResponse,
} from "@smithy/core/protocols";
import { SimConnectionLost, type SimDispatcher } from "../types";
import { type HandleOptions, handleWireRequest, type WireRequest } from "./codec";
import { requestIdSequence } from "./server";
import type { ServiceRegistry } from "./services";

/** Requests under way through the transport, for simulated time to wait on (sim/simulated-time.ts). */
export interface TransportActivity {
  readonly busy: boolean;
  readonly changes: number;
}

const encoder = new TextEncoder();

const bodyBytes = async (body: unknown): Promise<Uint8Array> => {
  if (body === undefined || body === null) return new Uint8Array();
  if (typeof body === "string") return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body as Readable)
    chunks.push(typeof chunk === "string" ? encoder.encode(chunk) : (chunk as Uint8Array));
  return Buffer.concat(chunks);
};

/** The request as the loopback server would have received it: lower-cased headers, path with query. */
export const wireRequestOf = async (request: HttpRequest): Promise<WireRequest> => {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  const query = request.query === undefined ? "" : buildQueryString(request.query);
  return {
    method: request.method,
    url: query === "" ? request.path : `${request.path}?${query}`,
    headers,
    body: await bodyBytes(request.body),
  };
};

const FORM_ACTION = /(?:^|&)Action=([^&]*)/;

/**
 * The operation a serialised request calls, where it says so plainly: the `X-Amz-Target` header (JSON
 * protocols) or the `Action` member of a form body (query protocols); undefined otherwise (a REST route, a
 * streamed body). For a look before the call reaches the codec (`GatedHttpHandler`'s gate).
 */
export const operationOf = (request: HttpRequest): string | undefined => {
  const target = request.headers["X-Amz-Target"] ?? request.headers["x-amz-target"];
  if (target !== undefined) return target.slice(target.lastIndexOf(".") + 1);
  if (typeof request.body !== "string") return undefined;
  // The one member, not the whole body (a PutMetricData body can hold a thousand datapoints).
  const action = FORM_ACTION.exec(request.body)?.[1];
  return action === undefined ? undefined : decodeURIComponent(action);
};

/** A lost answer fails the request as Node's HTTP client does when the server closes the socket. */
const connectionReset = (error: unknown): never => {
  if (!(error instanceof SimConnectionLost)) throw error;
  throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
};

export class MemoryHttpHandler implements HttpHandler, TransportActivity {
  readonly #registry: ServiceRegistry;
  readonly #dispatch: SimDispatcher;
  readonly #options: HandleOptions;
  readonly #onSettled: () => void;
  readonly #nextRequestId = requestIdSequence();
  #inFlight = 0;
  #changes = 0;

  /** `onSettled` runs whenever a request has been answered (simulated time looks for sleepers then). */
  constructor(
    registry: ServiceRegistry,
    dispatch: SimDispatcher,
    onSettled: () => void = () => undefined,
    options: HandleOptions = {},
  ) {
    this.#registry = registry;
    this.#dispatch = dispatch;
    this.#onSettled = onSettled;
    this.#options = options;
  }

  get busy(): boolean {
    return this.#inFlight > 0;
  }

  get changes(): number {
    return this.#changes;
  }

  async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    this.#inFlight += 1;
    this.#changes += 1;
    try {
      const wire = await wireRequestOf(request);
      const answer = await handleWireRequest(
        this.#registry,
        this.#dispatch,
        wire,
        this.#nextRequestId(),
        this.#options,
      ).catch(connectionReset);
      const body = typeof answer.body === "string" ? encoder.encode(answer.body) : answer.body;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(answer.headers)) headers[name.toLowerCase()] = value;
      headers["content-length"] = String(body.byteLength);
      return { response: new HttpResponse({ statusCode: answer.status, headers, body }) };
    } finally {
      this.#inFlight -= 1;
      this.#changes += 1;
      this.#onSettled();
    }
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {}
}

/**
 * Holds each request at a gate before handing it to the transport underneath (the harness's in-memory
 * one or HTTP): on simulated time the gate is the invocation's call latency (sim/lambda-timeout.ts), so
 * that the world moves between two calls of a handler as it does in AWS. From the gate's release until
 * the answer is back the request counts as activity: simulated time does not move under it, whichever
 * transport carries it.
 */
export class GatedHttpHandler implements HttpHandler, TransportActivity {
  readonly #inner: HttpHandler;
  readonly #gate: (request: HttpRequest) => Promise<void>;
  readonly #after: (signal?: AbortSignal) => Promise<void>;
  #inFlight = 0;
  #changes = 0;

  /**
   * `after`: a wait once the answer is back (a slow answer on simulated time), not counted as activity; it
   * ends early when the attempt's signal aborts (the client's request timeout gave up on it).
   */
  constructor(
    inner: HttpHandler,
    gate: (request: HttpRequest) => Promise<void>,
    after: (signal?: AbortSignal) => Promise<void> = async () => {},
  ) {
    this.#inner = inner;
    this.#gate = gate;
    this.#after = after;
  }

  get busy(): boolean {
    return this.#inFlight > 0;
  }

  get changes(): number {
    return this.#changes;
  }

  async handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }> {
    await this.#gate(request);
    this.#inFlight += 1;
    this.#changes += 1;
    let answer: { response: HttpResponse };
    try {
      answer = await this.#inner.handle(request, options);
    } finally {
      this.#inFlight -= 1;
      this.#changes += 1;
    }
    await this.#after(options?.abortSignal as AbortSignal | undefined);
    return answer;
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    this.#inner.destroy?.();
  }
}
