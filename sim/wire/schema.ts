/**
 * A compact, cached intermediate form of the SDK's own Smithy schemas.
 *
 * The installed `@aws-sdk/client-*` packages ship static schemas (`[9, ns, "DescribeInstances", traits,
 * () => Input$, () => Output$]`, structures with `xmlName` / `ec2QueryName` / `jsonName` / http traits).
 * `NormalizedSchema` from `@smithy/core/schema` interprets them (merged traits, list members, timestamp
 * formats). Walking NormalizedSchema on every request is comparatively slow, so each operation's input and
 * output is compiled once into the plain objects below, and the wire codecs only walk these.
 *
 * Which trait drives which wire name mirrors the SDK's client-side serde exactly:
 * - query keys (QueryShapeSerializer.getKey): ec2 → `ec2QueryName` ?? capitalised(`xmlName` ?? member);
 *   awsQuery → `xmlName` ?? member; list items `member` (or the item's `xmlName`), maps `entry.N.key/value`;
 * - XML elements (XmlShapeDeserializer.readSchema): the member's own `xmlName` ?? member name; list items
 *   the item's merged `xmlName` ?? `member`; maps `entry` / `key` / `value`; `xmlFlattened` merged;
 * - JSON keys: the member name (awsJson) or `jsonName` ?? member name (restJson).
 */
import { NormalizedSchema, translateTraits } from "@smithy/core/schema";
import type { SchemaTraitsObject, StaticOperationSchema } from "@smithy/types";

export type ScalarKind =
  | "string"
  | "boolean"
  | "number"
  | "timestamp"
  | "blob"
  | "bigint"
  | "bigdecimal"
  | "document";

/** Smithy timestamp schema ids: 4 = no format trait (protocol default), 5 = date-time, 6 = http-date, 7 = epoch-seconds. */
export type TimestampFormat = 4 | 5 | 6 | 7;

export interface ScalarShape {
  readonly kind: ScalarKind;
  readonly timestampFormat: TimestampFormat;
  /** A string with a JSON media type (LazyJsonString in the SDK). */
  readonly jsonMedia: boolean;
}

export interface ListShape {
  readonly kind: "list";
  member: Member;
  sparse: boolean;
}

export interface MapShape {
  readonly kind: "map";
  key: Member;
  value: Member;
  sparse: boolean;
}

export interface StructShape {
  readonly kind: "struct";
  /** Shape id, e.g. `com.amazonaws.ec2#Instance`. */
  readonly id: string;
  readonly unit: boolean;
  readonly union: boolean;
  readonly members: Member[];
  readonly byName: Map<string, Member>;
}

export type Shape = ScalarShape | ListShape | MapShape | StructShape;

export interface HttpBinding {
  label?: true;
  /** Lower-cased header name. */
  header?: string;
  /** Lower-cased header prefix. */
  prefixHeaders?: string;
  query?: string;
  queryParams?: true;
  payload?: true;
  responseCode?: true;
}

export interface Member {
  /** The member name as in the SDK types (PascalCase for AWS services). */
  readonly name: string;
  readonly shape: Shape;
  /** XML element name when this member is read by the SDK's XML deserializer (member traits only). */
  readonly xmlElement: string;
  /** Merged `xmlName` (used for list items and map keys/values). */
  readonly xmlName: string | undefined;
  /** ec2Query request key. */
  readonly ec2Key: string;
  readonly ec2QueryName: string | undefined;
  /** awsQuery request key. */
  readonly queryKey: string;
  /** restJson body key. */
  readonly jsonKey: string;
  readonly flattened: boolean;
  readonly http: HttpBinding | undefined;
  readonly idempotencyToken: boolean;
}

const UNIT: StructShape = {
  kind: "struct",
  id: "smithy.api#Unit",
  unit: true,
  union: false,
  members: [],
  byName: new Map(),
};

const scalarCache = new Map<string, ScalarShape>();

function scalar(kind: ScalarKind, timestampFormat: TimestampFormat = 4, jsonMedia = false): ScalarShape {
  const key = `${kind}:${timestampFormat}:${jsonMedia}`;
  let s = scalarCache.get(key);
  if (s === undefined) {
    s = { kind, timestampFormat, jsonMedia };
    scalarCache.set(key, s);
  }
  return s;
}

/** Compiled aggregate shapes, keyed by the SDK's static schema object (stable identity). */
const aggregateCache = new WeakMap<object, ListShape | MapShape | StructShape>();

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function capitalize(s: string): string {
  return s.length === 0 ? s : s.charAt(0).toUpperCase() + s.slice(1);
}

function httpBinding(traits: SchemaTraitsObject): HttpBinding | undefined {
  let b: HttpBinding | undefined;
  if (traits.httpLabel) b = { ...b, label: true };
  if (typeof traits.httpHeader === "string") b = { ...b, header: traits.httpHeader.toLowerCase() };
  if (typeof traits.httpPrefixHeaders === "string")
    b = { ...b, prefixHeaders: traits.httpPrefixHeaders.toLowerCase() };
  if (typeof traits.httpQuery === "string") b = { ...b, query: traits.httpQuery };
  if (traits.httpQueryParams) b = { ...b, queryParams: true };
  if (traits.httpPayload) b = { ...b, payload: true };
  if (traits.httpResponseCode) b = { ...b, responseCode: true };
  return b;
}

function compileMember(name: string, ns: NormalizedSchema): Member {
  const merged = ns.getMergedTraits();
  const own = ns.getMemberTraits();
  const xmlName = str(merged.xmlName);
  const ec2QueryName = str(merged.ec2QueryName);
  return {
    name,
    shape: compileShape(ns),
    xmlElement: str(own.xmlName) ?? name,
    xmlName,
    ec2Key: ec2QueryName ?? capitalize(xmlName ?? name),
    ec2QueryName,
    queryKey: xmlName ?? name,
    jsonKey: str(merged.jsonName) ?? name,
    flattened: Boolean(merged.xmlFlattened),
    http: httpBinding(merged),
    idempotencyToken: Boolean(merged.idempotencyToken),
  };
}

/** Compile any NormalizedSchema (member or not) into its target Shape. */
function compileShape(ns: NormalizedSchema): Shape {
  if (ns.isUnitSchema()) return UNIT;
  const raw: unknown = ns.getSchema();
  const cacheable = typeof raw === "object" && raw !== null;
  if (cacheable) {
    const hit = aggregateCache.get(raw);
    if (hit !== undefined) return hit;
  }
  if (ns.isStructSchema()) {
    const s: StructShape = {
      kind: "struct",
      id: ns.getName(true) ?? "",
      unit: false,
      union: ns.isUnionSchema(),
      members: [],
      byName: new Map(),
    };
    if (cacheable) aggregateCache.set(raw, s);
    for (const [memberName, memberNs] of ns.structIterator()) {
      const m = compileMember(memberName, memberNs);
      s.members.push(m);
      s.byName.set(memberName, m);
    }
    return s;
  }
  if (ns.isListSchema()) {
    // Filled after registration so that recursive shapes terminate.
    const s = { kind: "list", sparse: Boolean(ns.getMergedTraits().sparse) } as ListShape;
    if (cacheable) aggregateCache.set(raw, s);
    s.member = compileMember("member", ns.getValueSchema());
    return s;
  }
  if (ns.isMapSchema()) {
    const s = { kind: "map", sparse: Boolean(ns.getMergedTraits().sparse) } as MapShape;
    if (cacheable) aggregateCache.set(raw, s);
    s.key = compileMember("key", ns.getKeySchema());
    s.value = compileMember("value", ns.getValueSchema());
    return s;
  }
  if (ns.isTimestampSchema()) {
    const id = ns.getSchema();
    return scalar("timestamp", id === 5 || id === 6 || id === 7 ? id : 4);
  }
  if (ns.isBooleanSchema()) return scalar("boolean");
  if (ns.isNumericSchema()) return scalar("number");
  if (ns.isBlobSchema()) return scalar("blob");
  if (ns.isBigIntegerSchema()) return scalar("bigint");
  if (ns.isBigDecimalSchema()) return scalar("bigdecimal");
  if (ns.isDocumentSchema()) return scalar("document");
  const mediaType = str(ns.getMergedTraits().mediaType);
  const json = mediaType !== undefined && (mediaType === "application/json" || mediaType.endsWith("+json"));
  return scalar("string", 4, json);
}

function compileStruct(ns: NormalizedSchema): StructShape {
  const shape = compileShape(ns);
  if (shape.kind !== "struct") throw new Error(`sim/wire: ${ns.getName(true)} is not a structure`);
  return shape;
}

export interface HttpRoute {
  method: string;
  /** The uri pattern as modelled, e.g. `/outposts/{OutpostId}/instanceTypes`. */
  uri: string;
  code: number;
  /** Matches the request path; labels are captured in order of `labels`. */
  pattern: RegExp;
  labels: string[];
  /** Literal query parameters that are part of the uri pattern (e.g. `?tagging`). */
  staticQuery: [string, string][];
  /** Number of literal characters, to prefer the most specific route. */
  specificity: number;
}

export interface OperationModel {
  readonly name: string;
  readonly input: StructShape;
  readonly output: StructShape;
  readonly http: HttpRoute | undefined;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function compileHttpRoute(http: readonly [string, string, number]): HttpRoute {
  const [method, uri, code] = http;
  const [path = "/", search] = uri.split("?");
  const labels: string[] = [];
  let source = "^";
  let specificity = 0;
  let offset = 0;
  for (const match of path.matchAll(/\{([^{}+]+)(\+)?\}/g)) {
    const literal = path.slice(offset, match.index);
    source += escapeRegExp(literal);
    specificity += literal.length;
    labels.push(match[1] ?? "");
    source += match[2] ? "(.+)" : "([^/]+)";
    offset = match.index + match[0].length;
  }
  const tail = path.slice(offset);
  source += `${escapeRegExp(tail)}$`;
  specificity += tail.length;
  const staticQuery: [string, string][] = search ? [...new URLSearchParams(search)] : [];
  return { method, uri, code, pattern: new RegExp(source), labels, staticQuery, specificity };
}

/** Lazily compiled operation (input/output shapes, http route), cached on the static schema object. */
const operationCache = new WeakMap<object, OperationModel>();

export function isOperationSchema(v: unknown): v is StaticOperationSchema {
  return Array.isArray(v) && v[0] === 9 && typeof v[2] === "string" && v.length >= 6;
}

function operationHttpTrait(op: StaticOperationSchema): readonly [string, string, number] | undefined {
  const http = translateTraits(op[3]).http;
  return Array.isArray(http) && typeof http[0] === "string" && typeof http[1] === "string"
    ? [http[0], http[1], typeof http[2] === "number" ? http[2] : 200]
    : undefined;
}

export function compileOperation(op: StaticOperationSchema): OperationModel {
  const hit = operationCache.get(op);
  if (hit !== undefined) return hit;
  const http = operationHttpTrait(op);
  const model: OperationModel = {
    name: op[2],
    input: compileStruct(NormalizedSchema.of(op[4])),
    output: compileStruct(NormalizedSchema.of(op[5])),
    http: http ? compileHttpRoute(http) : undefined,
  };
  operationCache.set(op, model);
  return model;
}

const isPlainRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" &&
  v !== null &&
  !Array.isArray(v) &&
  !(v instanceof Date) &&
  !(v instanceof Uint8Array);

/**
 * Problems in a dispatcher output that the encoders would silently drop or mangle: members the SDK schema
 * does not have, and values of the wrong kind (e.g. a string where a list or a Date is expected).
 * Used by the server's `strict` mode; returns paths such as `Reservations[0].Instances[0].Foo`.
 */
export function outputProblems(
  shape: Shape,
  value: unknown,
  path = "",
  out: string[] = [],
  max = 20,
): string[] {
  if (out.length >= max || value === undefined || value === null) return out;
  const here = path || "(output)";
  switch (shape.kind) {
    case "struct":
      if (!isPlainRecord(value)) {
        out.push(`${here}: expected a structure (${shape.id}), got ${typeof value}`);
        return out;
      }
      for (const k of Object.keys(value)) {
        const m = shape.byName.get(k);
        const p = path ? `${path}.${k}` : k;
        if (m === undefined) {
          if (!shape.unit) out.push(`${p}: not a member of ${shape.id}`);
        } else outputProblems(m.shape, value[k], p, out, max);
      }
      return out;
    case "list":
      if (!Array.isArray(value)) out.push(`${here}: expected a list, got ${typeof value}`);
      else
        value.forEach((e, i) => {
          outputProblems(shape.member.shape, e, `${path}[${i}]`, out, max);
        });
      return out;
    case "map":
      if (!isPlainRecord(value)) out.push(`${here}: expected a map, got ${typeof value}`);
      else
        for (const [k, e] of Object.entries(value))
          outputProblems(shape.value.shape, e, `${path}[${JSON.stringify(k)}]`, out, max);
      return out;
    case "timestamp":
      if (!(value instanceof Date) || Number.isNaN(value.getTime()))
        out.push(`${here}: expected a valid Date`);
      return out;
    case "boolean":
      if (typeof value !== "boolean") out.push(`${here}: expected a boolean, got ${typeof value}`);
      return out;
    case "number":
      if (typeof value !== "number") out.push(`${here}: expected a number, got ${typeof value}`);
      return out;
    case "string":
      if (typeof value !== "string" && !shape.jsonMedia)
        out.push(`${here}: expected a string, got ${typeof value}`);
      return out;
    case "blob":
      if (!(value instanceof Uint8Array) && typeof value !== "string") out.push(`${here}: expected bytes`);
      return out;
    default:
      return out;
  }
}
