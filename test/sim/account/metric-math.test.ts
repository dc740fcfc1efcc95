/**
 * Metric math parsing and evaluation against the examples of the CloudWatch User Guide, "Metric math
 * syntax and functions" (comparison/logical table, IF tables, missing values as 0, division by zero).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kindOf, MathSyntaxError, parseExpression } from "../../../sim/account/metric-math";
import {
  evaluateMath,
  type MathScope,
  type MathValue,
  NotEvaluated,
  type Series,
} from "../../../sim/account/metric-math-eval";

const T = [0, 1, 2, 3, 4];

/** A series from the guide's notation: `-` is a missing value. */
function ts(values: readonly (number | "-")[]): Series {
  const s: Series = new Map();
  values.forEach((v, i) => {
    if (v !== "-") s.set(T[i] ?? i, v);
  });
  return s;
}

function values(v: MathValue): (number | "-")[] {
  if (!(v instanceof Map)) throw new Error("not a series");
  return T.slice(0, 4).map((t) => v.get(t) ?? "-");
}

function scope(metrics: Record<string, Series>, timestamps = T.slice(0, 4)): MathScope {
  return {
    timestamps,
    metric: (id) => metrics[id],
    expression: () => {
      throw new NotEvaluated("no expressions");
    },
    metricIds: Object.keys(metrics),
    period: (id) => (id in metrics ? 300 : undefined),
  };
}

const evaluate = (text: string, s: MathScope) => evaluateMath(parseExpression(text), s);

describe("metric math: the User Guide's examples", () => {
  const guide = scope({ metric1: ts([30, 20, 0, 0]), metric2: ts([20, "-", 20, "-"]) });

  it("comparison and logical operators (missing counts as 0 between two series)", () => {
    expect(values(evaluate("(metric1 < metric2)", guide))).toEqual([0, 0, 1, 0]);
    expect(values(evaluate("(metric1 >= 30)", guide))).toEqual([1, 0, 0, 0]);
    expect(values(evaluate("(metric1 > 15 AND metric2 > 15)", guide))).toEqual([1, 0, 0, 0]);
    expect(values(evaluate("metric1 > 15 && metric2 > 15 || metric1 == 0", guide))).toEqual([1, 0, 1, 1]);
  });

  it("IF(metric1, metric2, metric3) and its scalar variants", () => {
    const s = scope(
      {
        metric1: ts([1, 1, 0, 0, "-"]),
        metric2: ts([30, "-", 0, 0, 30]),
        metric3: ts([0, 0, 20, "-", 20]),
      },
      T,
    );
    const all = (v: MathValue) => (v instanceof Map ? T.map((t) => v.get(t) ?? "-") : []);
    expect(all(evaluate("IF(metric1, metric2, metric3)", s))).toEqual([30, 0, 20, "-", "-"]);
    expect(all(evaluate("IF(metric1, 5, metric3)", s))).toEqual([5, 5, 20, "-", "-"]);
    expect(all(evaluate("IF(metric1, metric2, 5)", s))).toEqual([30, 0, 5, 5, "-"]);
    expect(all(evaluate("IF(metric1, metric2)", s))).toEqual([30, 0, "-", "-", "-"]);
  });

  it("arithmetic: missing values as 0, division by zero drops the datapoint", () => {
    const s = scope({ a: ts([10, "-", 6, 8]), b: ts([2, 4, 0, "-"]) });
    expect(values(evaluate("a + b", s))).toEqual([12, 4, 6, 8]);
    expect(values(evaluate("a / b", s))).toEqual([5, 0, "-", "-"]);
    expect(values(evaluate("-a * 2 ^ 2", s))).toEqual([-40, "-", -24, -32]);
  });

  it("SUM/AVG of an array count missing values as 0; MIN/MAX use the present ones; of one series a scalar", () => {
    const s = scope({ a: ts([10, "-", 6, 8]), b: ts([2, 4, "-", "-"]) });
    expect(values(evaluate("SUM([a, b])", s))).toEqual([12, 4, 6, 8]);
    expect(values(evaluate("AVG(METRICS())", s))).toEqual([6, 2, 3, 4]);
    expect(values(evaluate("MAX([a, b])", s))).toEqual([10, 4, 6, 8]);
    expect(evaluate("MIN(a)", s)).toBe(6);
    expect(values(evaluate("a - AVG(a)", s))).toEqual([2, "-", -2, 0]);
    expect(values(evaluate('SUM(METRICS("b"))', s))).toEqual([2, 4, "-", "-"]);
  });

  it("FILL, TIME_SERIES, PERIOD, ABS/CEIL/FLOOR", () => {
    const s = scope({ a: ts([1.5, "-", -2.5, "-"]) });
    expect(values(evaluate("FILL(a, 0)", s))).toEqual([1.5, 0, -2.5, 0]);
    expect(values(evaluate("TIME_SERIES(7)", s))).toEqual([7, 7, 7, 7]);
    expect(values(evaluate("a / PERIOD(a)", s))).toEqual([0.005, "-", -2.5 / 300, "-"]);
    expect(values(evaluate("CEIL(ABS(a))", s))).toEqual([2, "-", 3, "-"]);
    expect(values(evaluate("FLOOR(a)", s))).toEqual([1, "-", -3, "-"]);
  });

  it("does not evaluate documented functions outside the subset (RATE, FILL … REPEAT)", () => {
    const s = scope({ a: ts([1, 2, 3, 4]) });
    expect(() => evaluate("RATE(a)", s)).toThrow(NotEvaluated);
    expect(() => evaluate("FILL(a, REPEAT)", s)).toThrow(NotEvaluated);
  });
});

describe("metric math: parsing and kinds", () => {
  it("reports the position of a syntax error", () => {
    const error = (() => {
      try {
        parseExpression("m1 + * 2");
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MathSyntaxError);
    expect((error as MathSyntaxError).position).toBe(5);
  });

  it("types expressions as S, TS or TS[] as the guide does", () => {
    const kind = (text: string) => kindOf(parseExpression(text), () => "TS");
    expect(kind("m1 + 1")).toBe("TS");
    expect(kind("AVG(m1)")).toBe("S");
    expect(kind("SUM(METRICS())")).toBe("TS");
    expect(kind("METRICS() / 100")).toBe("TS[]");
    expect(kind("[m1, m2]")).toBe("TS[]");
    expect(kind("IF(m1 > 1, 1, 0)")).toBe("TS");
    expect(kind("PERIOD(m1)")).toBe("S");
  });

  it("property: a + b between two series is the pointwise sum over the union, missing as 0", () => {
    const point = fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: undefined });
    fc.assert(
      fc.property(fc.array(fc.tuple(point, point), { minLength: 1, maxLength: 8 }), (pairs) => {
        const a: Series = new Map();
        const b: Series = new Map();
        pairs.forEach(([x, y], t) => {
          if (x !== undefined) a.set(t, x);
          if (y !== undefined) b.set(t, y);
        });
        const sum = evaluateMath(parseExpression("a + b"), scope({ a, b })) as Series;
        for (const [t, [x, y]] of pairs.entries()) {
          if (x === undefined && y === undefined) expect(sum.has(t)).toBe(false);
          else expect(sum.get(t)).toBe((x ?? 0) + (y ?? 0));
        }
      }),
    );
  });
});
