import {
  type CloudWatchClient,
  type CompositeAlarm,
  ListTagsForResourceCommand,
  type MetricAlarm,
  paginateDescribeAlarms,
  type Tag,
} from "@aws-sdk/client-cloudwatch";

export interface AlarmsRead {
  metricAlarms: MetricAlarm[];
  compositeAlarms: CompositeAlarm[];
  /** By alarm ARN (ListTagsForResource: one call per alarm; DescribeAlarms shows no tags). */
  tags: Map<string, Tag[]>;
}

/** DescribeAlarms MaxRecords: 1–100. */
const PAGE = 100;

/** Metric and composite alarms whose names start with one of the prefixes (`undefined`: all), with their tags. */
export const readAlarms = async (
  client: CloudWatchClient,
  prefixes: readonly string[] | undefined,
): Promise<AlarmsRead> => {
  const metric = new Map<string, MetricAlarm>();
  const composite = new Map<string, CompositeAlarm>();
  for (const prefix of prefixes ?? [undefined]) {
    const pages = paginateDescribeAlarms(
      { client, pageSize: PAGE },
      { AlarmNamePrefix: prefix, AlarmTypes: ["MetricAlarm", "CompositeAlarm"] },
    );
    for await (const page of pages) {
      for (const a of page.MetricAlarms ?? []) metric.set(a.AlarmName ?? "", a);
      for (const a of page.CompositeAlarms ?? []) composite.set(a.AlarmName ?? "", a);
    }
  }
  const tags = new Map<string, Tag[]>();
  for (const arn of [...metric.values(), ...composite.values()].map((a) => a.AlarmArn)) {
    if (arn === undefined) continue;
    const answer = await client.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
    tags.set(arn, answer.Tags ?? []);
  }
  return { metricAlarms: [...metric.values()], compositeAlarms: [...composite.values()], tags };
};
