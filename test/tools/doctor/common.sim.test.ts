import { describe, expect, it } from "vitest";
import { COMMON_CHECKS } from "../../../tools/doctor/checks/common";
import { demoConfig, demoFixture, doctorOn, findingsOf } from "./support";

describe("common checks", () => {
  it("the demo configuration in the demo account: nothing to say", async () => {
    expect(await doctorOn(demoFixture(), demoConfig(), COMMON_CHECKS)).toEqual([]);
  });

  it("a mode that changes nothing is said as information", async () => {
    const config = demoConfig();
    config.mode = "dry-run";
    expect(findingsOf(await doctorOn(demoFixture(), config, COMMON_CHECKS), "common/config")).toMatchObject([
      { severity: "info", resource: "mode", message: expect.stringContaining("dry-run") },
    ]);
  });

  it("an alarm action in another Region, an agent role in another partition: errors", async () => {
    const config = demoConfig();
    (config.idleHibernate.alarm as { alarmActions: string[] }).alarmActions = [
      "arn:aws:sns:eu-west-1:123456789012:idle",
    ];
    config.dxFailover.agentRoleArns = ["arn:aws-cn:iam::123456789012:role/agent"];
    const findings = findingsOf(await doctorOn(demoFixture(), config, COMMON_CHECKS), "common/region");
    expect(findings.map((f) => [f.severity, f.resource])).toEqual([
      ["error", "idleHibernate.alarm.alarmActions"],
      ["error", "dxFailover.agentRoleArns"],
    ]);
    expect(findings[0]?.message).toContain("eu-west-1, not us-east-1");
    expect(findings[1]?.message).toContain("partition aws-cn");
  });

  it("an action-events bus given by the ARN of another Region: an error", async () => {
    const config = demoConfig();
    (config.actionEvents as { eventBusName: string }).eventBusName =
      "arn:aws:events:eu-west-1:123456789012:event-bus/ops";
    expect(findingsOf(await doctorOn(demoFixture(), config, COMMON_CHECKS), "common/region")).toMatchObject([
      { severity: "error", resource: "actionEvents.eventBusName" },
    ]);
  });
});
