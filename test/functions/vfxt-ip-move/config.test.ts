import { describe, expect, it } from "vitest";
import { parseStageConfig } from "../../../functions/config";
import { EVENT_PATTERN_MAX_CHARS, nodeStatePattern } from "../../../functions/vfxt-ip-move/config";
import { ConfigurationError } from "../../../shared/runtime/errors";

/** The vfxtIpMove section of the configuration (functions/vfxt-ip-move/config.ts), checked before any run. */

const issuesOf = (input: unknown): string[] => {
  try {
    parseStageConfig(input, "config/x.json");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).context.issues;
  }
  return [];
};

const one = (cluster: Record<string, unknown>) => ({
  vfxtIpMove: { clusters: [{ name: "c", addresses: ["10.0.0.5"], ...cluster }] },
});

const instanceId = (k: number) => `i-0${k.toString(16).padStart(16, "0")}`;

describe("vfxtIpMove configuration", () => {
  it("safe defaults: no cluster (nothing is touched), a 60 s grace for the cluster, rebalance off, bounded moves", () => {
    const { vfxtIpMove } = parseStageConfig({}, "test");
    expect(vfxtIpMove).toEqual({
      clusterTagKey: "ops:vfxt-cluster",
      statusAlarmPrefix: "ops-vfxt-status-",
      clusters: [],
      maxAddressesPerInvocation: 64,
      verifyTimeoutMs: 5000,
    });
    expect(parseStageConfig(one({}), "t").vfxtIpMove.clusters).toEqual([
      {
        name: "c",
        addresses: ["10.0.0.5"],
        mode: "auto",
        routeTableIds: [],
        discoverRouteTables: false,
        graceSeconds: 60,
        remapSeconds: 5,
        bootGraceSeconds: 300,
        homeNodes: {},
        rebalance: false,
        reservation: "check",
        retiredAddresses: [],
        instanceIds: [],
      },
    ]);
  });

  it("accepts addresses and /24–/32 ranges", () => {
    expect(issuesOf(one({ addresses: ["10.0.0.5", "10.0.1.96/28", "10.0.2.0/24", "10.9.9.9/32"] }))).toEqual(
      [],
    );
  });

  it.each([
    ["a range with host bits set", ["10.0.1.97/28"], /no host bits/],
    ["a range wider than /24", ["10.0.0.0/23"], /IPv4 address or a CIDR/],
    ["not an address", ["10.0.0.256"], /IPv4 address or a CIDR/],
  ])("rejects %s", (_case, addresses, pattern) => {
    const issues = issuesOf(one({ addresses }));
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

  it("a declared subnet: a range that includes its reserved addresses is refused before any run", () => {
    const issues = issuesOf(one({ addresses: ["10.20.1.0/24"], subnetCidr: "10.20.1.0/24" }));
    expect(issues).toEqual(
      ["10.20.1.0", "10.20.1.1", "10.20.1.2", "10.20.1.3", "10.20.1.255"].map((a) =>
        expect.stringMatching(
          new RegExp(
            `^vfxtIpMove\\.clusters\\.0\\.addresses: ${a.replaceAll(".", "\\.")} is reserved by AWS`,
          ),
        ),
      ),
    );
    expect(issuesOf(one({ addresses: ["10.20.1.96/28"], subnetCidr: "10.20.1.0/24" }))).toEqual([]);
    expect(issuesOf(one({ addresses: ["10.20.2.5"], subnetCidr: "10.20.1.0/24" }))).toEqual([
      expect.stringMatching(/10\.20\.2\.5 is outside subnetCidr/),
    ]);
  });

  it.each([
    [
      "a subnet for a route-mode cluster",
      { mode: "route", routeTableIds: ["rtb-00000001"], subnetCidr: "10.0.0.0/24" },
      /subnetCidr is for secondary-mode/,
    ],
    ["route mode without tables", { mode: "route" }, /route mode needs routeTableIds or discoverRouteTables/],
    [
      "a home for an address not configured",
      { homeNodes: { "10.0.0.6": "i-00000001" } },
      /10\.0\.0\.6 is not one of the cluster's addresses/,
    ],
    ["a home that is not an instance id", { homeNodes: { "10.0.0.5": "node-1" } }, /homeNodes\.10\.0\.0\.5/],
    [
      "an address both configured and retired",
      { retiredAddresses: ["10.0.0.5"] },
      /both configured and retired/,
    ],
    ["a grace over 15 minutes", { graceSeconds: 901 }, /graceSeconds/],
  ])("rejects %s", (_case, cluster, pattern) => {
    expect(issuesOf(one(cluster)).join("\n")).toMatch(pattern);
  });

  it("an address in two clusters is refused unless they declare different VPCs", () => {
    const two = (a: Record<string, unknown>, b: Record<string, unknown>) => ({
      vfxtIpMove: {
        clusters: [
          { name: "a", addresses: ["10.20.1.101"], ...a },
          { name: "b", addresses: ["10.20.1.96/28"], ...b },
        ],
      },
    });
    expect(issuesOf(two({}, {}))).toEqual([
      expect.stringMatching(/clusters a and b both list 10\.20\.1\.101/),
    ]);
    expect(issuesOf(two({ vpcId: "vpc-00000001" }, { vpcId: "vpc-00000002" }))).toEqual([]);
  });

  it("the node ids narrow the EventBridge pattern only when every cluster lists them, within 4096 characters", () => {
    expect(nodeStatePattern([{ instanceIds: [] }]).detail).toEqual({
      state: ["stopping", "stopped", "shutting-down", "terminated", "running"],
    });
    expect(nodeStatePattern([{ instanceIds: ["i-00000002", "i-00000001"] }]).detail).toEqual({
      "instance-id": ["i-00000001", "i-00000002"],
      state: ["stopping", "stopped", "shutting-down", "terminated", "running"],
    });
    expect(
      nodeStatePattern([{ instanceIds: ["i-00000001"] }, { instanceIds: [] }]).detail,
    ).not.toHaveProperty("instance-id");
    const many = (from: number) => Array.from({ length: 150 }, (_, k) => instanceId(from + k));
    const clusters = [0, 150].map((from, k) => ({
      name: `c${k}`,
      addresses: [`10.0.${k}.5`],
      instanceIds: many(from),
    }));
    expect(JSON.stringify(nodeStatePattern(clusters)).length).toBeGreaterThan(EVENT_PATTERN_MAX_CHARS);
    expect(issuesOf({ vfxtIpMove: { clusters } })).toEqual([
      expect.stringMatching(/EventBridge pattern of \d+ characters/),
    ]);
  });
});
