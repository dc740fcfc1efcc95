/**
 * EventBridge event patterns (EventBridge User Guide, "Event patterns" and "Content filtering"): every
 * field of the pattern must match (AND); a field's array lists alternatives (OR); a nested object matches
 * the event's nested object; an event array matches when any element matches. Matchers: literal values
 * (string, number, boolean, null), `prefix`, `suffix`, `equals-ignore-case`, `wildcard`, `anything-but`
 * (a value, a list, or `{ prefix }`), `exists`, `numeric` (`<`, `<=`, `=`, `>`, `>=` pairs).
 */

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const NUMERIC: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  "=": (a, b) => a === b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};

function numericMatches(spec: unknown, value: unknown): boolean {
  if (typeof value !== "number" || !Array.isArray(spec)) return false;
  for (let i = 0; i + 1 < spec.length; i += 2) {
    const test = NUMERIC[String(spec[i])];
    const bound = spec[i + 1];
    if (test === undefined || typeof bound !== "number" || !test(value, bound)) return false;
  }
  return true;
}

function wildcardMatches(pattern: string, value: string): boolean {
  const regex = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${regex}$`, "s").test(value);
}

function anythingBut(spec: unknown, value: unknown): boolean {
  if (isRecord(spec) && typeof spec.prefix === "string")
    return !(typeof value === "string" && value.startsWith(spec.prefix));
  const excluded = Array.isArray(spec) ? spec : [spec];
  return !excluded.some((x) => x === value);
}

/** One matcher of a field's alternatives against one (present) value. */
function valueMatches(matcher: unknown, value: unknown): boolean {
  if (!isRecord(matcher)) return matcher === value;
  const [kind, spec] = Object.entries(matcher)[0] ?? [];
  switch (kind) {
    case "prefix":
      return typeof value === "string" && typeof spec === "string" && value.startsWith(spec);
    case "suffix":
      return typeof value === "string" && typeof spec === "string" && value.endsWith(spec);
    case "equals-ignore-case":
      return (
        typeof value === "string" && typeof spec === "string" && value.toLowerCase() === spec.toLowerCase()
      );
    case "wildcard":
      return typeof value === "string" && typeof spec === "string" && wildcardMatches(spec, value);
    case "anything-but":
      return anythingBut(spec, value);
    case "numeric":
      return numericMatches(spec, value);
    default:
      return false;
  }
}

function fieldMatches(alternatives: unknown[], present: boolean, value: unknown): boolean {
  return alternatives.some((m) => {
    if (isRecord(m) && "exists" in m) return m.exists === present;
    if (!present) return false;
    const values = Array.isArray(value) ? value : [value];
    return values.some((v) => valueMatches(m, v));
  });
}

/** Whether an event (as EventBridge delivers it) matches a pattern. */
export function matchesPattern(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, spec]) => {
    const present = key in event && event[key] !== undefined;
    const value = event[key];
    if (isRecord(spec)) return isRecord(value) && matchesPattern(spec, value);
    if (!Array.isArray(spec)) return false;
    return fieldMatches(spec, present, value);
  });
}
