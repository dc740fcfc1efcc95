import type { EC2Client } from "@aws-sdk/client-ec2";
import type { Deadline } from "../../../shared/runtime/deadline";

export interface ExecutorDeps {
  ec2: EC2Client;
  deadline: Deadline;
  verifyTimeoutMs: number;
}
