import { SimAwsError, type SimCallContext, type SimDispatcher, type SimOutput } from "../../../sim/types";
import { type SimServer, type SimServerOptions, startSimServer } from "../../../sim/wire";

export interface RecordedCall {
  ctx: SimCallContext;
  input: Record<string, unknown>;
}

export type StubHandler = (
  input: Record<string, unknown>,
  ctx: SimCallContext,
  attempt: number,
) => SimOutput | Promise<SimOutput>;

/** A dispatcher that records every call and answers from per-operation handlers (`service:Operation`). */
export class StubAccount {
  readonly calls: RecordedCall[] = [];
  readonly #handlers = new Map<string, StubHandler>();

  readonly dispatch: SimDispatcher = async (ctx, input) => {
    this.calls.push({ ctx, input });
    const key = `${ctx.service}:${ctx.operation}`;
    const handler = this.#handlers.get(key);
    if (handler === undefined) throw new SimAwsError("NotStubbed", `no stub for ${key}`, 501, "server");
    const attempt = this.calls.filter((c) => `${c.ctx.service}:${c.ctx.operation}` === key).length;
    return handler(input, ctx, attempt);
  };

  on(key: string, handler: StubHandler): this {
    this.#handlers.set(key, handler);
    return this;
  }

  reset(): void {
    this.calls.length = 0;
    this.#handlers.clear();
  }

  /** The single recorded call (fails the test if there is not exactly one). */
  only(): RecordedCall {
    if (this.calls.length !== 1) throw new Error(`expected exactly one call, got ${this.calls.length}`);
    const [call] = this.calls;
    if (call === undefined) throw new Error("unreachable");
    return call;
  }
}

export async function startStubServer(
  opts?: SimServerOptions,
): Promise<{ server: SimServer; account: StubAccount }> {
  const account = new StubAccount();
  const server = await startSimServer(account.dispatch, opts);
  return { server, account };
}

export const credentials = { accessKeyId: "AKIDSIMULATED", secretAccessKey: "x" };

export function clientConfig(server: SimServer, region = "eu-west-1", maxAttempts = 1) {
  return { endpoint: server.url, region, credentials, maxAttempts };
}

/** An SDK-typed canned output as the dispatcher's SimOutput. */
export function output<T extends object>(o: T): SimOutput {
  return o as unknown as SimOutput;
}

/** Strip `$metadata` from an SDK command output. */
export function body<T extends { $metadata?: unknown }>(o: T): Omit<T, "$metadata"> {
  const { $metadata: _ignored, ...rest } = o;
  return rest;
}

/** The rejection of a promise (fails if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Record<string, unknown> & Error> {
  try {
    await p;
  } catch (e) {
    if (e instanceof Error) return e as Record<string, unknown> & Error;
    throw new Error(`rejected with a non-Error: ${String(e)}`);
  }
  throw new Error("expected a rejection");
}

/** A SigV4-looking Authorization header for raw requests (the server never verifies signatures). */
export function authHeader(service: string, region = "us-east-1"): string {
  return `AWS4-HMAC-SHA256 Credential=AKIDSIMULATED/20261121/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`;
}
