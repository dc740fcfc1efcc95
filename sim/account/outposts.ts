/**
 * Outposts (restJson): GetOutpost and GetOutpostInstanceTypes (paginated), and the `AWS/Outposts`
 * `AvailableInstanceType_Count` metric answered by CloudWatch GetMetricData (issue 4).
 *
 * GetMetricData answers every query: `AWS/Outposts` `AvailableInstanceType_Count` (dimensions
 * `OutpostId`, `InstanceType`) from the fixture's `outposts[].instanceTypes[].availableCount`, one
 * datapoint per period at the end time; any other metric has no datapoints (`StatusCode: Complete`,
 * empty `Values`), as CloudWatch answers for a metric nobody publishes.
 */
import type { GetMetricDataOutput, MetricDataResult } from "@aws-sdk/client-cloudwatch";
import type {
  GetOutpostInstanceTypesOutput,
  GetOutpostOutput,
  InstanceTypeItem,
} from "@aws-sdk/client-outposts";
import type { OpContext, ServiceModel } from "./context";
import { awsError, queryParamErrors } from "./errors";
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
// CloudWatch GetMetricData

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
  };
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
  const end = p.date("EndTime") ?? new Date(c.nowMs());
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
    if (metric?.Namespace !== "AWS/Outposts" || metric.MetricName !== "AvailableInstanceType_Count")
      return base;
    const outpost = c.state.outposts.get(dims.get("OutpostId") ?? "");
    const type = outpost?.instanceTypes.find((t) => t.instanceType === dims.get("InstanceType"));
    if (type === undefined) return base;
    return { ...base, Timestamps: [end], Values: [type.availableCount] };
  });
  return { MetricDataResults: results, Messages: [] };
}

export const metricDataModel: ServiceModel = { GetMetricData: getMetricData };
