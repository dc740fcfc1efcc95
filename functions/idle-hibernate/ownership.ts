import { type CloudWatchClient, ListTagsForResourceCommand } from "@aws-sdk/client-cloudwatch";
import { awsCall } from "../../shared/aws/errors";

/** Tag on every alarm the toolkit creates: only alarms carrying it are updated, deleted or acted on. */
export const MANAGED_TAG = { key: "ops:managed-by", value: "ops-toolkit" } as const;

/**
 * Whether the alarm carries the ownership tag (ListTagsForResource: DescribeAlarms shows no tags). A name
 * under the prefix proves nothing: `cloudwatch:PutMetricAlarm` is granted far more widely than
 * `ec2:StopInstances`.
 */
export const isManagedAlarm = async (cloudWatch: CloudWatchClient, alarmArn: string): Promise<boolean> => {
  const tags = await awsCall("monitoring", "ListTagsForResource", () =>
    cloudWatch.send(new ListTagsForResourceCommand({ ResourceARN: alarmArn })),
  );
  return (tags.Tags ?? []).some((tag) => tag.Key === MANAGED_TAG.key && tag.Value === MANAGED_TAG.value);
};
