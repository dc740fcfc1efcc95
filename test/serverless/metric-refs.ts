import { createRequire } from "node:module";
import { parseStageConfig, type StageConfig } from "../../functions/config";
import { type CatalogueMetric, catalogued } from "../../shared/observe/metrics-catalogue";

/**
 * The metrics a CloudWatch dashboard body and alarm resources reference, and the check that each one is a
 * metric the toolkit publishes (shared/observe/metrics-catalogue.ts) or one AWS publishes for the stack.
 */

export interface MetricRef {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  /** Where it is referenced: a widget title or an alarm's logical id. */
  where: string;
}

type Line = unknown[];
interface Widget {
  type: string;
  properties: { title?: string; metrics?: Line[]; alarms?: string[] };
}
export interface AlarmResource {
  Type: string;
  Properties: Record<string, unknown>;
}

/** `[namespace, name, dim, value, …, options?]`. */
const fromLine = (line: Line, where: string): MetricRef => {
  const [namespace, name, ...rest] = line;
  const pairs = rest.filter((item) => typeof item === "string") as string[];
  const dimensions: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i] as string] = pairs[i + 1] as string;
  return { namespace: String(namespace), name: String(name), dimensions, where };
};

/** `SEARCH('{ns,dim…} MetricName="name" k="v"', …)`: the searched dimension's value is `*`. */
const fromSearch = (expression: string, where: string): MetricRef | undefined => {
  const match = /SEARCH\('\{([^}]+)\} MetricName="([^"]+)"((?: \w+="[^"]*")*)'/.exec(expression);
  if (match === null) return undefined;
  const [namespace, ...names] = (match[1] ?? "").split(",");
  const fixed = Object.fromEntries(
    [...(match[3] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
  );
  const dimensions = Object.fromEntries(names.map((n) => [n, fixed[n] ?? "*"]));
  return { namespace: namespace ?? "", name: match[2] ?? "", dimensions, where };
};

export const dashboardRefs = (body: string): MetricRef[] =>
  (JSON.parse(body) as { widgets: Widget[] }).widgets.flatMap((widget) =>
    (widget.properties.metrics ?? []).flatMap((line) => {
      const where = widget.properties.title ?? "(untitled)";
      if (typeof line[0] === "string") return [fromLine(line, where)];
      const expression = (line[0] as { expression?: string }).expression ?? "";
      const searched = fromSearch(expression, where);
      return searched === undefined ? [] : [searched];
    }),
  );

interface AlarmMetric {
  Namespace: string;
  MetricName: string;
  Dimensions?: { Name: string; Value: string }[];
}
const fromAlarmMetric = (m: AlarmMetric, where: string): MetricRef => ({
  namespace: m.Namespace,
  name: m.MetricName,
  dimensions: Object.fromEntries((m.Dimensions ?? []).map((d) => [d.Name, JSON.stringify(d.Value)])),
  where,
});

/** Every alarm's metrics: its own, or those of its metric-math `Metrics`. */
export const alarmRefs = (resources: Record<string, AlarmResource>): MetricRef[] =>
  Object.entries(resources)
    .filter(([, r]) => r.Type === "AWS::CloudWatch::Alarm")
    .flatMap(([id, r]) => {
      const p = r.Properties;
      if (typeof p.MetricName === "string") return [fromAlarmMetric(p as unknown as AlarmMetric, id)];
      const queries = (p.Metrics ?? []) as { MetricStat?: { Metric: AlarmMetric } }[];
      return queries.flatMap((q) => (q.MetricStat ? [fromAlarmMetric(q.MetricStat.Metric, id)] : []));
    });

/** What AWS publishes for the stack's own resources (Lambda functions, the failed-events queue). */
const AWS_METRICS: Record<string, { names: string[]; dimension: string }> = {
  "AWS/Lambda": { names: ["Errors", "Throttles", "Duration"], dimension: "FunctionName" },
  "AWS/SQS": {
    names: ["ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"],
    dimension: "QueueName",
  },
};

const unquote = (value: string) => (value.startsWith('"') ? (JSON.parse(value) as string) : value);

/** Dimension values a published series can have under this configuration. */
const allowedValues = (config: StageConfig, entry: CatalogueMetric, service: string) => {
  const groups =
    entry.namespace === "probes" || service === "dx-failover"
      ? config.dxFailover.groups.map((g) => g.name)
      : config.eniReattach.groups.map((g) => g.name);
  return {
    service: entry.services,
    Group: groups,
    Path: ["direct-connect", "vpn"],
    Probe: ["lambda", "agent"],
  } as Record<string, readonly string[]>;
};

/** Why `ref` is not a metric that is published under `config` (undefined when it is). */
export const problemOf = (ref: MetricRef, config: StageConfig): string | undefined => {
  const at = `${ref.where}: ${ref.namespace} ${ref.name} ${JSON.stringify(ref.dimensions)}`;
  const aws = AWS_METRICS[ref.namespace];
  if (aws !== undefined) {
    const names = Object.keys(ref.dimensions);
    return aws.names.includes(ref.name) && names.length === 1 && names[0] === aws.dimension
      ? undefined
      : `${at}: not a metric AWS publishes for the stack`;
  }
  const kind =
    ref.namespace === "OpsToolkit"
      ? "toolkit"
      : ref.namespace === config.dxFailover.metricsNamespace
        ? "probes"
        : undefined;
  if (kind === undefined) return `${at}: unknown namespace`;
  const entry = catalogued(kind, ref.name, Object.keys(ref.dimensions));
  if (entry === undefined) return `${at}: not in the catalogue with these dimensions`;
  const allowed = allowedValues(config, entry, unquote(ref.dimensions.service ?? ""));
  for (const [name, raw] of Object.entries(ref.dimensions)) {
    const value = unquote(raw);
    if (value !== "*" && !(allowed[name] ?? []).includes(value))
      return `${at}: ${name}=${value} is never published`;
  }
  return undefined;
};

// The package-time generators (CommonJS, as osls loads them).
interface Generators {
  loadStageConfig(stage: string, options: { service: string }): { config: StageConfig };
  resolveConfig(
    input: unknown,
    meta: { source: string; stage?: string; service?: string },
  ): { config: StageConfig };
  probedBy(group: unknown): string;
  alarmsBySection(config: StageConfig, service: string, stage: string): Record<string, string[]>;
  dxFailoverAlarmResources(dx: unknown, service: string, stage: string): Record<string, AlarmResource>;
  eniReattachAlarmResources(eni: unknown, service: string, stage: string): Record<string, AlarmResource>;
}
const require = createRequire(import.meta.url);
export const generators = require("../../tools/serverless-config.cjs") as Generators;
export const observability = require("../../tools/operator-observability.cjs") as {
  operatorAlarmResources(
    config: StageConfig,
    service: string,
    stage: string,
    probeOf: (g: unknown) => string,
  ): Record<string, AlarmResource>;
  metricOf(config: StageConfig, entry: CatalogueMetric, values: Record<string, string>): unknown[];
  ALARM_TOPIC_LOGICAL_ID: string;
  LIMITS: { widgets: number; metricsPerWidget: number; metricsPerDashboard: number; alarmsPerWidget: number };
};
export const dashboards = require("../../tools/operator-dashboard.cjs") as {
  dashboardBody(input: {
    config: StageConfig;
    functions: { logicalId: string; service: string; timeoutSeconds: number }[];
    alarms: Record<string, string[]>;
    probeOf: (g: unknown) => string;
  }): string;
};

export const SERVICE = "ops-toolkit";

/** The functions as the dashboard receives them (timeouts as packaged with config/dev.json). */
export const FUNCTIONS = [
  ["IdleHibernateLambdaFunction", "idle-hibernate", 60],
  ["IdleAlarmsLambdaFunction", "idle-alarms", 60],
  ["VfxtIpMoveLambdaFunction", "vfxt-ip-move", 114],
  ["DxFailoverLambdaFunction", "dx-failover", 60],
  ["DxProbeLambdaFunction", "dx-probe", 70],
  ["EniReattachLambdaFunction", "eni-reattach", 254],
  ["OutpostsCapacityLambdaFunction", "outposts-capacity", 60],
].map(([logicalId, service, timeoutSeconds]) => ({
  logicalId: String(logicalId),
  service: String(service),
  timeoutSeconds: Number(timeoutSeconds),
}));

/** The generated dashboard and alarms of a configuration (what `osls package` puts in the template). */
export const generated = (config: StageConfig, stage = "test") => {
  const body = dashboards.dashboardBody({
    config,
    functions: FUNCTIONS,
    alarms: generators.alarmsBySection(config, SERVICE, stage),
    probeOf: generators.probedBy,
  });
  const alarms = {
    ...generators.dxFailoverAlarmResources(config.dxFailover, SERVICE, stage),
    ...generators.eniReattachAlarmResources(config.eniReattach, SERVICE, stage),
    ...observability.operatorAlarmResources(config, SERVICE, stage, generators.probedBy),
  };
  return { body, alarms, refs: [...dashboardRefs(body), ...alarmRefs(alarms)] };
};

export const stageConfig = (input: unknown): StageConfig => parseStageConfig(input, "test");
