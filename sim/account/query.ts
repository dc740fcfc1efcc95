/**
 * Request helpers shared by the service models: typed reading of an SDK-shaped input, EC2 filters
 * (OR within a filter's values, AND across filters, `*` and `?` wildcards, `tag:<key>`, `tag-key`,
 * `tag-value`), and opaque pagination tokens.
 */
import type { SimAwsError } from "../types";
import type { ParamErrors } from "./errors";

/** Reads and type-checks the members of an SDK-shaped input object. */
export class Params {
  constructor(
    readonly input: Record<string, unknown>,
    readonly errors: ParamErrors,
  ) {}

  private get(name: string): unknown {
    const value = this.input[name];
    return value === null ? undefined : value;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  str(name: string): string | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    if (typeof value !== "string") throw this.errors.invalid(name, value, "Expected a string.");
    return value;
  }

  reqStr(name: string): string {
    const value = this.str(name);
    if (value === undefined || value === "") throw this.errors.missing(name);
    return value;
  }

  bool(name: string): boolean | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    if (typeof value === "boolean") return value;
    if (value === "true" || value === "false") return value === "true";
    throw this.errors.invalid(name, value, "Expected a boolean.");
  }

  num(name: string): number | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (typeof n !== "number" || !Number.isFinite(n))
      throw this.errors.invalid(name, value, "Expected a number.");
    return n;
  }

  int(name: string): number | undefined {
    const n = this.num(name);
    if (n !== undefined && !Number.isInteger(n)) throw this.errors.invalid(name, n, "Expected an integer.");
    return n;
  }

  /** An integer in [min, max]; `message` overrides the default expectation text. */
  intInRange(name: string, min: number, max: number, message?: string): number | undefined {
    const n = this.int(name);
    if (n !== undefined && (n < min || n > max)) {
      throw this.errors.invalid(name, n, message ?? `Expecting a value between ${min} and ${max}.`);
    }
    return n;
  }

  strList(name: string): string[] | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
      throw this.errors.invalid(name, value, "Expected a list of strings.");
    }
    return value as string[];
  }

  objList(name: string): Record<string, unknown>[] | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== "object" || v === null || Array.isArray(v))) {
      throw this.errors.invalid(name, value, "Expected a list of structures.");
    }
    return value as Record<string, unknown>[];
  }

  date(name: string): Date | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    const d =
      value instanceof Date
        ? value
        : typeof value === "string" || typeof value === "number"
          ? new Date(value)
          : undefined;
    if (d === undefined || Number.isNaN(d.getTime()))
      throw this.errors.invalid(name, value, "Expected a timestamp.");
    return d;
  }
}

export interface Filter {
  name: string;
  values: string[];
}

/** Reads the EC2 `Filters` member: `[{ Name, Values }]`. */
export function readFilters(params: Params): Filter[] {
  const raw = params.objList("Filters") ?? [];
  return raw.map((f, i) => {
    const name = f.Name;
    const values = f.Values ?? [];
    if (typeof name !== "string" || name === "") throw params.errors.missing(`Filter.${i + 1}.Name`);
    if (!Array.isArray(values) || values.some((v) => typeof v !== "string")) {
      throw params.errors.invalid(`Filter.${i + 1}.Value`, values, "Expected a list of strings.");
    }
    return { name, values: values as string[] };
  });
}

/** EC2 filter wildcards: `*` any run of characters, `?` zero or one character, `\` escapes. */
function globToRegExp(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i += 1) {
    const ch = pattern.charAt(i);
    if (ch === "\\" && i + 1 < pattern.length) {
      i += 1;
      out += pattern.charAt(i).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    } else if (ch === "*") out += ".*";
    else if (ch === "?") out += ".?";
    else out += ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`, "s");
}

/** For each supported filter name, the values an item offers to it. */
export type FilterFields<T> = Record<
  string,
  (item: T) => ReadonlyArray<string | number | boolean | undefined>
>;

export interface FilterOptions<T> {
  fields: FilterFields<T>;
  /** Tags of an item, enabling `tag:<key>`, `tag-key` and `tag-value`. */
  tags?: (item: T) => ReadonlyMap<string, string>;
  /** The error for a filter name the operation does not know. */
  unknown: (name: string) => SimAwsError;
}

/** Applies EC2 filter semantics; throws for filters the operation does not support. */
export function applyFilters<T>(
  items: readonly T[],
  filters: readonly Filter[],
  options: FilterOptions<T>,
): T[] {
  const predicates = filters.map((filter) => {
    const patterns = filter.values.map(globToRegExp);
    const anyMatch = (candidates: ReadonlyArray<string | number | boolean | undefined>) =>
      candidates.some((c) => c !== undefined && patterns.some((p) => p.test(String(c))));
    const tags = options.tags;
    if (tags !== undefined && filter.name.startsWith("tag:")) {
      const key = filter.name.slice(4);
      return (item: T) => {
        const value = tags(item).get(key);
        return value !== undefined && anyMatch([value]);
      };
    }
    if (tags !== undefined && filter.name === "tag-key") return (item: T) => anyMatch([...tags(item).keys()]);
    if (tags !== undefined && filter.name === "tag-value")
      return (item: T) => anyMatch([...tags(item).values()]);
    const field = options.fields[filter.name];
    if (field === undefined) throw options.unknown(filter.name);
    return (item: T) => anyMatch(field(item));
  });
  return items.filter((item) => predicates.every((p) => p(item)));
}

interface TokenBody {
  o: number;
  k: string;
}

/** Opaque pagination: the token carries the offset and the operation it belongs to. */
export function paginate<T>(
  items: readonly T[],
  options: {
    maxResults: number | undefined;
    nextToken: string | undefined;
    key: string;
    errors: ParamErrors;
  },
): { page: T[]; nextToken?: string } {
  let offset = 0;
  if (options.nextToken !== undefined) {
    let body: TokenBody | undefined;
    try {
      body = JSON.parse(Buffer.from(options.nextToken, "base64url").toString("utf8")) as TokenBody;
    } catch {
      body = undefined;
    }
    if (body === undefined || body.k !== options.key || !Number.isInteger(body.o) || body.o < 0) {
      throw options.errors.badToken();
    }
    offset = body.o;
  }
  if (options.maxResults === undefined) return { page: items.slice(offset) };
  const end = offset + options.maxResults;
  const page = items.slice(offset, end);
  if (end >= items.length) return { page };
  const token = Buffer.from(JSON.stringify({ o: end, k: options.key } satisfies TokenBody)).toString(
    "base64url",
  );
  return { page, nextToken: token };
}

/** `Tag[]` (`[{ Key, Value }]`) from a tag map, sorted by key; undefined when empty (as EC2 omits it). */
export function toTagList(tags: ReadonlyMap<string, string>): { Key: string; Value: string }[] | undefined {
  if (tags.size === 0) return undefined;
  return [...tags.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([Key, Value]) => ({ Key, Value }));
}

/** Code-point order (locale-independent, so results are the same on every machine). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
