/**
 * Stop protection (`disableApiStop`) on an opted-in instance: StopInstances, hibernation included, answers
 * OperationNotPermitted, so every idle hibernation of it fails (reported failed, never forced). Only
 * DescribeInstanceAttribute shows it (one call per instance).
 */
import { DescribeInstanceAttributeCommand } from "@aws-sdk/client-ec2";
import type { Check, Finding } from "../../types";
import { findingOf } from "../support";
import { isCandidate } from "./instances";
import { IDLE_READS, optedInInstances } from "./observe";

const STOP_PROTECTION_SOURCE =
  "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Stop_Start.html#Using_StopProtection (EC2 User Guide, Enable stop protection for your EC2 instances; API DescribeInstanceAttribute disableApiStop)";

const stopProtection: Check = {
  id: "idle-hibernate/stop-protection",
  capability: "idle-hibernate",
  title: "No opted-in instance has stop protection (disableApiStop), which refuses every hibernation",
  iamActions: [...IDLE_READS, "ec2:DescribeInstanceAttribute"],
  run: async (ctx) => {
    const policy = ctx.config.idleHibernate;
    const candidates = (await optedInInstances(ctx)).filter(
      ({ view }) => isCandidate(view, policy) && view.state !== "stopped",
    );
    const findings: Finding[] = [];
    for (const { view } of candidates) {
      const out = await ctx.clients.ec2.send(
        new DescribeInstanceAttributeCommand({ InstanceId: view.id, Attribute: "disableApiStop" }),
      );
      if (out.DisableApiStop?.Value !== true) continue;
      findings.push(
        findingOf(stopProtection, "warning", {
          resource: view.id,
          message:
            "opted in, but stop protection (disableApiStop) is on: every hibernation request is refused (OperationNotPermitted) and reported failed",
          fix: `aws ec2 modify-instance-attribute --instance-id ${view.id} --no-disable-api-stop, or remove the opt-in tag if the protection is wanted.`,
          source: STOP_PROTECTION_SOURCE,
        }),
      );
    }
    return findings;
  },
};

export const STOP_PROTECTION_CHECKS: readonly Check[] = [stopProtection];
