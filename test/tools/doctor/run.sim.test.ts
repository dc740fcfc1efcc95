import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import type { Check } from "../../../tools/doctor/types";
import { demoConfig, demoFixture, doctorOn } from "./support";

const check = (id: string, run: Check["run"]): Check => ({
  id,
  capability: "common",
  title: `check ${id}`,
  iamActions: ["ec2:DescribeInstances"],
  run,
});

const describesInstances = check("common/reads-instances", async (ctx) => {
  const out = await ctx.clients.ec2.send(new DescribeInstancesCommand({}));
  const count = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).length;
  return [
    {
      check: "common/reads-instances",
      capability: "common",
      severity: "info",
      message: `${count}`,
      fix: "-",
    },
  ];
});

describe("runDoctor on a fixture served by the simulated account", () => {
  it("reads the fixture through the SDK clients of the context", async () => {
    const findings = await doctorOn(demoFixture(), demoConfig(), [describesInstances]);
    expect(findings).toHaveLength(1);
    expect(Number(findings[0]?.message)).toBe(demoFixture().instances.length);
  });

  it("turns a check that throws into an error finding naming it, and runs the next check", async () => {
    const broken = check("common/broken", async () => {
      throw new Error("boom");
    });
    const findings = await doctorOn(demoFixture(), demoConfig(), [broken, describesInstances]);
    expect(findings[0]).toMatchObject({ check: "common/broken", severity: "error", capability: "common" });
    expect(findings[0]?.message).toContain("boom");
    expect(findings[1]?.check).toBe("common/reads-instances");
  });

  it("names the IAM action that was denied", async () => {
    const findings = await doctorOn(demoFixture(), demoConfig(), [describesInstances], {
      prepare: (account) =>
        account.faults.add({
          service: "ec2",
          operation: "DescribeInstances",
          error: { code: "UnauthorizedOperation", httpStatus: 403 },
        }),
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: "common/reads-instances", severity: "error" });
    expect(findings[0]?.message).toContain("ec2:DescribeInstances");
    expect(findings[0]?.message).toContain("UnauthorizedOperation");
    expect(findings[0]?.fix).toContain("ec2:DescribeInstances");
  });
});
