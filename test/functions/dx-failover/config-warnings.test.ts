import { describe, expect, it } from "vitest";
import { DxFailoverConfigSchema } from "../../../functions/dx-failover/config";
import { dxConfigWarnings, unprobedFamilies } from "../../../functions/dx-failover/config-warnings";

/** Valid configurations that leave a family of the CIDRs judged on BGP alone are said at configuration time. */

const group = (name: string, cidrs: string[], directConnect: string[]) => ({
  name,
  cidrs,
  applianceEniId: "eni-0123456789abcdef0",
  probe: { directConnect, vpn: ["10.10.0.10:22"] },
});
const section = (...groups: ReturnType<typeof group>[]) => DxFailoverConfigSchema.parse({ groups });

describe("dx-failover configuration warnings", () => {
  it("every family of the CIDRs has a Direct Connect target: no warning", () => {
    expect(dxConfigWarnings(section(group("v4", ["10.10.0.0/16"], ["10.10.0.10:22"])))).toEqual([]);
    expect(
      dxConfigWarnings(
        section(
          group("dual", ["10.10.0.0/16", "2001:db8:10::/48"], ["10.10.0.10:22", "[2001:db8:10::10]:22"]),
        ),
      ),
    ).toEqual([]);
  });

  it("IPv6 CIDRs with IPv4 targets only: the IPv6 CIDRs are named, judged on BGP alone", () => {
    const g = group("lz-prod", ["10.10.0.0/16", "2001:db8:10::/48", "2001:db8:11::/48"], ["10.10.0.10:22"]);
    expect(unprobedFamilies(g)).toEqual([
      { family: "ipv6", cidrs: ["2001:db8:10::/48", "2001:db8:11::/48"] },
    ]);
    const [warning, ...more] = dxConfigWarnings(section(g));
    expect(more).toEqual([]);
    expect(warning).toMatch(/^dxFailover group lz-prod: IPv6 CIDRs \(2001:db8:10::\/48, 2001:db8:11::\/48\)/);
    expect(warning).toContain("judged on BGP alone");
    expect(warning).toContain("[2001:db8::53]:53");
  });

  it("IPv4 CIDRs with IPv6 targets only: the IPv4 CIDRs are named; each group is checked", () => {
    const warnings = dxConfigWarnings(
      section(
        group("ok", ["10.20.0.0/16"], ["10.20.0.10:22"]),
        group("v6-probed", ["10.30.0.0/16", "2001:db8:30::/48"], ["[2001:db8:30::10]:443"]),
      ),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^dxFailover group v6-probed: IPv4 CIDRs \(10\.30\.0\.0\/16\) but no IPv4 Direct Connect probe target/,
    );
  });
});
