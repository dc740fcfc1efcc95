import { describe, expect, it } from "vitest";
import {
  canonicalCidrs,
  DxFailoverConfigSchema,
  flapBackoffOf,
  policyOf,
  probedByOf,
  probeOptionsOf,
  vpnDownOf,
} from "../../../functions/dx-failover/config";
import { DEFAULT_POLICY } from "../../../functions/dx-failover/failover/plan/decide";
import { formatZodIssues } from "../../../shared/runtime/zod";

/** The dx-failover configuration schema: defaults, and loud failures on what cannot work. */

const group = {
  name: "lz-onprem",
  cidrs: ["10.10.0.0/16", "172.16.0.0/12"],
  applianceEniId: "eni-0123456789abcdef0",
  probe: { directConnect: ["10.10.0.10:22", "10.10.0.11:443"], vpn: ["10.10.0.10:22"] },
};

const issues = (input: unknown) => {
  const r = DxFailoverConfigSchema.safeParse(input);
  return r.success ? [] : formatZodIssues(r.error);
};

describe("dx-failover configuration", () => {
  it("fills every default, and maps to the decision policy and the probe loop", () => {
    const config = DxFailoverConfigSchema.parse({ groups: [group] });
    expect(config).toMatchObject({
      groupTagKey: "ops:failover-group",
      triggerBusName: "ops-toolkit-dx-trigger",
      trigger: { maxAgeSeconds: 30, maxSkewSeconds: 2 },
      probeOverlapMs: 1000,
    });
    const g = config.groups[0];
    if (!g) throw new Error("no group");
    expect(g).toMatchObject({
      location: "region",
      routeTableIds: [],
      virtualInterfaceIds: [],
      restoreWindowSeconds: 300,
      minDwellSeconds: 60,
      probeStaleSeconds: 30,
      stuckOnVpnAfterSeconds: 900,
      probe: { intervalMs: 1000, timeoutMs: 800, failureThreshold: 2, rearmAfter: 3 },
    });
    // Left out of OPS_CONFIG (4 KB of environment), filled in where read.
    expect(g.flapBackoff).toBeUndefined();
    expect(flapBackoffOf(g)).toEqual({ multiplier: 2, maxRestoreWindowSeconds: 3600, memorySeconds: 3600 });
    expect(vpnDownOf(g)).toEqual({ failures: 3, of: 5 });
    expect(probedByOf(g)).toBe("lambda");
    expect(policyOf(g)).toEqual(DEFAULT_POLICY);
    expect(probeOptionsOf(g)).toEqual({
      dx: [
        { host: "10.10.0.10", port: 22 },
        { host: "10.10.0.11", port: 443 },
      ],
      vpn: [{ host: "10.10.0.10", port: 22 }],
      intervalMs: 1000,
      timeoutMs: 800,
      threshold: 2,
      rearmAfter: 3,
    });
    expect(DxFailoverConfigSchema.parse({}).groups).toEqual([]);
  });

  it("a Local Zone group is probed by the agent; IPv6 CIDRs are canonical; an appliance may be found by tag", () => {
    const config = DxFailoverConfigSchema.parse({
      groups: [
        {
          ...group,
          location: "local-zone",
          cidrs: ["2001:DB8:0::/48", "10.10.0.0/16"],
          applianceEniId: undefined,
          applianceTag: "ops:vpn-appliance=lz",
        },
      ],
    });
    const g = config.groups[0];
    if (!g) throw new Error("no group");
    expect(probedByOf(g)).toBe("agent");
    expect(canonicalCidrs(g)).toEqual(["2001:db8::/48", "10.10.0.0/16"]);
  });

  it.each([
    [
      "a Lambda probe for a Local Zone group",
      { ...group, location: "local-zone", probedBy: "lambda" },
      /Local Zone group is probed by the agent/,
    ],
    ["no appliance at all", { ...group, applianceEniId: undefined }, /applianceEniId or applianceTag/],
    [
      "a timeout longer than the interval",
      { ...group, probe: { ...group.probe, intervalMs: 500, timeoutMs: 800 } },
      /timeoutMs/,
    ],
    ["a bad probe target", { ...group, probe: { ...group.probe, vpn: ["10.10.0.10"] } }, /host:port/],
    ["no DX target", { ...group, probe: { ...group.probe, directConnect: [] } }, /directConnect/],
    ["a bad CIDR", { ...group, cidrs: ["10.10.0.0/33"] }, /IPv4 or IPv6 CIDR/],
    ["duplicate CIDRs", { ...group, cidrs: ["10.10.0.0/16", "10.10.0.0/16"] }, /unique/],
    ["a bad ENI id", { ...group, applianceEniId: "i-0123456789abcdef0" }, /applianceEniId/],
    ["M = 0", { ...group, probe: { ...group.probe, failureThreshold: 0 } }, /failureThreshold/],
    [
      "a VPN judged down on one probe",
      { ...group, probe: { ...group.probe, vpnDown: { failures: 1, of: 5 } } },
      /failures/,
    ],
  ])("rejects %s", (_name, g, pattern) => {
    expect(issues({ groups: [g] }).join("\n")).toMatch(pattern);
  });

  it("rejects duplicate group names, and overlapping CIDRs of two groups (they may share tables)", () => {
    expect(issues({ groups: [group, group] }).join("\n")).toMatch(/group names must be unique/);
    expect(
      issues({ groups: [group, { ...group, name: "other", cidrs: ["10.10.5.0/24"] }] }).join("\n"),
    ).toMatch(/must not overlap/);
    expect(issues({ groups: [group, { ...group, name: "other", cidrs: ["10.11.0.0/16"] }] })).toEqual([]);
  });

  it("rejects the default bus as the trigger bus (the rule and its policy live on a dedicated one)", () => {
    expect(issues({ triggerBusName: "default" }).join("\n")).toMatch(/triggerBusName/);
  });
});
