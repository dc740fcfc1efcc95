/**
 * The pure request/response codec of the wire layer (no sockets): identify the service of an HTTP request,
 * decode it into an SDK-shaped input, and encode an SDK-shaped output or an error back onto the wire in
 * that service's protocol.
 */
import { gunzipSync } from "node:zlib";
import {
  SimAwsError,
  type SimCallContext,
  SimConnectionLost,
  type SimDispatcher,
  type SimServiceName,
} from "../types";
import { decodeJsonStruct, encodeJsonStruct } from "./json";
import { buildFormTree, decodeQueryStruct, encodeXmlStruct, escapeXml, parseFormPairs } from "./query";
import { decodeRestJsonInput, encodeRestJsonOutput, matchRoute } from "./restjson";
import { type OperationModel, outputProblems } from "./schema";
import type { ServiceDescriptor, ServiceModel, ServiceRegistry, WireProtocol } from "./services";

export interface WireRequest {
  method: string;
  /** Path and query string as received, e.g. `/` or `/outposts/op-1/instanceTypes?MaxResults=10`. */
  url: string;
  /** Header names lower-cased. */
  headers: Readonly<Record<string, string | undefined>>;
  body: Uint8Array;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** A request decoded into the dispatcher's terms. */
export interface DecodedCall {
  service: SimServiceName;
  operation: string;
  region: string;
  input: Record<string, unknown>;
  protocol: WireProtocol;
  model: ServiceModel;
  op: OperationModel;
}

/** Where an error response goes: the service (for its modelled errors) and the protocol to speak. */
export interface ErrorTarget {
  protocol: WireProtocol;
  descriptor?: ServiceDescriptor;
  model?: ServiceModel;
  operation?: string;
}

/** A request that cannot be decoded; carries the error to answer with. */
export class WireRequestError extends Error {
  readonly target: ErrorTarget;
  readonly error: SimAwsError;
  constructor(target: ErrorTarget, error: SimAwsError) {
    super(error.message);
    this.name = "WireRequestError";
    this.target = target;
    this.error = error;
  }
}

export const DEFAULT_REGION = "us-east-1";

// ---------------------------------------------------------------------------------------------------------
// Identification

export interface CredentialScope {
  /** Undefined for SigV4a scopes (`AKID/date/service/aws4_request`). */
  region: string | undefined;
  service: string;
}

const SCOPE_V4 = /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;
const SCOPE_V4A = /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\/aws4_request/;

/** The SigV4 credential scope, from the Authorization header or a presigned `X-Amz-Credential`. */
export function parseCredentialScope(
  authorization: string | undefined,
  query?: URLSearchParams,
): CredentialScope | undefined {
  const source =
    authorization ??
    (query?.has("X-Amz-Credential") ? `Credential=${query.get("X-Amz-Credential")}` : undefined);
  if (source === undefined) return undefined;
  const v4 = SCOPE_V4.exec(source);
  if (v4?.[1] !== undefined && v4[2] !== undefined) return { region: v4[1], service: v4[2] };
  const v4a = SCOPE_V4A.exec(source);
  if (v4a?.[1] !== undefined) return { region: undefined, service: v4a[1] };
  return undefined;
}

/** The access key id of a SigV4 `Authorization: … Credential=AKID/…` header. */
export function parseAccessKeyId(authorization: string | undefined): string | undefined {
  return authorization === undefined ? undefined : /Credential=([^/,\s]+)\//.exec(authorization)?.[1];
}

export interface Identified {
  descriptor: ServiceDescriptor;
  region: string;
  protocol: WireProtocol;
}

interface SplitUrl {
  pathname: string;
  search: string;
}

function splitUrl(url: string): SplitUrl {
  const q = url.indexOf("?");
  return q === -1 ? { pathname: url, search: "" } : { pathname: url.slice(0, q), search: url.slice(q + 1) };
}

const isForm = (headers: WireRequest["headers"]): boolean =>
  (headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");

function formPairs(req: WireRequest, search: string): [string, string][] {
  const fromUrl = search.length > 0 && search.includes("Action=") ? parseFormPairs(search) : [];
  if (req.body.byteLength === 0) return fromUrl;
  const fromBody = parseFormPairs(
    Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength).toString("utf8"),
  );
  return fromUrl.length === 0 ? fromBody : [...fromUrl, ...fromBody];
}

/** The protocol a request speaks, for a service that may accept more than one (query-compatible JSON). */
function protocolFor(descriptor: ServiceDescriptor, req: WireRequest): WireProtocol {
  if (
    (descriptor.protocol === "awsJson1_0" || descriptor.protocol === "awsJson1_1") &&
    descriptor.queryCompatible
  ) {
    if (req.headers["x-amz-target"] === undefined && isForm(req.headers)) return "awsQuery";
  }
  return descriptor.protocol;
}

/**
 * Which service a request is for: the SigV4 scope's service (`ec2`, `monitoring`, ...), else the
 * `X-Amz-Target` prefix, else the query `Version`, else a restJson route of an already loaded service.
 */
export function identifyService(registry: ServiceRegistry, req: WireRequest): Identified | undefined {
  const { pathname, search } = splitUrl(req.url);
  const query = search.length > 0 ? new URLSearchParams(search) : undefined;
  const scope = parseCredentialScope(req.headers.authorization, query);
  const regionSet = req.headers["x-amz-region-set"];
  const region =
    scope?.region ??
    (regionSet !== undefined && regionSet !== "*" ? regionSet.split(",")[0] : undefined) ??
    DEFAULT_REGION;
  let descriptor = scope ? registry.bySigningName(scope.service) : undefined;
  if (descriptor === undefined) {
    const target = req.headers["x-amz-target"];
    if (target !== undefined) descriptor = registry.byTargetPrefix(target.slice(0, target.lastIndexOf(".")));
  }
  if (descriptor === undefined && (isForm(req.headers) || search.includes("Action="))) {
    const version = formPairs(req, search).find(([k]) => k === "Version")?.[1];
    if (version !== undefined) descriptor = registry.byVersion(version);
  }
  if (descriptor === undefined) {
    const q = query ?? new URLSearchParams();
    for (const d of registry.descriptors) {
      if (d.protocol !== "restJson1") continue;
      const model = registry.loaded(d.name);
      if (model !== undefined && matchRoute(model, req.method, pathname, q) !== undefined) {
        descriptor = d;
        break;
      }
    }
  }
  if (descriptor === undefined) return undefined;
  return { descriptor, region, protocol: protocolFor(descriptor, req) };
}

// ---------------------------------------------------------------------------------------------------------
// Decoding

function bodyText(req: WireRequest): string {
  return Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength).toString("utf8");
}

function unknownOperation(target: ErrorTarget, operation: string, version: string): WireRequestError {
  switch (target.protocol) {
    case "ec2Query":
      return new WireRequestError(
        target,
        new SimAwsError("InvalidAction", `The action ${operation} is not valid for this web service.`, 400),
      );
    case "awsQuery":
      return new WireRequestError(
        target,
        new SimAwsError("InvalidAction", `Could not find operation ${operation} for version ${version}`, 400),
      );
    case "restJson1":
      return new WireRequestError(
        target,
        new SimAwsError("UnknownOperationException", `No operation matches ${operation}`, 404),
      );
    default:
      return new WireRequestError(
        target,
        new SimAwsError("UnknownOperationException", `Unknown operation ${operation}`, 400),
      );
  }
}

function serializationError(target: ErrorTarget, message: string): WireRequestError {
  const code =
    target.protocol === "ec2Query" || target.protocol === "awsQuery"
      ? "MalformedQueryString"
      : "SerializationException";
  return new WireRequestError(target, new SimAwsError(code, message, 400));
}

/** Decode the body (and URL) of a request for an identified, loaded service. */
export function decodeRequest(
  model: ServiceModel,
  protocol: WireProtocol,
  region: string,
  req: WireRequest,
): DecodedCall {
  const d = model.descriptor;
  const target: ErrorTarget = { protocol, descriptor: d, model };
  const { pathname, search } = splitUrl(req.url);
  const base = { service: d.name, region, protocol, model };
  switch (protocol) {
    case "ec2Query":
    case "awsQuery": {
      const pairs = formPairs(req, search);
      const root = buildFormTree(pairs);
      const action = root.c?.get("Action")?.v;
      if (action === undefined || action === "") {
        throw new WireRequestError(
          target,
          new SimAwsError("MissingAction", "The request must contain the parameter Action", 400),
        );
      }
      const op = model.operation(action);
      if (op === undefined) throw unknownOperation({ ...target, operation: action }, action, d.version);
      const input = decodeQueryStruct(op.input, root, { ec2: protocol === "ec2Query" });
      return { ...base, operation: action, input, op };
    }
    case "awsJson1_0":
    case "awsJson1_1": {
      const targetHeader = req.headers["x-amz-target"] ?? "";
      const dot = targetHeader.lastIndexOf(".");
      const operation = dot === -1 ? targetHeader : targetHeader.slice(dot + 1);
      const op = model.operation(operation);
      if (op === undefined)
        throw unknownOperation({ ...target, operation }, operation || "(missing X-Amz-Target)", d.version);
      let parsed: unknown = {};
      const text = bodyText(req);
      if (text.length > 0) {
        try {
          parsed = JSON.parse(text);
        } catch (e) {
          throw serializationError({ ...target, operation }, `Malformed JSON body: ${(e as Error).message}`);
        }
      }
      const input = decodeJsonStruct(op.input, parsed, { jsonName: false });
      return { ...base, operation, input, op };
    }
    case "restJson1": {
      const query = new URLSearchParams(search);
      const match = matchRoute(model, req.method, pathname, query);
      if (match === undefined) throw unknownOperation(target, `${req.method} ${pathname}`, d.version);
      const op = model.operation(match.operation);
      if (op === undefined) throw unknownOperation(target, match.operation, d.version);
      let input: Record<string, unknown>;
      try {
        input = decodeRestJsonInput(op, match, query, req.headers, req.body);
      } catch (e) {
        throw serializationError(
          { ...target, operation: op.name },
          `Malformed request: ${(e as Error).message}`,
        );
      }
      return { ...base, operation: op.name, input, op };
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Encoding

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

function jsonContentType(protocol: WireProtocol): string {
  return protocol === "awsJson1_0" ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1";
}

/** Encode a dispatcher output as the service's success response. */
export function encodeOutput(
  call: DecodedCall,
  output: Record<string, unknown>,
  requestId: string,
): WireResponse {
  const { op, operation, protocol } = call;
  const d = call.model.descriptor;
  switch (protocol) {
    case "ec2Query": {
      const body = `${XML_DECL}<${operation}Response xmlns="${d.xmlNamespace}"><requestId>${requestId}</requestId>${encodeXmlStruct(op.output, output)}</${operation}Response>`;
      return {
        status: 200,
        headers: { "content-type": "text/xml;charset=UTF-8", "x-amzn-requestid": requestId },
        body,
      };
    }
    case "awsQuery": {
      const result = op.output.unit
        ? ""
        : `<${operation}Result>${encodeXmlStruct(op.output, output)}</${operation}Result>`;
      const body = `<${operation}Response xmlns="${d.xmlNamespace}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>\n`;
      return { status: 200, headers: { "content-type": "text/xml", "x-amzn-requestid": requestId }, body };
    }
    case "awsJson1_0":
    case "awsJson1_1": {
      const body = JSON.stringify(encodeJsonStruct(op.output, output, { jsonName: false }));
      return {
        status: 200,
        headers: { "content-type": jsonContentType(protocol), "x-amzn-requestid": requestId },
        body,
      };
    }
    case "restJson1": {
      const encoded = encodeRestJsonOutput(op, output);
      return {
        status: encoded.status,
        headers: { ...encoded.headers, "x-amzn-requestid": requestId },
        body: encoded.body,
      };
    }
  }
}

/**
 * The wire identity of an error code: the error shape (for `__type` and the message member) and the query
 * code (for query protocols and `x-amzn-query-error`). Accepts either form: a shape name
 * (`LimitExceededFault`) or an `@awsQueryError` code (`LimitExceeded`); unmodelled codes pass through.
 */
export function resolveErrorCode(
  model: ServiceModel | undefined,
  code: string,
): { shapeName: string; queryCode: string; messageMember: string } {
  const byName = model?.errorsByName.get(code);
  if (byName !== undefined) {
    return {
      shapeName: byName.name,
      queryCode: byName.queryCode ?? code,
      messageMember: byName.messageMember ?? "message",
    };
  }
  const byQuery = model?.errorsByQueryCode.get(code);
  if (byQuery !== undefined) {
    return { shapeName: byQuery.name, queryCode: code, messageMember: byQuery.messageMember ?? "message" };
  }
  return { shapeName: code, queryCode: code, messageMember: "message" };
}

/** Encode an error the way the service's protocol carries it. */
export function encodeError(target: ErrorTarget, error: SimAwsError, requestId: string): WireResponse {
  const { protocol } = target;
  const model = target.model;
  const { shapeName, queryCode, messageMember } = resolveErrorCode(model, error.code);
  const status = error.httpStatus;
  const sender = error.fault === "server" ? "Receiver" : "Sender";
  switch (protocol) {
    case "ec2Query": {
      const body = `${XML_DECL}<Response><Errors><Error><Code>${escapeXml(queryCode)}</Code><Message>${escapeXml(error.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
      return {
        status,
        headers: { "content-type": "text/xml;charset=UTF-8", "x-amzn-requestid": requestId },
        body,
      };
    }
    case "awsQuery": {
      const xmlns = target.descriptor ? ` xmlns="${target.descriptor.xmlNamespace}"` : "";
      const body = `<ErrorResponse${xmlns}><Error><Type>${sender}</Type><Code>${escapeXml(queryCode)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>\n`;
      return { status, headers: { "content-type": "text/xml", "x-amzn-requestid": requestId }, body };
    }
    case "awsJson1_0":
    case "awsJson1_1": {
      const queryCompatible = target.descriptor?.queryCompatible === true;
      const namespace = model?.errorsByName.get(shapeName)?.id.split("#")[0];
      const type = queryCompatible && namespace !== undefined ? `${namespace}#${shapeName}` : shapeName;
      const headers: Record<string, string> = {
        "content-type": jsonContentType(protocol),
        "x-amzn-requestid": requestId,
        "x-amzn-errortype": shapeName,
      };
      if (queryCompatible) headers["x-amzn-query-error"] = `${queryCode};${sender}`;
      const body = JSON.stringify({ __type: type, [messageMember]: error.message });
      return { status, headers, body };
    }
    case "restJson1": {
      const body = JSON.stringify({ [messageMember]: error.message });
      return {
        status,
        headers: {
          "content-type": "application/json",
          "x-amzn-requestid": requestId,
          "x-amzn-errortype": shapeName,
        },
        body,
      };
    }
  }
}

/** The protocol to answer in when the service could not be identified. */
function guessProtocol(req: WireRequest): WireProtocol {
  if (isForm(req.headers)) return "awsQuery";
  const ct = req.headers["content-type"] ?? "";
  if (ct.startsWith("application/x-amz-json-1.0")) return "awsJson1_0";
  if (ct.startsWith("application/x-amz-json")) return "awsJson1_1";
  return "restJson1";
}

function internalError(protocol: WireProtocol, e: unknown): SimAwsError {
  const code = protocol === "ec2Query" ? "InternalError" : "InternalFailure";
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new SimAwsError(code, `The simulated account failed: ${message}`, 500, "server");
}

/** A `SimAwsError`, also when it comes from another copy of sim/types (duck-typed). */
function asSimAwsError(e: unknown): SimAwsError | undefined {
  if (e instanceof SimAwsError) return e;
  if (typeof e !== "object" || e === null) return undefined;
  const { code, httpStatus, fault, message } = e as Record<string, unknown>;
  if (typeof code !== "string" || typeof httpStatus !== "number") return undefined;
  return new SimAwsError(
    code,
    typeof message === "string" ? message : code,
    httpStatus,
    fault === "server" ? "server" : "client",
  );
}

function decompress(req: WireRequest): WireRequest {
  const encoding = req.headers["content-encoding"];
  if (encoding === undefined || req.body.byteLength === 0) return req;
  if (encoding.includes("gzip")) return { ...req, body: gunzipSync(req.body) };
  return req;
}

export interface HandleOptions {
  /** Called with every decoded call before dispatch (e.g. for logging); must not throw. */
  onCall?: (call: DecodedCall, ctx: SimCallContext) => void;
  /**
   * Check every dispatcher output against the SDK's output schema; members it does not know and values
   * of the wrong kind (which would otherwise be dropped silently) fail the call with a 500 naming them.
   */
  strict?: boolean;
}

/**
 * Identify, decode, dispatch and encode one request. Throws only `SimConnectionLost` (the transport then
 * answers nothing); every other failure becomes the service's
 * error response (unknown service → 501 NotImplemented, unknown operation → the protocol's error,
 * dispatcher `SimAwsError` → that error, anything else → 500 InternalError/InternalFailure).
 */
export async function handleWireRequest(
  registry: ServiceRegistry,
  dispatch: SimDispatcher,
  rawReq: WireRequest,
  requestId: string,
  options: HandleOptions = {},
): Promise<WireResponse> {
  let target: ErrorTarget = { protocol: guessProtocol(rawReq) };
  try {
    const req = decompress(rawReq);
    const identified = identifyService(registry, req);
    if (identified === undefined) {
      const scope = parseCredentialScope(req.headers.authorization);
      throw new WireRequestError(
        target,
        new SimAwsError(
          "NotImplemented",
          `The simulated account does not speak service '${scope?.service ?? req.headers["x-amz-target"] ?? req.url}'`,
          501,
          "server",
        ),
      );
    }
    target = { protocol: identified.protocol, descriptor: identified.descriptor };
    let model = registry.loaded(identified.descriptor.name);
    if (model === undefined) {
      try {
        model = await registry.model(identified.descriptor);
      } catch (e) {
        throw new WireRequestError(
          target,
          new SimAwsError(
            "NotImplemented",
            `The simulated account cannot load ${identified.descriptor.clientPackage}: ${(e as Error).message}`,
            501,
            "server",
          ),
        );
      }
    }
    target.model = model;
    const call = decodeRequest(model, identified.protocol, identified.region, req);
    target.operation = call.operation;
    const accessKeyId = parseAccessKeyId(req.headers.authorization);
    const ctx: SimCallContext = {
      service: call.service,
      operation: call.operation,
      region: call.region,
      requestId,
      ...(accessKeyId === undefined ? {} : { accessKeyId }),
    };
    options.onCall?.(call, ctx);
    const output = (await dispatch(ctx, call.input)) ?? {};
    if (options.strict) {
      const problems = outputProblems(call.op.output, output);
      if (problems.length > 0) {
        throw new Error(
          `${call.service}:${call.operation} output does not match the SDK schema: ${problems.join("; ")}`,
        );
      }
    }
    return encodeOutput(call, output, requestId);
  } catch (e) {
    if (e instanceof WireRequestError) return encodeError(e.target, e.error, requestId);
    // No answer to encode: the transport closes the connection (a fault's dropConnection).
    if (e instanceof SimConnectionLost) throw e;
    const simError = asSimAwsError(e);
    if (simError !== undefined) return encodeError(target, simError, requestId);
    return encodeError(target, internalError(target.protocol, e), requestId);
  }
}
