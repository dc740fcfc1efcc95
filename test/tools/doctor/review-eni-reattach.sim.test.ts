import { describe, expect, it } from "vitest";
import { ENI_REATTACH_CHECKS } from "../../../tools/doctor/checks/eni-reattach";
import { autoScalingGroupOf } from "../../support/fixtures";
import { demoConfig, demoFixture, doctorOn, findingsOf } from "./support";

/**
 * Review of `npm run doctor` (/work/notes/review-doctor.md), the eni-reattach checks
 * (tools/doctor/checks/eni-reattach*: another helper's files).
 */

describe("review: eni-reattach/replacement-order health check types", () => {
  it("review: an EBS health check (instance-level, no data plane) is not warned about, as the check's own table says (EC2 and EBS are fine)", async () => {
    const fixture = demoFixture();
    autoScalingGroupOf(fixture, "fw-asg").healthCheckType = "EBS";
    const checks = ENI_REATTACH_CHECKS.filter((c) => c.id === "eni-reattach/replacement-order");
    const findings = findingsOf(
      await doctorOn(fixture, demoConfig(), checks),
      "eni-reattach/replacement-order",
    );
    expect(
      findings.filter((f) => f.source?.includes("health-checks")),
      JSON.stringify(findings, null, 1),
    ).toEqual([]);
  });
});
