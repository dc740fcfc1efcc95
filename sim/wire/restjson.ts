/**
 * restJson1 (Outposts): operations are routed by their `@http` trait (method + uri pattern with labels);
 * members are bound to labels, query parameters, headers, prefix headers, the payload or the JSON body,
 * mirroring `HttpBindingProtocol` in @smithy/core. Labels and query values use date-time timestamps,
 * headers http-date, the JSON body epoch seconds (unless a member has a format trait).
 */
import { decodeJsonStruct, decodeJsonValue, encodeJsonStruct, encodeJsonValue } from "./json";
import { fromBase64, scalarFromString, scalarToString, toBase64 } from "./scalars";
import type { HttpRoute, Member, OperationModel, Shape, StructShape } from "./schema";
import type { ServiceModel } from "./services";

const JSON_DIALECT = { jsonName: true } as const;

export interface RouteMatch {
  operation: string;
  route: HttpRoute;
  labels: Map<string, string>;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function matchRoute(
  model: ServiceModel,
  method: string,
  pathname: string,
  query: URLSearchParams,
): RouteMatch | undefined {
  for (const { route, operation } of model.routes) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(pathname);
    if (m === null) continue;
    if (!route.staticQuery.every(([k, v]) => query.has(k) && (v === "" || query.get(k) === v))) continue;
    const labels = new Map<string, string>();
    route.labels.forEach((name, i) => {
      labels.set(name, safeDecode(m[i + 1] ?? ""));
    });
    return { operation, route, labels };
  }
  return undefined;
}

function fromHeaderString(shape: Shape, raw: string): unknown {
  if (shape.kind === "list") {
    const item = shape.member.shape;
    // http-date lists contain commas inside each date ("Mon, 01 Jan ..."): split every second comma.
    const parts =
      item.kind === "timestamp" && (item.timestampFormat === 4 || item.timestampFormat === 6)
        ? (raw.match(/[^,]+,[^,]+/g) ?? [])
        : raw.split(",");
    return parts.map((p) => fromHeaderString(item, p.trim().replace(/^"(.*)"$/, "$1")));
  }
  if (shape.kind === "struct" || shape.kind === "map") return undefined;
  if (shape.kind === "string" && shape.jsonMedia) return Buffer.from(fromBase64(raw)).toString("utf8");
  return scalarFromString(shape, raw, 6);
}

function fromQueryString(shape: Shape, values: string[]): unknown {
  if (shape.kind === "list") return values.map((v) => fromQueryString(shape.member.shape, [v]));
  const v = values[0];
  if (v === undefined || shape.kind === "struct" || shape.kind === "map") return undefined;
  return scalarFromString(shape, v, 5);
}

export function decodeRestJsonInput(
  op: OperationModel,
  match: RouteMatch,
  query: URLSearchParams,
  headers: Readonly<Record<string, string | undefined>>,
  body: Uint8Array,
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const shape = op.input;
  const boundQueryKeys = new Set<string>();
  let queryParamsMember: Member | undefined;
  let payloadMember: Member | undefined;
  let hasBodyMembers = false;
  for (const m of shape.members) {
    const h = m.http;
    if (h === undefined || isBodyOnly(m)) {
      hasBodyMembers = true;
      continue;
    }
    if (h.label) {
      const raw = match.labels.get(m.name);
      if (raw !== undefined && m.shape.kind !== "struct" && m.shape.kind !== "list" && m.shape.kind !== "map")
        input[m.name] = scalarFromString(m.shape, raw, 5);
    } else if (h.query !== undefined) {
      boundQueryKeys.add(h.query);
      const values = query.getAll(h.query);
      if (values.length > 0) input[m.name] = fromQueryString(m.shape, values);
    } else if (h.queryParams) {
      queryParamsMember = m;
    } else if (h.header !== undefined) {
      const raw = headers[h.header];
      if (raw !== undefined) input[m.name] = fromHeaderString(m.shape, raw);
    } else if (h.prefixHeaders !== undefined) {
      const prefix = h.prefixHeaders;
      const map: Record<string, unknown> = {};
      let any = false;
      for (const [k, v] of Object.entries(headers)) {
        if (v === undefined || !k.startsWith(prefix)) continue;
        const valueShape = m.shape.kind === "map" ? m.shape.value.shape : m.shape;
        map[k.slice(prefix.length)] = fromHeaderString(valueShape, v);
        any = true;
      }
      if (any) input[m.name] = map;
    } else if (h.payload) {
      payloadMember = m;
    }
  }
  if (queryParamsMember !== undefined && queryParamsMember.shape.kind === "map") {
    const valueShape = queryParamsMember.shape.value.shape;
    const map: Record<string, unknown> = {};
    let any = false;
    for (const key of new Set(query.keys())) {
      if (boundQueryKeys.has(key) || match.route.staticQuery.some(([k]) => k === key)) continue;
      map[key] = fromQueryString(valueShape, query.getAll(key));
      any = true;
    }
    if (any) input[queryParamsMember.name] = map;
  }
  if (payloadMember !== undefined) {
    if (body.byteLength > 0) {
      const ps = payloadMember.shape;
      if (ps.kind === "blob") input[payloadMember.name] = new Uint8Array(body);
      else if (ps.kind === "string") input[payloadMember.name] = Buffer.from(body).toString("utf8");
      else
        input[payloadMember.name] = decodeJsonValue(
          ps,
          JSON.parse(Buffer.from(body).toString("utf8")),
          JSON_DIALECT,
        );
    }
  } else if (hasBodyMembers && body.byteLength > 0) {
    const parsed: unknown = JSON.parse(Buffer.from(body).toString("utf8"));
    const bodyOnly = decodeJsonStruct(bodyShape(shape), parsed, JSON_DIALECT);
    Object.assign(input, bodyOnly);
  }
  return input;
}

const bodyShapes = new WeakMap<StructShape, StructShape>();

/** The members of a structure that travel in the JSON body (no http binding). */
function bodyShape(shape: StructShape): StructShape {
  let s = bodyShapes.get(shape);
  if (s === undefined) {
    const members = shape.members.filter(isBodyOnly);
    s = { ...shape, members, byName: new Map(members.map((m) => [m.name, m])) };
    bodyShapes.set(shape, s);
  }
  return s;
}

function isBodyOnly(m: Member): boolean {
  const h = m.http;
  return (
    h === undefined ||
    (!h.label &&
      h.header === undefined &&
      h.prefixHeaders === undefined &&
      h.query === undefined &&
      !h.queryParams &&
      !h.payload &&
      !h.responseCode)
  );
}

function toHeaderString(shape: Shape, v: unknown): string | undefined {
  if (shape.kind === "list") {
    if (!Array.isArray(v)) return undefined;
    const item = shape.member.shape;
    const parts: string[] = [];
    for (const e of v) {
      const s = toHeaderString(item, e);
      if (s !== undefined) parts.push(item.kind === "string" && /[,"]/.test(s) ? JSON.stringify(s) : s);
    }
    return parts.join(", ");
  }
  if (shape.kind === "struct" || shape.kind === "map") return undefined;
  const s = scalarToString(shape, v, 6);
  return s !== undefined && shape.kind === "string" && shape.jsonMedia ? toBase64(s) : s;
}

export interface RestJsonEncoded {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

export function encodeRestJsonOutput(op: OperationModel, output: Record<string, unknown>): RestJsonEncoded {
  let status = op.http?.code ?? 200;
  const headers: Record<string, string> = {};
  let payload: string | Uint8Array | undefined;
  let hasBodyMembers = false;
  for (const m of op.output.members) {
    const h = m.http;
    if (h === undefined || isBodyOnly(m)) {
      hasBodyMembers = true;
      continue;
    }
    const v = output[m.name];
    if (v === undefined || v === null) continue;
    if (h.responseCode) {
      if (typeof v === "number") status = v;
    } else if (h.header !== undefined) {
      const s = toHeaderString(m.shape, v);
      if (s !== undefined) headers[h.header] = s;
    } else if (h.prefixHeaders !== undefined) {
      if (typeof v === "object" && v !== null) {
        const valueShape = m.shape.kind === "map" ? m.shape.value.shape : m.shape;
        for (const [k, e] of Object.entries(v)) {
          const s = toHeaderString(valueShape, e);
          if (s !== undefined) headers[`${h.prefixHeaders}${k.toLowerCase()}`] = s;
        }
      }
    } else if (h.payload) {
      const ps = m.shape;
      if (ps.kind === "blob") {
        payload = v instanceof Uint8Array ? v : typeof v === "string" ? v : undefined;
        headers["content-type"] = "application/octet-stream";
      } else if (ps.kind === "string") {
        payload = String(v);
        headers["content-type"] = "text/plain";
      } else {
        payload = JSON.stringify(encodeJsonValue(ps, v, JSON_DIALECT));
        headers["content-type"] = "application/json";
      }
    }
  }
  if (payload === undefined && hasBodyMembers) {
    payload = JSON.stringify(encodeJsonStruct(bodyShape(op.output), output, JSON_DIALECT));
    headers["content-type"] = "application/json";
  }
  return { status, headers, body: payload ?? "" };
}
