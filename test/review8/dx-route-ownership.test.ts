import { describe, expect, it } from "vitest";
import { DxFailoverConfigSchema } from "../../functions/dx-failover/config";
import { checkDxStep, type DxView } from "../../tools/chaos/invariants/dx-failover";

/**
 * Review 8, finding 2: `only-our-routes` decides that a deleted static route was the toolkit's from the
 * toolkit's own ownership tag (`ops:dx-failover:<group>:routes`), a tag anyone with ec2:CreateTags can write
 * and which says nothing about the route now in the table (safety rule 9: a tag grants nothing alone). The
 * toolkit only ever creates routes to the group's appliance ENI; a route to another target (an operator's
 * `ReplaceRoute` to a peering connection after a failover, or a route that was there before the run) is not
 * ours, whatever the tag says. The checker never looks at the target.
 */

const config = DxFailoverConfigSchema.parse({
  groups: [
    {
      name: "lz-prod",
      location: "local-zone",
      cidrs: ["10.100.0.0/16"],
      applianceEniId: "eni-0d0f00000000000a1",
      virtualInterfaceIds: ["dxvif-fgdx0001"],
      probe: { directConnect: ["10.100.0.53:53"], vpn: ["192.168.255.10:500"] },
    },
  ],
});

const TAGS = { "ops:failover-group": "lz-prod", "ops:dx-failover:lz-prod:routes": "10.100.0.0/16" };

const view = (at: number, routes: DxView["tables"][string]["routes"]): DxView => ({
  at,
  tables: { "rtb-0group000000001": { routes, tags: TAGS } },
  groups: {},
});

describe("review 8 finding 2: only-our-routes judged on the route, not on our own tag", () => {
  it("review: deleting a static route to a peering connection breaks only-our-routes even when our ownership tag lists its CIDR", () => {
    const foreign = { Target: "pcx-0feedfacefeedface0", Origin: "CreateRoute", State: "active" };
    const options = { detectionMs: 150_000 };
    const first = checkDxStep(undefined, view(0, { "10.100.0.0/16": foreign }), config, options);
    const second = checkDxStep(first.state, view(5_000, {}), config, options);
    expect(second.violations.map((v) => v.invariant)).toContain("only-our-routes");
  });

  it("review (control): deleting our own route to the appliance, listed in the ownership tag, is ours", () => {
    const ours = { Target: "eni-0d0f00000000000a1", Origin: "CreateRoute", State: "active" };
    const options = { detectionMs: 150_000 };
    const first = checkDxStep(undefined, view(0, { "10.100.0.0/16": ours }), config, options);
    const second = checkDxStep(first.state, view(5_000, {}), config, options);
    expect(second.violations).toEqual([]);
  });

  it("review: an active route to an ENI that was never the group's appliance is not ours", () => {
    const foreign = { Target: "eni-0aaaaaaaaaaaaaaa1", Origin: "CreateRoute", State: "active" };
    const options = { detectionMs: 150_000 };
    const first = checkDxStep(undefined, view(0, { "10.100.0.0/16": foreign }), config, options);
    const second = checkDxStep(first.state, view(5_000, {}), config, options);
    expect(second.violations.map((v) => v.invariant)).toEqual(["only-our-routes"]);
  });
});
