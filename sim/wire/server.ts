/**
 * The loopback HTTP server: one endpoint for every simulated service, selected per request by the SigV4
 * credential scope (see codec.ts). Requests under `/__sim/` go to the control handler instead.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SimConnectionLost, type SimDispatcher } from "../types";
import {
  type DecodedCall,
  type HandleOptions,
  handleWireRequest,
  type WireRequest,
  type WireResponse,
} from "./codec";
import { DEFAULT_SERVICES, type ServiceDescriptor, ServiceRegistry } from "./services";

export interface SimServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Receives requests under `/__sim/` (JSON in, JSON out), so that a running server can be inspected and
 * controlled (calls log, state, faults, clock). `path` is the request path including its query string;
 * `body` is the parsed JSON body (undefined when empty).
 */
export type ControlHandler = (
  method: string,
  path: string,
  body: unknown,
) => Promise<{ status: number; body: unknown }>;

export interface SimServerOptions {
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /** The server listens on the loopback interface only. */
  host?: "127.0.0.1";
  control?: ControlHandler;
  /** Extra or replacing service descriptors (same `name` replaces a default). */
  services?: readonly ServiceDescriptor[];
  /** Load the installed SDK client models before listening (default true), so the first call is warm. */
  preload?: boolean;
  /** Observe every decoded call (before dispatch). */
  onCall?: (call: DecodedCall) => void;
  /** Fail (500, naming the members) any output that does not match the SDK's output schema. */
  strict?: boolean;
}

export const CONTROL_PREFIX = "/__sim/";

/** Request ids shaped like AWS's (UUID), deterministic per server: …-000000000001, …-000000000002. */
export function requestIdSequence(): () => string {
  let n = 0;
  return () => {
    n += 1;
    return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () =>
      resolve(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks)),
    );
    req.on("error", reject);
  });
}

function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

function send(res: ServerResponse, r: WireResponse): void {
  const body = typeof r.body === "string" ? Buffer.from(r.body, "utf8") : r.body;
  res.writeHead(r.status, { ...r.headers, "content-length": String(body.byteLength) });
  res.end(body);
}

async function handleControl(
  control: ControlHandler | undefined,
  method: string,
  path: string,
  raw: Buffer,
): Promise<WireResponse> {
  const json = (status: number, body: unknown): WireResponse => ({
    status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body ?? null),
  });
  if (control === undefined) return json(404, { error: "no control handler configured" });
  let body: unknown;
  if (raw.byteLength > 0) {
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch (e) {
      return json(400, { error: `invalid JSON body: ${(e as Error).message}` });
    }
  }
  try {
    const r = await control(method, path, body);
    return json(r.status, r.body);
  } catch (e) {
    return json(500, { error: e instanceof Error ? e.message : String(e) });
  }
}

/**
 * Start the simulated AWS endpoint on 127.0.0.1 (port 0 = ephemeral), HTTP/1.1 keep-alive.
 * Point SDK clients at `server.url` (`endpoint` option or `AWS_ENDPOINT_URL`, see simEndpointEnv).
 */
export async function startSimServer(
  dispatch: SimDispatcher,
  opts: SimServerOptions = {},
): Promise<SimServer> {
  const registry = new ServiceRegistry(
    opts.services ? [...DEFAULT_SERVICES, ...opts.services] : DEFAULT_SERVICES,
  );
  if (opts.preload !== false) await registry.preload();
  const nextRequestId = requestIdSequence();
  const { control, onCall } = opts;
  const handleOptions: HandleOptions = { strict: opts.strict === true };
  if (onCall) handleOptions.onCall = (call) => onCall(call);

  const server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    readBody(req)
      .then((body) => {
        if (url.startsWith(CONTROL_PREFIX) || url === "/__sim")
          return handleControl(control, method, url, body);
        const wire: WireRequest = { method, url, headers: flatHeaders(req), body };
        return handleWireRequest(registry, dispatch, wire, nextRequestId(), handleOptions);
      })
      .then(
        (r) => send(res, r),
        (e: unknown) => {
          // A lost answer (a fault's dropConnection) closes the socket; otherwise only transport failures.
          if (!res.headersSent && !(e instanceof SimConnectionLost))
            send(res, { status: 500, headers: {}, body: String(e) });
          else res.destroy();
        },
      );
  });
  // SDK clients keep sockets alive in their agent; keep ours open longer than a typical idle gap so a
  // reused socket is not closed under a request (which the SDK would see as ECONNRESET).
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;

  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/**
 * Environment for SDK clients (tests, replay, child processes) to talk to the server: the endpoint and
 * static fake credentials. `AWS_PROFILE` and `AWS_SESSION_TOKEN` are blanked so that a developer's real
 * profile or session cannot take precedence over the fake keys; `AWS_REGION` is kept when already set.
 */
export function simEndpointEnv(server: Pick<SimServer, "url">): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: server.url,
    AWS_ACCESS_KEY_ID: "AKIDSIMULATED",
    AWS_SECRET_ACCESS_KEY: "simulated",
    AWS_SESSION_TOKEN: "",
    AWS_PROFILE: "",
    AWS_REGION: process.env.AWS_REGION || "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}
