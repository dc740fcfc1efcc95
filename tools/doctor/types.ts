/**
 * The contract of `npm run doctor` (issue 13): a check reads the account with read-only calls and returns
 * findings; the runner (tools/doctor/run.ts) prints them and exits 1 when any is an error. The same checks
 * run against a fixture (served by the simulated account on loopback) and a real account.
 */
import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { DirectConnectClient } from "@aws-sdk/client-direct-connect";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { OutpostsClient } from "@aws-sdk/client-outposts";
import type { StageConfig } from "../../functions/config";
import type { Capability } from "../../functions/index";

/** `error`: the capability would fail or cut traffic; `warning`: it would work worse than it should. */
export type Severity = "error" | "warning" | "info";

export interface Finding {
  /** The check's id, e.g. `eni-reattach/heartbeat-timeout`. */
  check: string;
  capability: Capability | "common";
  severity: Severity;
  /** The resource the finding is about (instance id, group name, route table id…), when there is one. */
  resource?: string;
  /** What is wrong, in the operator's words. */
  message: string;
  /** What to do about it: a console step, a CLI command or a configuration change. */
  fix: string;
  /** The AWS documentation the check relies on (URL or title). */
  source?: string;
  /**
   * The check could not read the account (a denied or failed read): the doctor's own limit, never a
   * readiness verdict (safety rule 7). Such a run ends INCOMPLETE (exit 3) unless it found real errors.
   */
  unchecked?: true;
}

export interface DoctorClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  cloudWatch: CloudWatchClient;
  directConnect: DirectConnectClient;
  outposts: OutpostsClient;
}

export interface DoctorContext {
  region: string;
  stage: string;
  /** The validated stage configuration (config/<stage>.json). */
  config: StageConfig;
  clients: DoctorClients;
  /** Each deployed function's timeout in seconds (serverless.yml), by registry name (functions/index.ts). */
  functionTimeouts: Readonly<Record<string, number>>;
}

export interface Check {
  /** `<capability>/<name>`, stable: tests and operators refer to it. */
  id: string;
  capability: Capability | "common";
  /** One line: what the check makes sure of. */
  title: string;
  /** The read-only IAM actions the check calls; `--print-policy` is their union. */
  iamActions: readonly string[];
  /** Read-only calls only. Returns no finding when all is well. */
  run(ctx: DoctorContext): Promise<Finding[]>;
}
