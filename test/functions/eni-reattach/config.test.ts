import { describe, expect, it } from "vitest";
import { EniReattachConfigSchema } from "../../../functions/eni-reattach/config";
import * as z from "../../../shared/runtime/zod";

/** The eniReattach section refuses, at package time and cold start, what would widen who may act. */

const group = (edit: Record<string, unknown> = {}) => ({
  name: "fw-asg",
  hookNames: ["fw-launch", "fw-terminate"],
  expectedInterfaces: 3,
  allowedSubnetIds: ["subnet-0f0e0d0c0b0a00021"],
  ...edit,
});
const problems = (section: unknown): string[] => {
  const parsed = z.safeParse(EniReattachConfigSchema, section);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("eniReattach configuration", () => {
  it("a complete group is accepted; no group at all too (then nothing is ever touched)", () => {
    expect(problems({ groups: [group()] })).toEqual([]);
    expect(problems({})).toEqual([]);
  });

  it("refuses a group without hookNames (every hook of the group would be ours) or with an empty list", () => {
    const { hookNames: _omitted, ...noHooks } = group();
    expect(problems({ groups: [noHooks] }).join("\n")).toMatch(/hookNames/);
    expect(problems({ groups: [group({ hookNames: [] })] }).join("\n")).toMatch(/hookNames/);
  });

  it("refuses a group without an allow-list (a tag alone enrols nothing) or without expectedInterfaces", () => {
    expect(problems({ groups: [group({ allowedSubnetIds: [] })] }).join("\n")).toMatch(/allow-list/);
    const { expectedInterfaces: _omitted, ...noSet } = group();
    expect(problems({ groups: [noSet] }).join("\n")).toMatch(/expectedInterfaces/);
  });

  it("refuses malformed allow-list ids, duplicate group names, a set above maxInterfacesPerGroup, a route index outside the set", () => {
    expect(problems({ groups: [group({ allowedEniIds: ["eni-zz"] })] })).not.toEqual([]);
    expect(problems({ groups: [group(), group()] }).join("\n")).toMatch(/unique/);
    expect(problems({ maxInterfacesPerGroup: 2, groups: [group()] }).join("\n")).toMatch(
      /maxInterfacesPerGroup/,
    );
    const route = {
      localGatewayRouteTableId: "lgw-rtb-0f0e0d0c0b0a00099",
      destinationCidrBlock: "10.0.0.0/16",
      deviceIndex: 4,
    };
    expect(problems({ groups: [group({ localGatewayRoutes: [route] })] }).join("\n")).toMatch(/deviceIndex/);
  });
});
