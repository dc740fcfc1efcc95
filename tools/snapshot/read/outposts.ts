import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import {
  GetOutpostCommand,
  type Outpost,
  type OutpostsClient,
  paginateGetOutpostInstanceTypes,
} from "@aws-sdk/client-outposts";
import { hasAwsCode } from "../../../shared/aws/errors";
import { loadAvailableCapacity } from "../../../shared/observe/attachments";

export interface OutpostRead {
  outpost: Outpost;
  instanceTypes: string[];
  /** `AvailableInstanceType_Count`, the latest value of the last 15 minutes per type (absent: no datapoint). */
  available: Map<string, number>;
}

/**
 * A subnet may name an Outpost this account cannot read (shared through AWS RAM, or gone): GetOutpost then
 * answers NotFoundException and the Outpost is left out (its subnets keep their OutpostArn).
 */
const getOutpost = async (outposts: OutpostsClient, id: string): Promise<Outpost | undefined> => {
  try {
    return (await outposts.send(new GetOutpostCommand({ OutpostId: id }))).Outpost ?? { OutpostId: id };
  } catch (error) {
    if (hasAwsCode(error, "NotFoundException")) return undefined;
    throw error;
  }
};

/** GetOutpost, GetOutpostInstanceTypes (MaxResults 1–1000) and the capacity metric, as eni-reattach reads them. */
export const readOutposts = async (
  outposts: OutpostsClient,
  cloudWatch: CloudWatchClient,
  ids: readonly string[],
  now: Date,
): Promise<OutpostRead[]> => {
  const out: OutpostRead[] = [];
  for (const id of ids) {
    const described = await getOutpost(outposts, id);
    if (described === undefined) continue;
    const instanceTypes: string[] = [];
    for await (const page of paginateGetOutpostInstanceTypes(
      { client: outposts, pageSize: 100 },
      { OutpostId: id },
    ))
      for (const t of page.InstanceTypes ?? [])
        if (t.InstanceType !== undefined) instanceTypes.push(t.InstanceType);
    const available = await loadAvailableCapacity(cloudWatch, id, instanceTypes, now);
    out.push({ outpost: described, instanceTypes, available });
  }
  return out;
};
