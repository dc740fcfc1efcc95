/**
 * JSON bodies (awsJson1_0, awsJson1_1 and the body of restJson1), mirroring `JsonShapeSerializer2` /
 * `JsonShapeDeserializer2` in @smithy/core: member names as keys (restJson: `jsonName` ?? member),
 * timestamps as epoch seconds unless the member has a format trait, blobs base64, NaN/±Infinity as strings.
 */
import { NumericValue } from "@smithy/core/serde";
import { asDate, formatTimestamp, fromBase64, parseTimestamp, resolveFormat, toBase64 } from "./scalars";
import type { Shape, StructShape } from "./schema";

export interface JsonDialect {
  /** restJson1 honours `@jsonName`; awsJson does not. */
  jsonName: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function setKey(out: Record<string, unknown>, k: string, v: unknown): void {
  if (k === "__proto__")
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
}

// ---------------------------------------------------------------------------------------------------------
// Decode (request JSON → SDK-shaped input)

export function decodeJsonStruct(shape: StructShape, raw: unknown, d: JsonDialect): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isRecord(raw)) return out;
  for (const m of shape.members) {
    const v = raw[d.jsonName ? m.jsonKey : m.name];
    if (v === undefined || v === null) continue;
    const decoded = decodeJsonValue(m.shape, v, d);
    if (decoded !== undefined) out[m.name] = decoded;
  }
  return out;
}

export function decodeJsonValue(shape: Shape, v: unknown, d: JsonDialect): unknown {
  switch (shape.kind) {
    case "struct":
      return decodeJsonStruct(shape, v, d);
    case "list": {
      if (!Array.isArray(v)) return undefined;
      const out: unknown[] = [];
      for (const e of v) {
        if (e === null || e === undefined) {
          if (shape.sparse) out.push(null);
          continue;
        }
        out.push(decodeJsonValue(shape.member.shape, e, d));
      }
      return out;
    }
    case "map": {
      if (!isRecord(v)) return undefined;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) {
        const e = v[k];
        if (e === null || e === undefined) {
          if (shape.sparse) setKey(out, k, null);
          continue;
        }
        setKey(out, k, decodeJsonValue(shape.value.shape, e, d));
      }
      return out;
    }
    case "timestamp": {
      const format = resolveFormat(shape.timestampFormat, 7);
      if (typeof v === "number") return new Date(Math.round(v * 1000));
      return typeof v === "string" ? parseTimestamp(v, format) : undefined;
    }
    case "blob":
      return typeof v === "string" ? fromBase64(v) : undefined;
    case "number":
      return typeof v === "string" ? Number(v) : v;
    case "bigint":
      return typeof v === "number" || typeof v === "string" ? BigInt(v) : undefined;
    case "bigdecimal":
      return new NumericValue(String(v), "bigDecimal");
    default:
      return v;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Encode (SDK-shaped output → JSON-ready value)

export function encodeJsonStruct(
  shape: StructShape,
  value: Record<string, unknown>,
  d: JsonDialect,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of shape.members) {
    const v = value[m.name];
    if (v === undefined || v === null) continue;
    const e = encodeJsonValue(m.shape, v, d);
    if (e !== undefined) out[d.jsonName ? m.jsonKey : m.name] = e;
  }
  return out;
}

export function encodeJsonValue(shape: Shape, v: unknown, d: JsonDialect): unknown {
  switch (shape.kind) {
    case "struct":
      return isRecord(v) ? encodeJsonStruct(shape, v, d) : undefined;
    case "list": {
      if (!Array.isArray(v)) return undefined;
      const out: unknown[] = [];
      for (const e of v) {
        if (e === null || e === undefined) {
          if (shape.sparse) out.push(null);
          continue;
        }
        out.push(encodeJsonValue(shape.member.shape, e, d));
      }
      return out;
    }
    case "map": {
      if (!isRecord(v)) return undefined;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) {
        const e = v[k];
        if (e === null || e === undefined) {
          if (shape.sparse) setKey(out, k, null);
          continue;
        }
        setKey(out, k, encodeJsonValue(shape.value.shape, e, d));
      }
      return out;
    }
    case "timestamp": {
      const date = asDate(v);
      if (date === undefined) return undefined;
      const format = resolveFormat(shape.timestampFormat, 7);
      return format === 7 ? date.getTime() / 1000 : formatTimestamp(date, format);
    }
    case "blob":
      return v instanceof Uint8Array || typeof v === "string" ? toBase64(v) : undefined;
    case "number":
      return typeof v === "number" && !Number.isFinite(v) ? String(v) : v;
    case "bigint":
      return typeof v === "bigint" ? v.toString() : v;
    case "bigdecimal":
      return v instanceof NumericValue ? Number(v.string) : v;
    case "string":
      if (shape.jsonMedia && typeof v === "object" && v !== null && !(v instanceof String))
        return JSON.stringify(v);
      return typeof v === "string" ? v : String(v);
    default:
      return encodeDocument(v);
  }
}

/** Documents: plain JSON, with Dates as epoch seconds and bytes as base64. */
function encodeDocument(v: unknown): unknown {
  if (v instanceof Date) return v.getTime() / 1000;
  if (v instanceof Uint8Array) return toBase64(v);
  if (typeof v === "bigint") return v.toString();
  return v;
}
