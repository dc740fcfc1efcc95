import { describe, expect, it } from "vitest";
import { parseStageConfig } from "../../../functions/config";
import { ConfigurationError } from "../../../shared/runtime/errors";

/** The vfxtIpMove section of the configuration (functions/vfxt-ip-move/config.ts). */

const issuesOf = (input: unknown): string[] => {
  try {
    parseStageConfig(input, "config/x.json");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).context.issues;
  }
  return [];
};

describe("vfxtIpMove configuration", () => {
  it("safe defaults: no cluster (nothing is touched), rebalance off, bounded moves", () => {
    const { vfxtIpMove } = parseStageConfig({}, "test");
    expect(vfxtIpMove).toEqual({
      clusterTagKey: "ops:vfxt-cluster",
      statusAlarmPrefix: "ops-vfxt-status-",
      clusters: [],
      maxAddressesPerInvocation: 64,
      verifyTimeoutMs: 5000,
    });
    const one = parseStageConfig({ vfxtIpMove: { clusters: [{ name: "c", addresses: ["10.0.0.5"] }] } }, "t");
    expect(one.vfxtIpMove.clusters).toEqual([
      { name: "c", addresses: ["10.0.0.5"], routeTableIds: [], rebalance: false },
    ]);
  });

  it("accepts addresses and /24–/32 ranges", () => {
    expect(
      issuesOf({
        vfxtIpMove: {
          clusters: [{ name: "c", addresses: ["10.0.0.5", "10.0.1.96/28", "10.0.2.0/24", "10.9.9.9/32"] }],
        },
      }),
    ).toEqual([]);
  });

  it.each([
    ["a range with host bits set", ["10.0.1.97/28"], /no host bits/],
    ["a range wider than /24", ["10.0.0.0/23"], /IPv4 address or a CIDR/],
    ["not an address", ["10.0.0.256"], /IPv4 address or a CIDR/],
  ])("rejects %s", (_case, addresses, pattern) => {
    const issues = issuesOf({ vfxtIpMove: { clusters: [{ name: "c", addresses }] } });
    expect(issues).toEqual([expect.stringMatching(/^vfxtIpMove\.clusters\.0\.addresses\.0: /)]);
    expect(issues[0]).toMatch(pattern);
  });

  it("rejects duplicate cluster names, no addresses, malformed route tables", () => {
    const issues = issuesOf({
      vfxtIpMove: {
        clusters: [
          { name: "c", addresses: ["10.0.0.5"] },
          { name: "c", addresses: [], routeTableIds: ["rtb-xyz"] },
        ],
      },
    });
    expect(issues).toEqual([
      expect.stringMatching(/^vfxtIpMove\.clusters\.1\.addresses: Too small/),
      expect.stringMatching(/^vfxtIpMove\.clusters\.1\.routeTableIds\.0: /),
      expect.stringMatching(/cluster names must be unique/),
    ]);
  });
});
