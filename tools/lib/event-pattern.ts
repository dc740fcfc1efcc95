/**
 * EventBridge event pattern matching, as EventBridge does it (replay delivers an event to the functions
 * whose rule matches it). Sources: AWS, "Amazon EventBridge event patterns", "Content filtering in Amazon
 * EventBridge event patterns", "Arrays in Amazon EventBridge event patterns", "Matching null values and
 * empty strings" (docs.aws.amazon.com/eventbridge/latest/userguide/), and the README of aws/event-ruler,
 * the matching library behind EventBridge (wildcard escapes, `$or` recognition).
 *
 * - Fields of a pattern AND; the values of a field's array OR; `$or: [p1, p2, …]` ORs sub-patterns.
 * - A field the pattern does not name is ignored; a named field must be present with that nesting.
 * - An array in the event matches when any of its elements matches (arrays of objects: one element must
 *   match the whole sub-pattern).
 * - Exact values compare strings character by character, `null` only matches null, `""` only "".
 *   Numbers compare by value: JSON.parse has already dropped the text (EventBridge compares the text, so
 *   `300` and `300.0` differ there; no pattern of this project depends on it).
 * - Filters: prefix, suffix (each optionally {equals-ignore-case}), equals-ignore-case, wildcard,
 *   anything-but (value, list, prefix, suffix, equals-ignore-case, wildcard), numeric, exists, cidr.
 */
import { containsAddress } from "../../shared/net/cidr";

export class EventPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EventPatternError";
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isScalar = (value: unknown): value is string | number | boolean | null =>
  value === null || ["string", "number", "boolean"].includes(typeof value);

const FILTERS = new Set([
  "prefix",
  "suffix",
  "equals-ignore-case",
  "wildcard",
  "anything-but",
  "numeric",
  "exists",
  "cidr",
]);

/** `$or` is an OR only with ≥ 2 sub-patterns none of which uses a filter name as a field (event-ruler). */
const isOrList = (key: string, value: unknown): value is Json[] =>
  key === "$or" &&
  Array.isArray(value) &&
  value.length >= 2 &&
  value.every((p) => isObject(p) && Object.keys(p).every((k) => !FILTERS.has(k)));

// ---------------------------------------------------------------------------------------------------
// Leaf values: a pattern array is compiled into a predicate over the field's leaf values.

type ValueTest = (value: unknown) => boolean;
type FieldTest = (values: readonly unknown[]) => boolean;

/** The leaf values of a field: none when absent, an object, or an empty array (nothing to match). */
const leafValues = (value: unknown): unknown[] => {
  if (value === undefined || isObject(value)) return [];
  if (Array.isArray(value)) return value.filter((item) => !isObject(item) && !Array.isArray(item));
  return [value];
};

const lower = (text: string): string => text.toLowerCase();

/** `{ "equals-ignore-case": "x" }` inside prefix/suffix, or a plain string. */
const affix = (spec: unknown, what: string): { text: string; ignoreCase: boolean } => {
  if (typeof spec === "string") return { text: spec, ignoreCase: false };
  if (isObject(spec) && typeof spec["equals-ignore-case"] === "string" && Object.keys(spec).length === 1)
    return { text: spec["equals-ignore-case"], ignoreCase: true };
  throw new EventPatternError(`${what}: expected a string or { "equals-ignore-case": string }`);
};

const prefixTest = (spec: unknown): ValueTest => {
  const { text, ignoreCase } = affix(spec, "prefix");
  return (value) =>
    typeof value === "string" && (ignoreCase ? lower(value).startsWith(lower(text)) : value.startsWith(text));
};

const suffixTest = (spec: unknown): ValueTest => {
  const { text, ignoreCase } = affix(spec, "suffix");
  return (value) =>
    typeof value === "string" && (ignoreCase ? lower(value).endsWith(lower(text)) : value.endsWith(text));
};

const stringsOf = (spec: unknown, what: string, list: boolean): string[] => {
  const items = list && Array.isArray(spec) ? spec : [spec];
  if (items.length === 0 || !items.every((s) => typeof s === "string"))
    throw new EventPatternError(`${what}: expected a string${list ? " or a list of strings" : ""}`);
  return items as string[];
};

const ignoreCaseTest = (spec: unknown, list = false): ValueTest => {
  const expected = new Set(stringsOf(spec, "equals-ignore-case", list).map(lower));
  return (value) => typeof value === "string" && expected.has(lower(value));
};

/**
 * `*` matches any run of characters (none included); `\*` is a literal asterisk, `\\` a backslash; two
 * consecutive wildcards and any other escape are invalid (event-ruler).
 */
export const wildcardRegExp = (pattern: string): RegExp => {
  let source = "";
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i] as string;
    if (c === "\\") {
      const next = pattern[i + 1];
      if (next !== "*" && next !== "\\")
        throw new EventPatternError(`wildcard "${pattern}": a backslash escapes only * or \\`);
      source += `\\${next}`;
      i += 1;
    } else if (c === "*") {
      if (pattern[i + 1] === "*") throw new EventPatternError(`wildcard "${pattern}": consecutive wildcards`);
      source += "[\\s\\S]*";
    } else {
      source += c.replace(/[.+?^${}()|[\]/]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
};

const wildcardTest = (spec: unknown, list = false): ValueTest => {
  const expressions = stringsOf(spec, "wildcard", list).map(wildcardRegExp);
  return (value) => typeof value === "string" && expressions.some((e) => e.test(value));
};

const NUMERIC_OPERATORS: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  "=": (a, b) => a === b,
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};

/** `[op, n]` or `[op, n, op, n]` (a range), every condition holding; JSON numbers only. */
const numericTest = (spec: unknown): ValueTest => {
  if (!Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0 || spec.length > 4)
    throw new EventPatternError("numeric: expected [op, number] or [op, number, op, number]");
  const conditions: ValueTest[] = [];
  for (let i = 0; i < spec.length; i += 2) {
    const compare = NUMERIC_OPERATORS[String(spec[i])];
    const bound = spec[i + 1];
    if (compare === undefined || typeof bound !== "number")
      throw new EventPatternError(`numeric: "${String(spec[i])}" ${String(bound)} is not a condition`);
    conditions.push((value) => compare(value as number, bound));
  }
  return (value) => typeof value === "number" && conditions.every((holds) => holds(value));
};

const cidrTest = (spec: unknown): ValueTest => {
  if (typeof spec !== "string") throw new EventPatternError("cidr: expected a CIDR block");
  return (value) => typeof value === "string" && containsAddress(spec, value, { hostBits: "mask" });
};

const singleEntry = (filter: Json, what: string): [string, unknown] => {
  const entries = Object.entries(filter);
  if (entries.length !== 1)
    throw new EventPatternError(`${what} has exactly one key: ${JSON.stringify(filter)}`);
  return entries[0] as [string, unknown];
};

/** What `anything-but` excludes: a value, a list of values (all strings or all numbers), or one filter. */
const excludedTest = (spec: unknown): ValueTest => {
  if (isScalar(spec)) return (value) => value === spec;
  if (Array.isArray(spec)) {
    const list: unknown[] = spec;
    const types = new Set(list.map((item) => typeof item));
    if (types.size !== 1 || !(types.has("string") || types.has("number")))
      throw new EventPatternError("anything-but: a list holds only strings or only numbers");
    return (value) => list.includes(value);
  }
  if (!isObject(spec)) throw new EventPatternError("anything-but: expected a value, a list, or one filter");
  const [name, inner] = singleEntry(spec, "anything-but");
  switch (name) {
    case "prefix":
      return prefixTest(inner);
    case "suffix":
      return suffixTest(inner);
    case "equals-ignore-case":
      return ignoreCaseTest(inner, true);
    case "wildcard":
      return wildcardTest(inner, true);
    default:
      throw new EventPatternError(`anything-but: "${name}" is not supported inside anything-but`);
  }
};

/** One content filter, as a test of one present leaf value. */
const filterTest = (filter: Json): ValueTest => {
  const [name, spec] = singleEntry(filter, "a filter");
  switch (name) {
    case "prefix":
      return prefixTest(spec);
    case "suffix":
      return suffixTest(spec);
    case "equals-ignore-case":
      return ignoreCaseTest(spec);
    case "wildcard":
      return wildcardTest(spec);
    case "numeric":
      return numericTest(spec);
    case "cidr":
      return cidrTest(spec);
    case "anything-but": {
      const excluded = excludedTest(spec);
      return (value) => !excluded(value);
    }
    default:
      throw new EventPatternError(`unknown filter "${name}"`);
  }
};

/** One value of a pattern array, as a test of the field's leaf values. */
const itemTest = (item: unknown): FieldTest => {
  if (isObject(item) && "exists" in item) {
    const [, exists] = singleEntry(item, "exists");
    if (typeof exists !== "boolean")
      throw new EventPatternError('exists: expected { "exists": true | false }');
    return (values) => exists === values.length > 0;
  }
  if (isObject(item)) {
    const test = filterTest(item);
    return (values) => values.some(test);
  }
  if (!isScalar(item)) throw new EventPatternError(`not a pattern value: ${JSON.stringify(item)}`);
  return (values) => values.includes(item);
};

const leafTest = (allowed: unknown[], key: string): ((field: unknown) => boolean) => {
  if (allowed.length === 0) throw new EventPatternError(`field "${key}": a pattern array must not be empty`);
  const tests = allowed.map(itemTest);
  return (field) => {
    const values = leafValues(field);
    return tests.some((test) => test(values));
  };
};

// ---------------------------------------------------------------------------------------------------
// Objects: fields AND, nested objects, `$or`.

type EventTest = (event: Json) => boolean;

/** The objects a nested pattern applies to: the object itself, or any object element of an array. */
const candidates = (value: unknown): Json[] => {
  if (isObject(value)) return [value];
  if (Array.isArray(value)) return value.filter(isObject);
  return [];
};

const fieldTest = (key: string, expected: unknown): EventTest => {
  if (isOrList(key, expected)) {
    const alternatives = expected.map(objectTest);
    return (event) => alternatives.some((matches) => matches(event));
  }
  if (Array.isArray(expected)) {
    const matches = leafTest(expected, key);
    return (event) => matches(event[key]);
  }
  if (!isObject(expected))
    throw new EventPatternError(`field "${key}": expected an array of values or a nested pattern`);
  const nested = objectTest(expected);
  return (event) => {
    const objects = candidates(event[key]);
    // An absent object still matches a nested pattern of `exists: false` leaves (its leaves are absent).
    return (objects.length === 0 ? [{}] : objects).some(nested);
  };
};

const objectTest = (pattern: Json): EventTest => {
  const tests = Object.entries(pattern).map(([key, expected]) => fieldTest(key, expected));
  return (event) => tests.every((matches) => matches(event));
};

/** Compiles an event pattern into a predicate. Throws EventPatternError when the pattern is invalid. */
export const compileEventPattern = (pattern: unknown): ((event: unknown) => boolean) => {
  if (!isObject(pattern)) throw new EventPatternError("an event pattern is a JSON object");
  const matches = objectTest(pattern);
  return (event) => matches(isObject(event) ? event : {});
};

/** True when `event` matches the EventBridge event pattern. Throws EventPatternError for an invalid pattern. */
export const matchesEventPattern = (pattern: unknown, event: unknown): boolean =>
  compileEventPattern(pattern)(event);
