import type { Logger } from "@aws-lambda-powertools/logger";
import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { Deadline } from "../../../../shared/runtime/deadline";
import type { EniReattachConfig } from "../../config";
import type { Heartbeat } from "./heartbeat";

/** What the executors of one lifecycle action (or repair) share. */
export interface ApplyDeps {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  deadline: Deadline;
  policy: EniReattachConfig;
  heartbeat: Heartbeat;
  logger: Logger;
}
