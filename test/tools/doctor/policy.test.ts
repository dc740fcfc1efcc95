import { describe, expect, it } from "vitest";
import { CHECKS } from "../../../tools/doctor/checks/index";
import { doctorPolicy, READ_ONLY_ACTION } from "../../../tools/doctor/policy";
import type { Check } from "../../../tools/doctor/types";

describe("the doctor's IAM policy", () => {
  const policy = doctorPolicy(CHECKS);
  const actions = policy.Statement.flatMap((s) => s.Action);

  it("is the union of every check's actions, each once", () => {
    expect(new Set(actions)).toEqual(new Set(CHECKS.flatMap((c) => c.iamActions)));
    expect(actions).toHaveLength(new Set(actions).size);
  });

  it("holds only read-only actions (Describe*, Get*, List*, Search*), on Resource *", () => {
    expect(actions.every((a) => /^[a-z0-9-]+:(Describe|Get|List|Search)[A-Za-z]+$/.test(a))).toBe(true);
    expect(policy.Statement.every((s) => s.Effect === "Allow" && s.Resource === "*")).toBe(true);
    expect(actions).toEqual(
      expect.arrayContaining(["ec2:DescribeVolumes", "directconnect:DescribeVirtualInterfaces"]),
    );
  });

  it("refuses a check that declares a write", () => {
    const writer: Check = { ...(CHECKS[0] as Check), iamActions: ["ec2:CreateRoute"] };
    expect(() => doctorPolicy([writer])).toThrow(/ec2:CreateRoute is not a read-only action/);
    expect(READ_ONLY_ACTION.test("ec2:DescribeInstances")).toBe(true);
  });

  it("every check has a stable id under its capability and a title", () => {
    expect(new Set(CHECKS.map((c) => c.id)).size).toBe(CHECKS.length);
    for (const check of CHECKS) {
      expect(check.id.startsWith(`${check.capability}/`)).toBe(true);
      expect(check.title.length).toBeGreaterThan(0);
    }
  });
});
