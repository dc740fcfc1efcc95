/**
 * The HTTP requests this process has under way to one origin (the simulated account's server), seen
 * from the client side through Node's `http.client.request.start` diagnostics channel: a request counts
 * from its start until it closes (response read to the end, or the connection failed). Simulated time
 * uses it to wait while a handler is talking to the account instead of moving the clock under it.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { ClientRequest } from "node:http";

const REQUEST_START = "http.client.request.start";

export class RequestsInFlight {
  readonly #host: string;
  readonly #onSettled: () => void;
  #count = 0;
  #changes = 0;

  /** `origin` like `http://127.0.0.1:4566`; `onSettled` runs whenever a request closes. */
  constructor(origin: string, onSettled: () => void) {
    this.#host = new URL(origin).host;
    this.#onSettled = onSettled;
    subscribe(REQUEST_START, this.#onStart);
  }

  get busy(): boolean {
    return this.#count > 0;
  }

  /** Increases on every start and close: tells a quiet stretch from one with activity in between. */
  get changes(): number {
    return this.#changes;
  }

  close(): void {
    unsubscribe(REQUEST_START, this.#onStart);
  }

  readonly #onStart = (message: unknown): void => {
    const request = (message as { request?: ClientRequest }).request;
    if (request === undefined || request.getHeader("host") !== this.#host) return;
    this.#count += 1;
    this.#changes += 1;
    request.once("close", () => {
      this.#count -= 1;
      this.#changes += 1;
      this.#onSettled();
    });
  };
}
