import type * as z from "zod/mini";
import { type InvalidEventContext, InvalidEventError } from "../runtime/errors";

/**
 * zod/mini ships no locale (every message is "Invalid input"), and loading one would cost bundle
 * size and mutate zod's global configuration. This small per-parse error map writes the messages
 * our logs need instead: what was expected and what was received.
 */

/** A short, log-safe description of a value (strings truncated, objects not dumped). */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === "object") return "an object";
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${String(value)}`;
  return typeof value;
}

type RawIssue = Parameters<z.core.$ZodErrorMap>[0];

export const errorMap = (issue: RawIssue): string | undefined => {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined
        ? `required ${issue.expected} is missing`
        : `expected ${issue.expected}, received ${describeValue(issue.input)}`;
    case "invalid_value": {
      const values = issue.values.map((v) => JSON.stringify(v));
      const expected = values.length === 1 ? values[0] : `one of ${values.join(", ")}`;
      return `expected ${expected}, received ${describeValue(issue.input)}`;
    }
    case "too_small":
      return issue.origin === "string" ? "must not be empty" : `must have at least ${issue.minimum} item(s)`;
    case "invalid_union":
      return `received ${describeValue(issue.input)}, which matches none of the accepted forms`;
    default:
      return undefined;
  }
};

export const parseOptions = { error: errorMap } as const;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `detail.state.value`, `detail["instance-id"]`, `Records[0].Sns.Message`. */
export function formatPath(path: readonly PropertyKey[], prefix = ""): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && IDENTIFIER.test(key)) out += out === "" ? key : `.${key}`;
    else if (typeof key === "string" && out === "") out += key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === "" ? "(root)" : out;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix = ""): string[] {
  return issues.map((issue) => `${formatPath(issue.path, prefix)}: ${issue.message}`);
}

const MAX_ISSUES_IN_MESSAGE = 3;

/** An InvalidEventError whose message ends with the first issues, so one log line explains it. */
export function invalidEvent(summary: string, context: InvalidEventContext): InvalidEventError {
  const { issues } = context;
  const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE).join("; ");
  const more =
    issues.length > MAX_ISSUES_IN_MESSAGE ? ` (+${issues.length - MAX_ISSUES_IN_MESSAGE} more)` : "";
  return new InvalidEventError(issues.length > 0 ? `${summary}: ${shown}${more}` : summary, context);
}
