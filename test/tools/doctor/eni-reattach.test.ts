import { describe, expect, it } from "vitest";
import { EniReattachGroupSchema } from "../../../functions/eni-reattach/config";
import { heartbeatFindings } from "../../../tools/doctor/checks/eni-reattach/hooks";

/** The pure judgement of our hooks' heartbeat timeouts (eni-reattach/heartbeat-timeout), without an account. */

const group = EniReattachGroupSchema.parse({
  name: "fw",
  hookNames: ["launch", "terminate"],
  expectedInterfaces: 1,
  allowedVpcIds: ["vpc-0f0e0d0c0b0a00002"],
});
const hook = (name: string, heartbeatTimeoutSeconds: number) => ({
  name,
  transition: "autoscaling:EC2_INSTANCE_LAUNCHING",
  heartbeatTimeoutSeconds,
  defaultResult: "CONTINUE",
});
const policy = { detachTimeoutMs: 600_000, attachTimeoutMs: 300_000 };

describe("heartbeatFindings", () => {
  it("without the deployed function's timeout, compares with the bounded detach and attach waits", () => {
    const findings = heartbeatFindings(group, [hook("launch", 700), hook("terminate", 900)], { policy });
    expect(findings.map((f) => [f.severity, f.resource])).toEqual([["warning", "fw/launch"]]);
    expect(findings[0]?.message).toContain("900 s, its waits alone");
  });

  it("with it, compares with the function's timeout; other systems' hooks are not judged here", () => {
    const findings = heartbeatFindings(group, [hook("launch", 700), hook("other", 30)], {
      policy,
      functionTimeoutSeconds: 650,
    });
    expect(findings).toEqual([]);
  });
});
