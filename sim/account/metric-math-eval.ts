/**
 * Evaluation of parsed metric math (metric-math.ts) over a range of period starts. A time series is a
 * sparse map period start → value; semantics per the CloudWatch User Guide, "Metric math syntax and
 * functions" (quoted in metric-math.ts). A function the simulator does not evaluate throws
 * `NotEvaluated` (the alarm keeps its state).
 */
import { EVALUATED_FUNCTIONS, type MathNode } from "./metric-math";

export type Series = Map<number, number>;
export type MathValue = number | Series | Series[];

export class NotEvaluated extends Error {}

export interface MathScope {
  /** Period starts of the evaluated range, ascending. */
  timestamps: readonly number[];
  /** The series of a MetricStat query, or undefined if `id` is not one. */
  metric(id: string): Series | undefined;
  /** The value of an expression query (the caller evaluates and memoizes). */
  expression(id: string): MathValue;
  /** MetricStat query ids in list order (`METRICS()`). */
  metricIds: readonly string[];
  /** The period (seconds) of a MetricStat query. */
  period(id: string): number | undefined;
}

type Binary = (x: number, y: number) => number | undefined;

const BINARY: Readonly<Record<string, Binary>> = {
  "+": (x, y) => x + y,
  "-": (x, y) => x - y,
  "*": (x, y) => x * y,
  "/": (x, y) => (y === 0 ? undefined : x / y),
  "^": (x, y) => x ** y,
  "==": (x, y) => Number(x === y),
  "!=": (x, y) => Number(x !== y),
  "<=": (x, y) => Number(x <= y),
  ">=": (x, y) => Number(x >= y),
  "<": (x, y) => Number(x < y),
  ">": (x, y) => Number(x > y),
  AND: (x, y) => Number(x !== 0 && y !== 0),
  OR: (x, y) => Number(x !== 0 || y !== 0),
};

function finiteOrUndefined(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

function mapSeries(s: Series, f: (v: number) => number | undefined): Series {
  const out: Series = new Map();
  for (const [t, v] of s) {
    const r = finiteOrUndefined(f(v));
    if (r !== undefined) out.set(t, r);
  }
  return out;
}

/** Applies `f` point by point; between two series missing points count as 0 (the documented rule). */
function combine(a: MathValue, b: MathValue, f: Binary): MathValue {
  if (Array.isArray(a))
    return a.map((s, i) => combine(s, Array.isArray(b) ? (b[i] ?? new Map()) : b, f) as Series);
  if (Array.isArray(b)) return b.map((s) => combine(a, s, f) as Series);
  if (typeof a === "number" && typeof b === "number") return finiteOrUndefined(f(a, b)) ?? Number.NaN;
  if (typeof b === "number") return mapSeries(a as Series, (v) => f(v, b));
  if (typeof a === "number") return mapSeries(b, (v) => f(a, v));
  const out: Series = new Map();
  for (const t of [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y)) {
    const r = finiteOrUndefined(f(a.get(t) ?? 0, b.get(t) ?? 0));
    if (r !== undefined) out.set(t, r);
  }
  return out;
}

function mapValue(v: MathValue, f: (x: number) => number): MathValue {
  if (Array.isArray(v)) return v.map((s) => mapSeries(s, f));
  if (typeof v === "number") return f(v);
  return mapSeries(v, f);
}

function asSeries(v: MathValue | undefined): Series {
  if (v instanceof Map) return v;
  throw new NotEvaluated("a time series was expected");
}

function asArray(v: MathValue | undefined): Series[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Map) return [v];
  throw new NotEvaluated("an array of time series was expected");
}

type Aggregate = (values: number[], count: number) => number;

const AGGREGATES: Readonly<Record<string, Aggregate>> = {
  SUM: (vs) => vs.reduce((x, y) => x + y, 0),
  AVG: (vs, n) => vs.reduce((x, y) => x + y, 0) / n,
  MIN: (vs) => Math.min(...vs),
  MAX: (vs) => Math.max(...vs),
};

/** SUM/AVG/MIN/MAX: of an array, a series (SUM and AVG count missing values as 0); of a series, a scalar. */
function aggregate(name: string, v: MathValue): MathValue {
  const f = AGGREGATES[name] as Aggregate;
  if (typeof v === "number") return v;
  if (v instanceof Map) return v.size === 0 ? Number.NaN : f([...v.values()], v.size);
  const out: Series = new Map();
  const times = [...new Set(v.flatMap((s) => [...s.keys()]))].sort((x, y) => x - y);
  for (const t of times) {
    const present = v.map((s) => s.get(t)).filter((x): x is number => x !== undefined);
    const counted = name === "SUM" || name === "AVG" ? v.map((s) => s.get(t) ?? 0) : present;
    out.set(t, f(counted, v.length));
  }
  return out;
}

/** IF(condition, trueValue[, falseValue]) per datapoint of the condition ("Using IF expressions"). */
function ifValue(scope: MathScope, c: MathValue, a: MathValue, b: MathValue | undefined): MathValue {
  if (typeof c === "number") {
    const chosen = c !== 0 ? a : b;
    if (chosen === undefined) return new Map();
    return typeof chosen === "number" ? new Map(scope.timestamps.map((t) => [t, chosen])) : chosen;
  }
  const out: Series = new Map();
  for (const [t, cv] of asSeries(c)) {
    const v =
      cv !== 0
        ? typeof a === "number"
          ? a
          : (asSeries(a).get(t) ?? 0)
        : b === undefined
          ? undefined
          : typeof b === "number"
            ? b
            : asSeries(b).get(t);
    if (v !== undefined) out.set(t, v);
  }
  return out;
}

function fill(scope: MathScope, v: MathValue, filler: MathValue): MathValue {
  if (Array.isArray(v)) return v.map((s) => fill(scope, s, filler) as Series);
  const s = asSeries(v);
  const out: Series = new Map();
  for (const t of scope.timestamps) {
    const value = s.get(t) ?? (typeof filler === "number" ? filler : asSeries(filler).get(t));
    if (value !== undefined) out.set(t, value);
  }
  return out;
}

const ROUNDING: Readonly<Record<string, (x: number) => number>> = {
  ABS: Math.abs,
  CEIL: Math.ceil,
  FLOOR: Math.floor,
  LOG: Math.log,
  LOG10: Math.log10,
};

function call(node: Extract<MathNode, { k: "call" }>, scope: MathScope): MathValue {
  if (!EVALUATED_FUNCTIONS.has(node.name)) throw new NotEvaluated(`${node.name} is not evaluated`);
  const arg = (i: number) => {
    const a = node.args[i];
    return a === undefined ? undefined : evaluateMath(a, scope);
  };
  const first = node.args[0];
  switch (node.name) {
    case "METRICS": {
      const text = first?.k === "str" ? first.v : "";
      return scope.metricIds.filter((id) => id.includes(text)).map((id) => scope.metric(id) ?? new Map());
    }
    case "PERIOD":
      return (first?.k === "ref" ? scope.period(first.id) : undefined) ?? Number.NaN;
    case "IF":
      return ifValue(scope, arg(0) ?? Number.NaN, arg(1) ?? Number.NaN, arg(2));
    case "FILL":
      if (node.args[1]?.k === "word") throw new NotEvaluated("FILL with REPEAT or LINEAR is not evaluated");
      return fill(scope, arg(0) ?? new Map(), arg(1) ?? Number.NaN);
    case "TIME_SERIES": {
      const v = arg(0);
      if (typeof v !== "number") throw new NotEvaluated("TIME_SERIES takes a scalar");
      return new Map(scope.timestamps.map((t) => [t, v]));
    }
    case "FIRST":
      return asArray(arg(0))[0] ?? new Map();
    case "LAST":
      return asArray(arg(0)).at(-1) ?? new Map();
    case "METRIC_COUNT":
      return asArray(arg(0)).length;
    default: {
      const round = ROUNDING[node.name];
      return round !== undefined
        ? mapValue(arg(0) ?? Number.NaN, round)
        : aggregate(node.name, arg(0) ?? Number.NaN);
    }
  }
}

/** Evaluates an expression; throws `NotEvaluated` for what the simulator does not evaluate. */
export function evaluateMath(node: MathNode, scope: MathScope): MathValue {
  switch (node.k) {
    case "num":
      return node.v;
    case "ref":
      return scope.metric(node.id) ?? scope.expression(node.id);
    case "neg":
      return mapValue(evaluateMath(node.a, scope), (x) => -x);
    case "bin":
      return combine(evaluateMath(node.a, scope), evaluateMath(node.b, scope), BINARY[node.op] as Binary);
    case "array":
      return node.items.flatMap((item) => asArray(evaluateMath(item, scope)));
    case "call":
      return call(node, scope);
    default:
      throw new NotEvaluated(`a ${node.k} is not a value`);
  }
}
