/**
 * A deep copy of plain data (what the call log keeps of every request and answer): the same result as
 * `structuredClone` for objects, arrays, Dates and primitives, several times faster on the small values
 * of one API call. Anything else (Maps, typed arrays, class instances, cycles, very deep values) is left
 * to `structuredClone`, which also throws where it would.
 */
const MAX_DEPTH = 64;

class NotPlain extends Error {}

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

const copy = (value: unknown, depth: number): unknown => {
  if (value === null || typeof value !== "object") {
    if (typeof value === "function" || typeof value === "symbol") throw new NotPlain();
    return value;
  }
  if (depth > MAX_DEPTH) throw new NotPlain();
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i], depth + 1);
    return out;
  }
  if (value instanceof Date) return new Date(value.getTime());
  if (!isPlainObject(value)) throw new NotPlain();
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = copy((value as Record<string, unknown>)[key], depth + 1);
    // An own "__proto__" stays a property (an assignment would set the prototype).
    if (key === "__proto__")
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out;
};

export function copyPlain<T>(value: T): T {
  try {
    return copy(value, 0) as T;
  } catch (error) {
    if (error instanceof NotPlain) return structuredClone(value);
    throw error;
  }
}
