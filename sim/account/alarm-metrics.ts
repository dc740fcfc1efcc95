/**
 * PutMetricAlarm validation of a `Metrics` list (issue 12). All refusals are `ValidationError`, the
 * code CloudWatch uses for PutMetricAlarm validation. Texts marked [seen] were captured from AWS:
 * - "Exactly one element of the metrics list should return data." (hashicorp/terraform-provider-aws
 *   #29894); "Exactly two elements of the metrics list should return data." with a ThresholdMetricId;
 * - "The parameters MetricDataQuery Expression and MetricStat are mutually exclusive and you have
 *   specified both." (boto/boto3 #3856);
 * - "Error in expression 'e1': Function 'ANOMALY_DETECTOR' not found" and "Metrics expression that
 *   return multi time series are only allowed for MetricsInsights expression with an ORDER BY clause"
 *   (a deployment log in a public repository).
 * The other texts are [decision]s (docs/simulated-account.md, "Decisions").
 */
import type { MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import type { SimAwsError } from "../types";
import { awsError } from "./errors";
import {
  expressionUses,
  isKnownFunction,
  kindOf,
  type MathKind,
  type MathNode,
  MathSyntaxError,
  parseExpression,
} from "./metric-math";

const ID_PATTERN = /^[a-z][a-zA-Z0-9_]*$/;
const MAX_METRICS = 10;

function invalid(message: string): SimAwsError {
  return awsError("ValidationError", message);
}

/** A Metrics Insights query (`SELECT …`) is not metric math: stored, not parsed. */
export function isInsightsQuery(expression: string): boolean {
  return /^\s*SELECT\s/i.test(expression);
}

function parseChecked(id: string, expression: string): MathNode {
  try {
    return parseExpression(expression);
  } catch (error) {
    if (error instanceof MathSyntaxError)
      throw invalid(`Error in expression '${id}': Syntax error at position ${error.position + 1}`);
    throw error;
  }
}

function checkIds(metrics: readonly MetricDataQuery[]): void {
  const seen = new Set<string>();
  for (const q of metrics) {
    const id = q.Id ?? "";
    if (!ID_PATTERN.test(id))
      throw invalid(
        `Invalid Id '${id}': it must start with a lowercase letter and contain only letters, numbers and underscores.`,
      );
    if (seen.has(id)) throw invalid(`Duplicate Id '${id}' in the metrics list.`);
    seen.add(id);
    if (q.MetricStat !== undefined && q.Expression !== undefined)
      throw invalid(
        "The parameters MetricDataQuery Expression and MetricStat are mutually exclusive and you have specified both.",
      );
  }
  if (metrics.filter((q) => q.MetricStat !== undefined).length > MAX_METRICS)
    throw invalid(`An alarm on a metric math expression can use at most ${MAX_METRICS} metrics.`);
}

function checkExpression(id: string, node: MathNode, ids: ReadonlySet<string>): void {
  const { functions, refs } = expressionUses(node);
  const unknown = functions.find((f) => !isKnownFunction(f));
  if (unknown !== undefined) throw invalid(`Error in expression '${id}': Function '${unknown}' not found`);
  if (functions.includes("SEARCH"))
    throw invalid(`Error in expression '${id}': an alarm cannot watch a SEARCH expression.`);
  const missing = refs.find((r) => !ids.has(r));
  if (missing !== undefined) throw invalid(`Error in expression '${id}': Metric '${missing}' not found`);
}

/** The parsed expressions of a Metrics list by id (Metrics Insights queries left out). */
export function parsedExpressions(metrics: readonly MetricDataQuery[]): Map<string, MathNode> {
  const parsed = new Map<string, MathNode>();
  for (const q of metrics) {
    if (q.Expression !== undefined && !isInsightsQuery(q.Expression))
      parsed.set(q.Id ?? "", parseChecked(q.Id ?? "", q.Expression));
  }
  return parsed;
}

/** The kind of every query (a cycle of expressions → ValidationError). */
function kindsOf(
  metrics: readonly MetricDataQuery[],
  parsed: ReadonlyMap<string, MathNode>,
): (id: string) => MathKind {
  const kinds = new Map<string, MathKind>();
  const visiting = new Set<string>();
  const kind = (id: string): MathKind => {
    const known = kinds.get(id);
    if (known !== undefined) return known;
    const node = parsed.get(id);
    if (node === undefined) return metrics.find((q) => q.Id === id)?.Expression !== undefined ? "TS[]" : "TS";
    if (visiting.has(id))
      throw invalid(`Error in expression '${id}': it refers to itself through other expressions.`);
    visiting.add(id);
    const k = kindOf(node, kind);
    visiting.delete(id);
    kinds.set(id, k);
    return k;
  };
  return kind;
}

/** Throws the ValidationError CloudWatch answers for a Metrics list it refuses. */
export function validateAlarmMetrics(
  metrics: readonly MetricDataQuery[],
  thresholdMetricId: string | undefined,
): void {
  checkIds(metrics);
  const returning = metrics.filter((q) => q.ReturnData !== false);
  if (thresholdMetricId === undefined && returning.length !== 1)
    throw invalid("Exactly one element of the metrics list should return data.");
  if (thresholdMetricId !== undefined && returning.length !== 2)
    throw invalid("Exactly two elements of the metrics list should return data.");
  const ids = new Set(metrics.map((q) => q.Id ?? ""));
  const parsed = parsedExpressions(metrics);
  for (const [id, node] of parsed) checkExpression(id, node, ids);
  const kind = kindsOf(metrics, parsed);
  for (const id of parsed.keys()) kind(id);
  const watched = returning.find((q) => q.Id !== thresholdMetricId);
  if (watched?.Expression === undefined || !parsed.has(watched.Id ?? "")) return;
  const result = kind(watched.Id ?? "");
  if (result === "TS[]")
    throw invalid(
      "Metrics expression that return multi time series are only allowed for MetricsInsights expression with an ORDER BY clause",
    );
  if (result === "S")
    throw invalid(
      `Error in expression '${watched.Id}': the alarm's expression must return a single time series, not a number.`,
    );
}
