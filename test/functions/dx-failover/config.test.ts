import { describe, expect, it } from "vitest";
import { DxFailoverConfigSchema, policyOf, probeOptionsOf } from "../../../functions/dx-failover/config";
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
    expect(config.groupTagKey).toBe("ops:failover-group");
    const g = config.groups[0];
    if (!g) throw new Error("no group");
    expect(g).toMatchObject({
      routeTableIds: [],
      virtualInterfaceIds: [],
      restoreWindowSeconds: 300,
      minDwellSeconds: 60,
      probeStaleSeconds: 30,
      probe: { intervalMs: 1000, timeoutMs: 800, failureThreshold: 2, rearmAfter: 3 },
    });
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

  it.each([
    [
      "a timeout longer than the interval",
      { ...group, probe: { ...group.probe, intervalMs: 500, timeoutMs: 800 } },
      /timeoutMs/,
    ],
    ["a bad probe target", { ...group, probe: { ...group.probe, vpn: ["10.10.0.10"] } }, /host:port/],
    ["no DX target", { ...group, probe: { ...group.probe, directConnect: [] } }, /directConnect/],
    ["a bad CIDR", { ...group, cidrs: ["10.10.0.0/33"] }, /IPv4 CIDR/],
    ["duplicate CIDRs", { ...group, cidrs: ["10.10.0.0/16", "10.10.0.0/16"] }, /unique/],
    ["a bad ENI id", { ...group, applianceEniId: "i-0123456789abcdef0" }, /applianceEniId/],
    ["M = 0", { ...group, probe: { ...group.probe, failureThreshold: 0 } }, /failureThreshold/],
  ])("rejects %s", (_name, g, pattern) => {
    expect(issues({ groups: [g] }).join("\n")).toMatch(pattern);
  });

  it("rejects duplicate group names", () => {
    expect(issues({ groups: [group, group] }).join("\n")).toMatch(/group names must be unique/);
  });
});
