/**
 * Loaders for ENI attachments, instance-type network limits, Auto Scaling membership and lifecycle
 * hooks, and Outposts capacity (eni-reattach). Fresh reads, paginated and filtered server-side.
 */
import {
  type AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import {
  DescribeNetworkInterfacesCommand,
  type EC2Client,
  type Filter,
  type NetworkInterface,
} from "@aws-sdk/client-ec2";
import {
  GetOutpostCommand,
  GetOutpostInstanceTypesCommand,
  type OutpostsClient,
} from "@aws-sdk/client-outposts";
import { awsCall } from "../aws/errors";
import { chunks, describeInstanceTypes } from "./loaders";

export type AttachmentStatus = "attaching" | "attached" | "detaching" | "detached";

export interface EniAttachmentView {
  attachmentId: string;
  instanceId: string;
  deviceIndex: number;
  networkCardIndex: number;
  status: AttachmentStatus;
  deleteOnTermination: boolean;
}

export interface EniView {
  id: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  outpostArn?: string;
  /** `available`, `in-use`, `attaching`, `detaching`… as DescribeNetworkInterfaces says. */
  status: string;
  sourceDestCheck: boolean;
  tags: Readonly<Record<string, string>>;
  attachment?: EniAttachmentView;
}

const toEniView = (n: NetworkInterface): EniView => {
  const a = n.Attachment;
  const view: EniView = {
    id: n.NetworkInterfaceId ?? "",
    subnetId: n.SubnetId ?? "",
    vpcId: n.VpcId ?? "",
    availabilityZone: n.AvailabilityZone ?? "",
    status: n.Status ?? "unknown",
    sourceDestCheck: n.SourceDestCheck ?? true,
    tags: Object.fromEntries(
      (n.TagSet ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key, t.Value ?? ""]),
    ),
  };
  if (n.OutpostArn !== undefined) view.outpostArn = n.OutpostArn;
  if (a?.AttachmentId !== undefined && a.InstanceId !== undefined) {
    view.attachment = {
      attachmentId: a.AttachmentId,
      instanceId: a.InstanceId,
      deviceIndex: a.DeviceIndex ?? 0,
      networkCardIndex: a.NetworkCardIndex ?? 0,
      status: (a.Status ?? "attached") as AttachmentStatus,
      deleteOnTermination: a.DeleteOnTermination ?? false,
    };
  }
  return view;
};

const describeEnis = async (ec2: EC2Client, filters: Filter[], ids?: string[]): Promise<EniView[]> => {
  const out: EniView[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall("ec2", "DescribeNetworkInterfaces", () =>
      ec2.send(
        new DescribeNetworkInterfacesCommand(
          ids !== undefined
            ? { NetworkInterfaceIds: ids, Filters: filters.length > 0 ? filters : undefined }
            : { Filters: filters, MaxResults: 1000, NextToken: nextToken },
        ),
      ),
    );
    out.push(...(page.NetworkInterfaces ?? []).map(toEniView));
    nextToken = ids === undefined ? page.NextToken : undefined;
  } while (nextToken);
  return out;
};

/** ENIs tagged `<tagKey>=<group>/…` (one group) or carrying the tag key at all (every group). */
export const loadTaggedEnis = (ec2: EC2Client, tagKey: string, group?: string): Promise<EniView[]> =>
  describeEnis(
    ec2,
    group === undefined
      ? [{ Name: "tag-key", Values: [tagKey] }]
      : [{ Name: `tag:${tagKey}`, Values: [`${group}/*`] }],
  );

/** ENIs by id; ids that no longer exist are simply absent (one call per id only when one is missing). */
export const loadEnis = async (ec2: EC2Client, ids: readonly string[]): Promise<EniView[]> => {
  if (ids.length === 0) return [];
  const out: EniView[] = [];
  for (const chunk of chunks([...new Set(ids)], 200)) {
    // A filter (not NetworkInterfaceIds) so that a deleted ENI is absent instead of failing the call.
    out.push(...(await describeEnis(ec2, [{ Name: "network-interface-id", Values: chunk }])));
  }
  return out;
};

export interface NetworkLimits {
  instanceType: string;
  maximumNetworkInterfaces: number;
  /** Per network card; one card (index 0) when the type does not list cards. */
  cards: { index: number; maximumNetworkInterfaces: number }[];
}

/** The types' network limits; a type the Region does not know is absent (shared/observe/loaders.ts). */
export const loadNetworkLimits = async (
  ec2: EC2Client,
  types: readonly string[],
): Promise<Map<string, NetworkLimits>> => {
  const out = new Map<string, NetworkLimits>();
  if (types.length === 0) return out;
  for (const [name, t] of await describeInstanceTypes(ec2, types)) {
    const max = t.NetworkInfo?.MaximumNetworkInterfaces ?? 1;
    const cards = (t.NetworkInfo?.NetworkCards ?? []).map((c) => ({
      index: c.NetworkCardIndex ?? 0,
      maximumNetworkInterfaces: c.MaximumNetworkInterfaces ?? max,
    }));
    out.set(name, {
      instanceType: name,
      maximumNetworkInterfaces: max,
      cards: cards.length > 0 ? cards : [{ index: 0, maximumNetworkInterfaces: max }],
    });
  }
  return out;
};

export interface AsgMemberView {
  instanceId: string;
  groupName: string;
  lifecycleState: string;
  healthStatus: string;
}

/** Auto Scaling's view of these instances; an instance in no group is absent. */
export const loadAsgMembers = async (
  autoScaling: AutoScalingClient,
  instanceIds: readonly string[],
): Promise<Map<string, AsgMemberView>> => {
  const out = new Map<string, AsgMemberView>();
  for (const chunk of chunks([...new Set(instanceIds)], 50)) {
    const page = await awsCall("autoscaling", "DescribeAutoScalingInstances", () =>
      autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: chunk })),
    );
    for (const i of page.AutoScalingInstances ?? []) {
      if (i.InstanceId === undefined) continue;
      out.set(i.InstanceId, {
        instanceId: i.InstanceId,
        groupName: i.AutoScalingGroupName ?? "",
        lifecycleState: i.LifecycleState ?? "",
        healthStatus: i.HealthStatus ?? "",
      });
    }
  }
  return out;
};

export interface GroupView {
  name: string;
  arn: string;
  members: AsgMemberView[];
}

export const loadGroups = async (
  autoScaling: AutoScalingClient,
  names: readonly string[],
): Promise<GroupView[]> => {
  const out: GroupView[] = [];
  for (const chunk of chunks([...new Set(names)], 50)) {
    let nextToken: string | undefined;
    do {
      const page = await awsCall("autoscaling", "DescribeAutoScalingGroups", () =>
        autoScaling.send(
          new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: chunk, NextToken: nextToken }),
        ),
      );
      for (const g of page.AutoScalingGroups ?? []) {
        const name = g.AutoScalingGroupName ?? "";
        out.push({
          name,
          arn: g.AutoScalingGroupARN ?? "",
          members: (g.Instances ?? []).map((i) => ({
            instanceId: i.InstanceId ?? "",
            groupName: name,
            lifecycleState: i.LifecycleState ?? "",
            healthStatus: i.HealthStatus ?? "",
          })),
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return out;
};

export interface LifecycleHookView {
  name: string;
  transition: string;
  heartbeatTimeoutSeconds: number;
  defaultResult: string;
}

export const loadLifecycleHooks = async (
  autoScaling: AutoScalingClient,
  groupName: string,
): Promise<LifecycleHookView[]> => {
  const page = await awsCall("autoscaling", "DescribeLifecycleHooks", () =>
    autoScaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: groupName })),
  );
  return (page.LifecycleHooks ?? []).map((h) => ({
    name: h.LifecycleHookName ?? "",
    transition: h.LifecycleTransition ?? "",
    heartbeatTimeoutSeconds: h.HeartbeatTimeout ?? 3600,
    defaultResult: h.DefaultResult ?? "ABANDON",
  }));
};

// ---------------------------------------------------------------------------------------------
// Outposts capacity

export interface OutpostView {
  id: string;
  arn: string;
  lifeCycleStatus: string;
  availabilityZone: string;
  instanceTypes: string[];
}

export const loadOutpost = async (outposts: OutpostsClient, outpostId: string): Promise<OutpostView> => {
  const described = await awsCall("outposts", "GetOutpost", () =>
    outposts.send(new GetOutpostCommand({ OutpostId: outpostId })),
  );
  const types: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall("outposts", "GetOutpostInstanceTypes", () =>
      outposts.send(
        new GetOutpostInstanceTypesCommand({ OutpostId: outpostId, NextToken: nextToken, MaxResults: 100 }),
      ),
    );
    for (const t of page.InstanceTypes ?? []) if (t.InstanceType !== undefined) types.push(t.InstanceType);
    nextToken = page.NextToken;
  } while (nextToken);
  return {
    id: described.Outpost?.OutpostId ?? outpostId,
    arn: described.Outpost?.OutpostArn ?? "",
    lifeCycleStatus: described.Outpost?.LifeCycleStatus ?? "UNKNOWN",
    availabilityZone: described.Outpost?.AvailabilityZone ?? "",
    instanceTypes: types,
  };
};

/** GetMetricData accepts at most 500 queries per call. */
const METRIC_DATA_BATCH = 500;

/**
 * `AWS/Outposts` `AvailableInstanceType_Count` (dimensions OutpostId, InstanceType), the latest value
 * of the last `lookbackMinutes` per type; a type with no datapoint is absent from the map.
 */
export const loadAvailableCapacity = async (
  cloudWatch: CloudWatchClient,
  outpostId: string,
  instanceTypes: readonly string[],
  now: Date,
  lookbackMinutes = 15,
): Promise<Map<string, number>> => {
  const out = new Map<string, number>();
  const queries: MetricDataQuery[] = instanceTypes.map((type, index) => ({
    Id: `t${index}`,
    Label: type,
    MetricStat: {
      Metric: {
        Namespace: "AWS/Outposts",
        MetricName: "AvailableInstanceType_Count",
        Dimensions: [
          { Name: "OutpostId", Value: outpostId },
          { Name: "InstanceType", Value: type },
        ],
      },
      Period: 300,
      Stat: "Minimum",
    },
    ReturnData: true,
  }));
  for (const batch of chunks(queries, METRIC_DATA_BATCH)) {
    let nextToken: string | undefined;
    do {
      const page = await awsCall("monitoring", "GetMetricData", () =>
        cloudWatch.send(
          new GetMetricDataCommand({
            MetricDataQueries: batch,
            StartTime: new Date(now.getTime() - lookbackMinutes * 60_000),
            EndTime: now,
            ScanBy: "TimestampDescending",
            NextToken: nextToken,
          }),
        ),
      );
      for (const result of page.MetricDataResults ?? []) {
        const index = Number((result.Id ?? "").slice(1));
        const type = instanceTypes[index];
        const value = result.Values?.[0];
        if (type !== undefined && value !== undefined) out.set(type, value);
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return out;
};
