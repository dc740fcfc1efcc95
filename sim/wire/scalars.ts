/** Scalar conversions shared by the codecs (string forms used by query/XML/headers, JSON forms). */
import { NumericValue } from "@smithy/core/serde";
import type { ScalarShape, TimestampFormat } from "./schema";

export function toBase64(v: Uint8Array | string): string {
  return typeof v === "string"
    ? Buffer.from(v, "utf8").toString("base64")
    : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
}

export function fromBase64(s: string): Uint8Array {
  const b = Buffer.from(s, "base64");
  return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** A `Date` from what the dispatcher returned: Date, ISO string, or epoch milliseconds. */
export function asDate(v: unknown): Date | undefined {
  if (v instanceof Date) return v;
  if (typeof v === "string" || typeof v === "number") {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

export function formatTimestamp(d: Date, format: 5 | 6 | 7): string {
  if (format === 5) return d.toISOString();
  if (format === 7) return String(d.getTime() / 1000);
  // http-date (IMF-fixdate): V8's toUTCString() is RFC 7231 compliant ("Sun, 06 Nov 1994 08:49:37 GMT").
  return d.toUTCString();
}

export function parseTimestamp(s: string, format: 5 | 6 | 7): Date {
  if (format === 7 || /^-?\d+(\.\d+)?$/.test(s)) return new Date(Math.round(Number(s) * 1000));
  return new Date(s);
}

export function resolveFormat(f: TimestampFormat, protocolDefault: 5 | 6 | 7): 5 | 6 | 7 {
  return f === 4 ? protocolDefault : f;
}

/** Request decoding: a string (form value, header, label, query) to its JS type. */
export function scalarFromString(shape: ScalarShape, s: string, tsDefault: 5 | 6 | 7): unknown {
  switch (shape.kind) {
    case "string":
    case "document":
      return s;
    case "boolean":
      return s.toLowerCase() === "true";
    case "number":
      return Number(s);
    case "timestamp":
      return parseTimestamp(s, resolveFormat(shape.timestampFormat, tsDefault));
    case "blob":
      return fromBase64(s);
    case "bigint":
      return BigInt(s);
    case "bigdecimal":
      return new NumericValue(s, "bigDecimal");
  }
}

/** Response encoding: a JS value to its string form (XML text, header value). Undefined = omit. */
export function scalarToString(shape: ScalarShape, v: unknown, tsDefault: 5 | 6 | 7): string | undefined {
  switch (shape.kind) {
    case "timestamp": {
      const d = asDate(v);
      return d ? formatTimestamp(d, resolveFormat(shape.timestampFormat, tsDefault)) : undefined;
    }
    case "blob":
      return v instanceof Uint8Array || typeof v === "string" ? toBase64(v) : undefined;
    case "bigdecimal":
      return v instanceof NumericValue ? v.string : String(v);
    case "string":
      if (shape.jsonMedia && typeof v === "object" && v !== null && !(v instanceof String))
        return JSON.stringify(v);
      return String(v);
    default:
      return String(v);
  }
}
