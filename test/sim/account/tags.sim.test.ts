import { describe, expect, it } from "vitest";
import type { SimulatedAccount } from "../../../sim";
import { DX, dxAccount } from "./dx-fixture";
import { awsError, ec2 } from "./helpers";

const tagsOf = async (a: SimulatedAccount, id: string) =>
  (
    await ec2<{ Tags?: { Key: string; Value: string }[] }>(a, "DescribeTags", {
      Filters: [{ Name: "resource-id", Values: [id] }],
    })
  ).Tags?.map((t) => t.Key) ?? [];

const tag = (Key: string, Value = "v") => ({ Key, Value });

describe("tag limits on route tables (EC2 User Guide, Tag restrictions)", () => {
  it("allows 50 user tags; the 51st → TagLimitExceeded for the whole call; aws: tags do not count", async () => {
    const a = dxAccount();
    a.state().routeTables.get(DX.prodA)?.tags.set("aws:cloudformation:stack-name", "net");
    const fifty = Array.from({ length: 50 }, (_, i) => tag(`k${i}`));
    await ec2(a, "CreateTags", { Resources: [DX.prodA], Tags: fifty.slice(0, 49) });
    const e = await awsError(
      ec2(a, "CreateTags", { Resources: [DX.prodB, DX.prodA], Tags: [tag("k49"), tag("k50")] }),
      "TagLimitExceeded",
      400,
    );
    expect(e.message).toMatch(/maximum number of Tags/);
    expect(await tagsOf(a, DX.prodB)).toEqual([]); // nothing written anywhere
    await ec2(a, "CreateTags", { Resources: [DX.prodA], Tags: [tag("k49")] });
    expect(await tagsOf(a, DX.prodA)).toHaveLength(51); // 50 + the aws: one
    await ec2(a, "CreateTags", { Resources: [DX.prodA], Tags: [tag("k0", "rewritten")] }); // same key: no new tag
  });

  it("counts lengths in Unicode characters: a 128-character key and a 256-character value pass, one more fails", async () => {
    const a = dxAccount();
    const emoji = "😀"; // one character, two UTF-16 units
    await ec2(a, "CreateTags", { Resources: [DX.prodA], Tags: [tag(emoji.repeat(128), emoji.repeat(256))] });
    await awsError(
      ec2(a, "CreateTags", { Resources: [DX.prodA], Tags: [tag("k".repeat(129))] }),
      "InvalidParameterValue",
    );
    await awsError(
      ec2(a, "CreateTags", { Resources: [DX.prodA], Tags: [tag("k", "v".repeat(257))] }),
      "InvalidParameterValue",
    );
  });
});

describe("tag policies in enforcement mode (AWS Organizations; aws-cli#8538)", () => {
  const policed = () =>
    dxAccount({
      tagPolicies: [
        { key: "ops:Owner", allowedValues: ["dx-failover", "team-*"], enforcedFor: ["ec2:route-table"] },
        { key: "CostCenter" },
      ],
    });

  it("refuses a non-compliant value with UnauthorizedOperation (403) and an encoded message; writes nothing", async () => {
    const a = policed();
    const e = await awsError(
      ec2(a, "CreateTags", { Resources: [DX.prodA], Tags: [tag("other"), tag("ops:Owner", "someone")] }),
      "UnauthorizedOperation",
      403,
    );
    expect(e.message).toMatch(
      /^You are not authorized to perform this operation\. Encoded authorization failure message: \S+$/,
    );
    expect(await tagsOf(a, DX.prodA)).toEqual([]);
    await ec2(a, "CreateTags", { Resources: [DX.prodA], Tags: [tag("ops:Owner", "team-net")] });
    await ec2(a, "CreateTags", { Resources: [DX.prodA], Tags: [tag("ops:Owner", "dx-failover")] });
  });

  it("refuses a policy key written with another capitalization; keys no policy names are free", async () => {
    const a = policed();
    await awsError(
      ec2(a, "CreateTags", { Resources: [DX.prodA], Tags: [tag("costcenter", "1")] }),
      "UnauthorizedOperation",
    );
    await ec2(a, "CreateTags", {
      Resources: [DX.prodA],
      Tags: [tag("CostCenter", "1"), tag("anything", "x")],
    });
  });

  it("enforces only on the listed resource types, also under DryRun", async () => {
    const a = policed();
    await ec2(a, "CreateTags", { Resources: [DX.applianceEni], Tags: [tag("ops:Owner", "someone")] });
    await awsError(
      ec2(a, "CreateTags", { Resources: [DX.prodA], Tags: [tag("ops:Owner", "someone")], DryRun: true }),
      "UnauthorizedOperation",
    );
    await awsError(
      ec2(a, "CreateTags", { Resources: [DX.prodA], Tags: [tag("ops:Owner", "dx-failover")], DryRun: true }),
      "DryRunOperation",
    );
  });

  it("is set mid-scenario with PUT /__sim/tag-policies", async () => {
    const a = dxAccount();
    await ec2(a, "CreateTags", { Resources: [DX.prodA], Tags: [tag("ops:x", "1")] });
    const r = await a.control("PUT", "/__sim/tag-policies", {
      policies: [{ key: "ops:x", allowedValues: ["2"], enforcedFor: ["ec2:ALL_SUPPORTED"] }],
    });
    expect(r).toEqual({
      status: 200,
      body: { policies: [{ key: "ops:x", allowedValues: ["2"], enforcedFor: ["ec2:ALL_SUPPORTED"] }] },
    });
    await awsError(
      ec2(a, "CreateTags", { Resources: [DX.prodA], Tags: [tag("ops:x", "1")] }),
      "UnauthorizedOperation",
    );
    await a.control("PUT", "/__sim/tag-policies", { policies: [] });
    await ec2(a, "CreateTags", { Resources: [DX.prodA], Tags: [tag("ops:x", "1")] });
    expect((await a.control("PUT", "/__sim/tag-policies", { policies: [{ key: "" }] })).status).toBe(400);
  });
});

describe("throttling CreateTags apart from the route writes (fault injection per operation)", () => {
  it("a RequestLimitExceeded fault on CreateTags leaves CreateRoute untouched", async () => {
    const a = dxAccount();
    a.faults.add({ service: "ec2", operation: "CreateTags", error: { code: "RequestLimitExceeded" } });
    await awsError(
      ec2(a, "CreateTags", { Resources: [DX.prodA], Tags: [tag("ops:x")] }),
      "RequestLimitExceeded",
      503,
    );
    await ec2(a, "CreateRoute", {
      RouteTableId: DX.prodA,
      DestinationCidrBlock: "10.250.0.0/24",
      NetworkInterfaceId: DX.applianceEni,
    });
    expect(await tagsOf(a, DX.prodA)).toEqual([]);
  });
});
