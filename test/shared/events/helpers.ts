import { readdirSync, readFileSync } from "node:fs";
import { expect } from "vitest";
import { InvalidEventError } from "../../../shared/runtime/errors";

const SAMPLES = new URL("../../../events/samples/", import.meta.url);

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
/** What tests pass in (often `as const` literals): read-only, copied before it is stored. */
export type JsonInput =
  | null
  | boolean
  | number
  | string
  | readonly JsonInput[]
  | { readonly [key: string]: JsonInput };

/** Every JSON sample file name in events/samples (text-formats/ excluded). */
export const sampleNames = (): string[] =>
  readdirSync(SAMPLES)
    .filter((name) => name.endsWith(".json"))
    .sort();

/** A fresh, mutable copy of a sample (each call parses the file again). */
export function sample(name: string): JsonObject {
  const value = JSON.parse(readFileSync(new URL(name, SAMPLES), "utf8")) as Json;
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new TypeError(`${name}: not an object`);
  return value;
}

export const REMOVE = Symbol("remove");
type Key = string | number;

/** Sets (or with REMOVE deletes) the value at `path` in place and returns the root. */
export function edit<T extends Json>(root: T, path: readonly Key[], input: JsonInput | typeof REMOVE): T {
  const value = input === REMOVE ? REMOVE : (structuredClone(input) as Json);
  let node: Json = root;
  for (const key of path.slice(0, -1)) {
    const next: Json | undefined =
      Array.isArray(node) && typeof key === "number"
        ? node[key]
        : node !== null && typeof node === "object" && !Array.isArray(node) && typeof key === "string"
          ? node[key]
          : undefined;
    if (next === undefined) throw new TypeError(`no ${String(key)} in path ${path.join(".")}`);
    node = next;
  }
  const last = path[path.length - 1];
  if (last === undefined || node === null || typeof node !== "object")
    throw new TypeError(`bad path ${path.join(".")}`);
  if (Array.isArray(node)) {
    if (typeof last !== "number") throw new TypeError(`array index expected at ${path.join(".")}`);
    if (value === REMOVE) node.splice(last, 1);
    else node[last] = value;
  } else {
    if (typeof last !== "string") throw new TypeError(`key expected at ${path.join(".")}`);
    if (value === REMOVE) delete node[last];
    else node[last] = value;
  }
  return root;
}

/** A sample with one change. */
export const variant = (name: string, path: readonly Key[], value: JsonInput | typeof REMOVE): JsonObject =>
  edit(sample(name), path, value);

/** An SNS sample whose first record's Message (a JSON string) is edited as an object. */
export function snsVariant(name: string, path: readonly Key[], value: JsonInput | typeof REMOVE): JsonObject {
  const event = sample(name);
  const records = event.Records;
  const sns = Array.isArray(records) ? records[0] : undefined;
  const inner = sns !== null && typeof sns === "object" && !Array.isArray(sns) ? sns.Sns : undefined;
  if (
    inner === null ||
    typeof inner !== "object" ||
    Array.isArray(inner) ||
    typeof inner.Message !== "string"
  ) {
    throw new TypeError(`${name}: not an SNS event`);
  }
  inner.Message = JSON.stringify(edit(JSON.parse(inner.Message) as Json, path, value));
  return event;
}

/** Runs `fn`, asserts it threw an InvalidEventError and returns it for field assertions. */
export function rejection(fn: () => unknown): InvalidEventError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventError);
    if (error instanceof InvalidEventError) {
      expect(error.retryable).toBe(false);
      expect(error.kind).toBe("invalid-event");
      expect(error.context.issues.length).toBeGreaterThan(0);
      return error;
    }
  }
  return expect.fail("expected an InvalidEventError, but nothing was thrown");
}

/** Recursively freezes a value so a test proves the parser does not mutate its input. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
