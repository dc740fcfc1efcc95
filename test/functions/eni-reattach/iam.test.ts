import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { parseStageConfig } from "../../../functions/config";
import { FUNCTIONS, iamActionsOf, NO_ENI_GROUP } from "../../../functions/index";
import { fwGroup } from "./support";

/** eni-reattach's IAM and rule, generated from the configuration (tools/serverless-config.cjs, functions/index.ts). */

interface Statement {
  Sid?: string;
  Action?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}
const helper = createRequire(import.meta.url)("../../../tools/serverless-config.cjs") as {
  resolveConfig(
    input: unknown,
    meta: { source: string },
  ): { eniReattach: { iamRoleStatements: Array<Statement | string>; lifecyclePattern: { detail: unknown } } };
  eniReattachAlarmResources(
    eni: unknown,
    service: string,
    stage: string,
  ): Record<string, { Properties: { AlarmName: string } }>;
};
const WRITES = /^(ec2:(Attach|Detach|Modify)|autoscaling:(Complete|Record))/;
const actionsOf = (statements: Array<Statement | string>) =>
  statements.flatMap((s) => (typeof s === "string" ? [] : [s.Action ?? []].flat()));
const registry = FUNCTIONS.find((f) => f.name === "eni-reattach");

describe("eni-reattach IAM and rule from the configuration", () => {
  it("no group configured: not one statement that changes anything, and a rule that matches no group", () => {
    const resolved = helper.resolveConfig({}, { source: "test" });
    expect(actionsOf(resolved.eniReattach.iamRoleStatements).filter((a) => WRITES.test(a))).toEqual([]);
    expect(resolved.eniReattach.lifecyclePattern.detail).toEqual({ AutoScalingGroupName: [NO_ENI_GROUP] });
    expect(
      registry && iamActionsOf(registry, parseStageConfig({}, "test")).filter((a) => WRITES.test(a)),
    ).toEqual([]);
  });

  it("a group with subnets and ENI ids allow-listed: one statement per allow-list kind, each also requiring the group's tag", () => {
    const input = { eniReattach: { groups: [fwGroup({ allowedEniIds: ["eni-0e1d2c3b4a5f60009"] })] } };
    const statements = helper.resolveConfig(input, { source: "test" }).eniReattach.iamRoleStatements;
    const sids = statements.flatMap((s) => (typeof s === "string" ? [] : [s.Sid]));
    expect(sids).toEqual([
      "ObserveFirewallGroups",
      "AllowListedEniIds",
      "AllowListedEniSubnets",
      "AttachToGroupInstancesOnly",
      "DetachFromHolders",
      "CompleteOwnGroupsLifecycleActions",
    ]);
    for (const s of statements.filter(
      (x): x is Statement => typeof x !== "string" && /^AllowListed/.test(x.Sid ?? ""),
    )) {
      expect(s.Condition?.StringLike).toEqual({ "aws:ResourceTag/ops:eni-attach": ["fw-asg/*"] });
    }
    // The shared statements, by reference (osls resolves them).
    const variable = (name: string) => ["$", "{self:custom.iamStatements.", name, "}"].join("");
    expect(statements.filter((s) => typeof s === "string")).toEqual([
      variable("actionEvents"),
      variable("failedEvents"),
      variable("tracing"),
    ]);
    const config = parseStageConfig(input, "test");
    expect(
      registry &&
        iamActionsOf(registry, config)
          .filter((a) => WRITES.test(a))
          .sort(),
    ).toEqual([
      "autoscaling:CompleteLifecycleAction",
      "autoscaling:RecordLifecycleActionHeartbeat",
      "ec2:AttachNetworkInterface",
      "ec2:DetachNetworkInterface",
      "ec2:ModifyNetworkInterfaceAttribute",
    ]);
  });

  it("alarms per group: three for every group, two more with an Outpost", () => {
    const config = parseStageConfig(
      { eniReattach: { groups: [fwGroup(), fwGroup({ name: "fw-b", outpostId: undefined })] } },
      "test",
    );
    const names = Object.values(
      helper.eniReattachAlarmResources(config.eniReattach, "ops-toolkit", "dev"),
    ).map((r) => r.Properties.AlarmName);
    expect(names).toEqual([
      "ops-toolkit-dev-eni-fw-asg-abandoned",
      "ops-toolkit-dev-eni-fw-asg-missing-interfaces",
      "ops-toolkit-dev-eni-fw-asg-configuration-errors",
      "ops-toolkit-dev-eni-fw-asg-capacity",
      "ops-toolkit-dev-eni-fw-asg-capacity-unknown",
      "ops-toolkit-dev-eni-fw-b-abandoned",
      "ops-toolkit-dev-eni-fw-b-missing-interfaces",
      "ops-toolkit-dev-eni-fw-b-configuration-errors",
    ]);
  });
});
