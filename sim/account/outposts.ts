/**
 * Outposts (restJson): GetOutpost and GetOutpostInstanceTypes (paginated), and the `AWS/Outposts`
 * `AvailableInstanceType_Count` metric answered by CloudWatch GetMetricData (issue 4).
 *
 * GetMetricData answers the metrics the Outposts service publishes (issue 9): `AWS/Outposts`
 * `AvailableInstanceType_Count` (dimensions exactly `OutpostId`, `InstanceType`; 5-minute resolution)
 * from `outposts[].instanceTypes[]` (`availableCount`, `changes`; `null` = no datapoint, which is
 * missing data, not 0) and `ConnectedStatus` (`OutpostId`; 1-minute; 1 up / 0 down). While the
 * service link is down no capacity datapoint is published. One datapoint per period that contains a
 * publication time already past, newest first unless `ScanBy: TimestampAscending`. Any other metric
 * has no datapoints (`StatusCode: Complete`, empty `Values`), as CloudWatch answers for a metric
 * nobody publishes.
 */
import type { GetMetricDataOutput, MetricDataResult } from "@aws-sdk/client-cloudwatch";
import type {
  GetOutpostInstanceTypesOutput,
  GetOutpostOutput,
  InstanceTypeItem,
} from "@aws-sdk/client-outposts";
import type { OpContext, ServiceModel } from "./context";
import { awsError, queryParamErrors } from "./errors";
import { freeSlots, valueAt } from "./outpost-slots";
import { type Params, paginate } from "./query";
import type { OutpostModel } from "./state";

function notFound(id: string) {
  return awsError("NotFoundException", `Outpost ${id} not found.`, 404);
}

function findOutpost(c: OpContext, idOrArn: string): OutpostModel {
  const id = idOrArn.startsWith("arn:") ? (idOrArn.split("/").pop() ?? "") : idOrArn;
  if (!/^op-[0-9a-f]{17}$/.test(id)) {
    throw awsError(
      "ValidationException",
      `1 validation error detected: Value '${idOrArn}' at 'outpostId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(arn:aws([a-z-]+)?:outposts:[a-z\\d-]+:\\d{12}:outpost/)?op-[a-f0-9]{17}$`,
      400,
    );
  }
  const outpost = c.state.outposts.get(id);
  if (outpost === undefined) throw notFound(idOrArn);
  return outpost;
}

function getOutpost(c: OpContext, p: Params): GetOutpostOutput {
  const o = findOutpost(c, p.reqStr("OutpostId"));
  return {
    Outpost: {
      OutpostId: o.id,
      OwnerId: o.ownerId,
      OutpostArn: o.arn,
      SiteId: o.siteId,
      Name: o.name,
      LifeCycleStatus: o.lifeCycleStatus,
      AvailabilityZone: o.availabilityZone,
      SiteArn: `arn:aws:outposts:${c.region}:${o.ownerId}:site/${o.siteId}`,
      SupportedHardwareType: "RACK",
    },
  };
}

function getOutpostInstanceTypes(c: OpContext, p: Params): GetOutpostInstanceTypesOutput {
  const o = findOutpost(c, p.reqStr("OutpostId"));
  const max = p.intInRange("MaxResults", 1, 1000);
  const items = o.instanceTypes.map(
    (t): InstanceTypeItem => ({
      InstanceType: t.instanceType,
      VCPUs: c.state.instanceTypes.get(t.instanceType)?.vcpus,
    }),
  );
  const { page, nextToken } = paginate(items, {
    maxResults: max,
    nextToken: p.str("NextToken"),
    key: `GetOutpostInstanceTypes/${o.id}`,
    errors: {
      ...queryParamErrors,
      badToken: () => awsError("ValidationException", "Invalid NextToken.", 400),
    },
  });
  const out: GetOutpostInstanceTypesOutput = { InstanceTypes: page, OutpostId: o.id, OutpostArn: o.arn };
  if (nextToken !== undefined) out.NextToken = nextToken;
  return out;
}

export const outpostsModel: ServiceModel = {
  GetOutpost: getOutpost,
  GetOutpostInstanceTypes: getOutpostInstanceTypes,
};

// ---------------------------------------------------------------------------------------------
// CloudWatch GetMetricData: the metrics the Outposts service publishes

interface MetricQuery {
  Id?: unknown;
  Label?: unknown;
  MetricStat?: {
    Metric?: {
      Namespace?: unknown;
      MetricName?: unknown;
      Dimensions?: { Name?: unknown; Value?: unknown }[];
    };
    Period?: unknown;
    Stat?: unknown;
  };
}

/** A published series: its resolution and its value at a publication time (undefined = no datapoint). */
interface PublishedSeries {
  resolutionMs: number;
  valueAt: (at: number) => number | undefined;
}

function linkUpAt(o: OutpostModel, at: number): boolean {
  const link = o.serviceLink;
  if (link === undefined) return true;
  return valueAt(
    link.up,
    link.changes.map((c) => ({ at: c.at, value: c.up })),
    at,
  );
}

/**
 * The series a query names, with exactly the dimensions AWS publishes it with ("You must specify the
 * same dimensions that were used when the metrics were created", Outposts CloudWatch metrics page).
 */
function outpostsSeries(
  c: OpContext,
  metricName: unknown,
  dims: Map<string, string>,
): PublishedSeries | undefined {
  const outpost = c.state.outposts.get(dims.get("OutpostId") ?? "");
  if (outpost === undefined) return undefined;
  if (metricName === "ConnectedStatus" && dims.size === 1)
    return { resolutionMs: 60_000, valueAt: (at) => (linkUpAt(outpost, at) ? 1 : 0) };
  if (metricName !== "AvailableInstanceType_Count" || dims.size !== 2) return undefined;
  const type = outpost.instanceTypes.find((t) => t.instanceType === dims.get("InstanceType"));
  if (type === undefined) return undefined;
  return {
    resolutionMs: 300_000,
    valueAt: (at) =>
      linkUpAt(outpost, at)
        ? (freeSlots(c.state, outpost.arn, type.instanceType, at) ?? undefined)
        : undefined,
  };
}

function aggregate(values: readonly number[], stat: unknown): number {
  const sum = values.reduce((a, b) => a + b, 0);
  if (stat === "Maximum") return Math.max(...values);
  if (stat === "Minimum") return Math.min(...values);
  if (stat === "Sum") return sum;
  if (stat === "SampleCount") return values.length;
  return sum / values.length;
}

/** One datapoint per period that contains a publication time already past; none when nothing was published. */
function datapoints(
  series: PublishedSeries,
  window: { start: number; end: number; now: number; periodMs: number },
  stat: unknown,
): { at: number; value: number }[] {
  const { start, end, now, periodMs } = window;
  const out: { at: number; value: number }[] = [];
  const r = series.resolutionMs;
  for (let t = Math.floor(start / periodMs) * periodMs; t < end; t += periodMs) {
    const values: number[] = [];
    for (let at = Math.ceil(t / r) * r; at < t + periodMs && at <= now; at += r) {
      const v = series.valueAt(at);
      if (v !== undefined) values.push(v);
    }
    if (values.length > 0) out.push({ at: t, value: aggregate(values, stat) });
  }
  return out;
}

function getMetricData(c: OpContext, p: Params): GetMetricDataOutput {
  const queries = (p.objList("MetricDataQueries") ?? []) as MetricQuery[];
  if (queries.length === 0) throw queryParamErrors.missing("MetricDataQueries");
  if (queries.length > 500) {
    throw awsError(
      "InvalidParameterValue",
      "The collection MetricDataQueries must not have a size greater than 500.",
    );
  }
  const now = c.nowMs();
  const end = p.date("EndTime")?.getTime() ?? now;
  const start = p.date("StartTime")?.getTime() ?? end - 3 * 3600_000;
  const ascending = p.str("ScanBy") === "TimestampAscending";
  const results = queries.map((q): MetricDataResult => {
    const metric = q.MetricStat?.Metric;
    const dims = new Map(
      (metric?.Dimensions ?? []).map((d) => [String(d.Name ?? ""), String(d.Value ?? "")] as const),
    );
    const base: MetricDataResult = {
      Id: String(q.Id ?? ""),
      Label: typeof q.Label === "string" ? q.Label : String(metric?.MetricName ?? q.Id ?? ""),
      Timestamps: [],
      Values: [],
      StatusCode: "Complete",
    };
    const period = Number(q.MetricStat?.Period ?? 300);
    const series =
      metric?.Namespace === "AWS/Outposts" ? outpostsSeries(c, metric.MetricName, dims) : undefined;
    if (series === undefined || !(period > 0)) return base;
    const points = datapoints(series, { start, end, now, periodMs: period * 1000 }, q.MetricStat?.Stat);
    if (!ascending) points.reverse();
    return { ...base, Timestamps: points.map((pt) => new Date(pt.at)), Values: points.map((pt) => pt.value) };
  });
  return { MetricDataResults: results, Messages: [] };
}

export const metricDataModel: ServiceModel = { GetMetricData: getMetricData };
