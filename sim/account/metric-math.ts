/**
 * CloudWatch metric math (issue 12): parses the `Expression` of a `MetricDataQuery` and evaluates the
 * subset an idle alarm plausibly uses, with the semantics of the CloudWatch User Guide, "Metric math
 * syntax and functions" (awsdocs/amazon-cloudwatch-user-guide `doc_source/using-metric-math.md`):
 *
 * - numbers, strings, query ids, `( )`, arrays `[a, b]`;
 * - arithmetic `+ - * / ^` and unary `-`: "Missing values in a time series are treated as 0. If the
 *   value of a data point causes a function to attempt to divide by zero, the data point is dropped.";
 * - comparisons `== != <= >= < >` and logical `AND`/`&&`, `OR`/`||` (1 or 0 per datapoint; between two
 *   time series "the function treats the missing value in the other time series as 0");
 * - `IF(condition, trueValue[, falseValue])` with the documented per-datapoint rules;
 * - `ABS`, `CEIL`, `FLOOR`, `LOG`, `LOG10`, `FILL(ts, S | ts)`, `TIME_SERIES(S)`, `PERIOD(m)`,
 *   `SUM`/`AVG`/`MIN`/`MAX` (of an array → a time series, missing as 0 for SUM and AVG; of one series →
 *   a scalar over the evaluated range), `METRICS()` / `METRICS("text")`, `FIRST`, `LAST`, `METRIC_COUNT`.
 *
 * The other documented functions are accepted (an alarm using them is stored) but not evaluated; an
 * unknown function is refused as CloudWatch does ("Function 'X' not found"). Function names are upper
 * case, ids start with a lower-case letter (both as documented).
 */

export type MathNode =
  | { k: "num"; v: number }
  | { k: "str"; v: string }
  | { k: "ref"; id: string }
  | { k: "word"; w: string }
  | { k: "neg"; a: MathNode }
  | { k: "bin"; op: string; a: MathNode; b: MathNode }
  | { k: "call"; name: string; args: MathNode[] }
  | { k: "array"; items: MathNode[] };

/** Functions the simulator evaluates. */
export const EVALUATED_FUNCTIONS = new Set([
  "ABS",
  "AVG",
  "CEIL",
  "FILL",
  "FIRST",
  "FLOOR",
  "IF",
  "LAST",
  "LOG",
  "LOG10",
  "MAX",
  "METRIC_COUNT",
  "METRICS",
  "MIN",
  "PERIOD",
  "SUM",
  "TIME_SERIES",
]);

/** Documented functions the simulator stores but does not evaluate. */
const OTHER_FUNCTIONS = new Set([
  "ANOMALY_DETECTION_BAND",
  "DATAPOINT_COUNT",
  "DATE",
  "DAY",
  "DIFF",
  "DIFF_TIME",
  "EPOCH",
  "HOUR",
  "INSIGHT_RULE_METRIC",
  "MINUTE",
  "MONTH",
  "RATE",
  "REMOVE_EMPTY",
  "RUNNING_SUM",
  "SEARCH",
  "SERVICE_QUOTA",
  "SLICE",
  "SORT",
  "STDDEV",
  "YEAR",
]);

export class MathSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

interface Token {
  t: "num" | "str" | "name" | "op";
  v: string;
  pos: number;
  /** Length in the source text. */
  raw: number;
}

const OPERATORS = [
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "^",
  "(",
  ")",
  "[",
  "]",
  ",",
];

const TOKEN_PATTERNS: readonly { t: Token["t"]; re: RegExp }[] = [
  { t: "num", re: /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/ },
  { t: "name", re: /^[A-Za-z_][A-Za-z0-9_]*/ },
  { t: "str", re: /^"([^"]*)"|^“([^”]*)”/ },
];

function nextToken(text: string, i: number): Token {
  const rest = text.slice(i);
  for (const { t, re } of TOKEN_PATTERNS) {
    const m = re.exec(rest);
    if (m !== null) return { t, v: t === "str" ? (m[1] ?? m[2] ?? "") : m[0], pos: i, raw: m[0].length };
  }
  const op = OPERATORS.find((o) => rest.startsWith(o));
  if (op === undefined) throw new MathSyntaxError(`Unexpected character '${text.charAt(i)}'`, i);
  return { t: "op", v: op, pos: i, raw: op.length };
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const space = /^\s+/.exec(text.slice(i));
    if (space !== null) {
      i += space[0].length;
      continue;
    }
    const token = nextToken(text, i);
    tokens.push(token);
    i += token.raw;
  }
  return tokens;
}

const BINARY_LEVELS: readonly (readonly string[])[] = [
  ["OR", "||"],
  ["AND", "&&"],
  ["==", "!=", "<=", ">=", "<", ">"],
  ["+", "-"],
  ["*", "/"],
];

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly length: number,
  ) {}

  parse(): MathNode {
    const node = this.binary(0);
    const extra = this.tokens[this.i];
    if (extra !== undefined) throw new MathSyntaxError(`Unexpected '${extra.v}'`, extra.pos);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private expect(v: string): void {
    const tok = this.peek();
    if (tok?.v !== v) throw new MathSyntaxError(`Expected '${v}'`, tok?.pos ?? this.length);
    this.i += 1;
  }

  private binary(level: number): MathNode {
    const ops = BINARY_LEVELS[level];
    if (ops === undefined) return this.unary();
    let node = this.binary(level + 1);
    for (let tok = this.peek(); tok !== undefined && ops.includes(tok.v); tok = this.peek()) {
      this.i += 1;
      const op = tok.v === "&&" ? "AND" : tok.v === "||" ? "OR" : tok.v;
      node = { k: "bin", op, a: node, b: this.binary(level + 1) };
    }
    return node;
  }

  private unary(): MathNode {
    if (this.peek()?.v === "-") {
      this.i += 1;
      return { k: "neg", a: this.unary() };
    }
    const base = this.primary();
    if (this.peek()?.v !== "^") return base;
    this.i += 1;
    return { k: "bin", op: "^", a: base, b: this.unary() };
  }

  private list(close: string): MathNode[] {
    const items: MathNode[] = [];
    if (this.peek()?.v === close) {
      this.i += 1;
      return items;
    }
    for (;;) {
      items.push(this.binary(0));
      if (this.peek()?.v === ",") this.i += 1;
      else break;
    }
    this.expect(close);
    return items;
  }

  private primary(): MathNode {
    const tok = this.peek();
    if (tok === undefined) throw new MathSyntaxError("Unexpected end of expression", this.length);
    this.i += 1;
    if (tok.t === "num") return { k: "num", v: Number(tok.v) };
    if (tok.t === "str") return { k: "str", v: tok.v };
    if (tok.v === "(") {
      const inner = this.binary(0);
      this.expect(")");
      return inner;
    }
    if (tok.v === "[") return { k: "array", items: this.list("]") };
    if (tok.t === "name" && this.peek()?.v === "(") {
      this.i += 1;
      return { k: "call", name: tok.v, args: this.list(")") };
    }
    if (tok.t === "name") return /^[a-z]/.test(tok.v) ? { k: "ref", id: tok.v } : { k: "word", w: tok.v };
    throw new MathSyntaxError(`Unexpected '${tok.v}'`, tok.pos);
  }
}

/** Parses an expression; throws `MathSyntaxError`. */
export function parseExpression(text: string): MathNode {
  return new Parser(tokenize(text), text.length).parse();
}

/** Every function name, query id and documented-but-unevaluated use in an expression. */
export function expressionUses(node: MathNode): { functions: string[]; refs: string[] } {
  const functions: string[] = [];
  const refs: string[] = [];
  const walk = (n: MathNode): void => {
    if (n.k === "ref") refs.push(n.id);
    else if (n.k === "neg") walk(n.a);
    else if (n.k === "bin") {
      walk(n.a);
      walk(n.b);
    } else if (n.k === "call") {
      functions.push(n.name);
      n.args.forEach(walk);
    } else if (n.k === "array") n.items.forEach(walk);
  };
  walk(node);
  return { functions, refs };
}

export function isKnownFunction(name: string): boolean {
  return EVALUATED_FUNCTIONS.has(name) || OTHER_FUNCTIONS.has(name);
}

/** S (scalar), TS (one time series) or TS[] (an array of them), as the User Guide types them. */
export type MathKind = "S" | "TS" | "TS[]";

const RANK: Record<MathKind, number> = { S: 0, TS: 1, "TS[]": 2 };

function widest(a: MathKind, b: MathKind): MathKind {
  return RANK[a] >= RANK[b] ? a : b;
}

const ARRAY_RESULT = new Set([
  "METRICS",
  "ANOMALY_DETECTION_BAND",
  "SEARCH",
  "SORT",
  "REMOVE_EMPTY",
  "SLICE",
]);
const SERIES_RESULT = new Set(["IF", "TIME_SERIES", "FIRST", "LAST", "INSIGHT_RULE_METRIC", "SERVICE_QUOTA"]);
const SCALAR_RESULT = new Set(["PERIOD", "METRIC_COUNT"]);
const AGGREGATES = new Set(["SUM", "AVG", "MIN", "MAX", "STDDEV", "DATAPOINT_COUNT"]);

/** The kind an expression yields, given the kind of each query id it references. */
export function kindOf(node: MathNode, refKind: (id: string) => MathKind): MathKind {
  switch (node.k) {
    case "num":
    case "str":
    case "word":
      return "S";
    case "ref":
      return refKind(node.id);
    case "neg":
      return kindOf(node.a, refKind);
    case "bin":
      return widest(kindOf(node.a, refKind), kindOf(node.b, refKind));
    case "array":
      return "TS[]";
    case "call": {
      if (ARRAY_RESULT.has(node.name)) return "TS[]";
      if (SERIES_RESULT.has(node.name)) return "TS";
      if (SCALAR_RESULT.has(node.name)) return "S";
      const first = node.args[0] === undefined ? "S" : kindOf(node.args[0], refKind);
      if (AGGREGATES.has(node.name)) return first === "TS[]" ? "TS" : "S";
      return first;
    }
  }
}
