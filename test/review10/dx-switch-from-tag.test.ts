/**
 * Review 10, finding 2 (correctness of the campaign's judge): dx-failover's `flap` and `failover-cause`
 * invariants (tools/chaos/invariants/dx-failover.ts `checkFlaps`, `checkFailoverCause`) decide whether a
 * switch happened from `GroupView.active`, which `dxView` reads from the toolkit's own state tag
 * (`decodeTableTags(...).state.activePath`), never from the routes. The capability moves the routes first
 * and writes the tag afterwards as bookkeeping that "never holds a route write back"
 * (functions/dx-failover/failover/apply.ts); `CreateTags` is one of the campaign's API faults. A failback
 * (or failover) whose routes moved but whose tag write failed is therefore invisible to both invariants.
 *
 * AWS source: the switch the issue bounds is what the VPC router does: "we direct traffic using the most
 * specific route that matches"; with the same prefix a static route wins over a propagated one (VPC User
 * Guide, "Route priority", route-tables-priority.html) — deleting the static route to the appliance IS the
 * failback, whatever a tag says. Tags are plain metadata any `ec2:CreateTags` caller writes, and CreateTags
 * can fail independently (EC2 API throttling, "Request throttling for the Amazon EC2 API").
 *
 * Consequence for an operator: a capability that fails back 10 s after Direct Connect returns (cutting every
 * flow twice in a flap cycle) passes the campaign as long as its tag write failed; so does a failover of a
 * healthy Direct Connect. Fix: derive `active` per cell from the routes (appliance static route vs
 * propagated route) in `dxView`, and judge `flap`/`failover-cause` on those switches.
 */
import { describe, expect, it } from "vitest";
import { DxFailoverConfigSchema } from "../../functions/dx-failover/config";
import {
  type CellView,
  checkDxStep,
  type DxView,
  type GroupView,
} from "../../tools/chaos/invariants/dx-failover";

const ENI = "eni-0d0f00000000000a1";
const VGW = "vgw-0d0f0000000000a00";
const TABLE = "rtb-0d0f0000000000c01";
const CIDR = "10.100.0.0/16";
const config = DxFailoverConfigSchema.parse({
  groups: [
    {
      name: "lz-prod",
      location: "local-zone",
      cidrs: [CIDR],
      applianceEniId: ENI,
      virtualInterfaceIds: ["dxvif-fgdx0001"],
      probe: { directConnect: ["10.100.0.53:53"], vpn: ["192.168.255.10:500"] },
    },
  ],
});

const onVpn: CellView = {
  routeTableId: TABLE,
  cidr: CIDR,
  parts: [{ range: CIDR, target: ENI, origin: "CreateRoute", state: "active" }],
};
const onDx: CellView = {
  routeTableId: TABLE,
  cidr: CIDR,
  parts: [{ range: CIDR, target: VGW, origin: "EnableVgwRoutePropagation", state: "active" }],
};

const view = (at: number, g: Partial<GroupView>): DxView => ({
  at,
  tables: {},
  groups: {
    "lz-prod": {
      directConnectUp: true,
      vpnUp: true,
      applianceEnis: [ENI],
      cells: [onDx],
      active: "direct-connect",
      flaps: 0,
      ...g,
    },
  },
});

const options = { detectionMs: 150_000, toleranceMs: 5000, recoveryMs: 15_000 };

/** Runs the views through the checker; the invariants broken. */
const judge = (views: DxView[]): string[] => {
  let state: Parameters<typeof checkDxStep>[0];
  const out: string[] = [];
  for (const v of views) {
    const r = checkDxStep(state, v, config, options);
    state = r.state;
    out.push(...r.violations.map((x) => x.invariant));
  }
  return out;
};

const T = 1_800_000_000_000;

describe("review 10: dx-failover switches are judged from the state tag, not from the routes", () => {
  it("control: a failback 10 s after Direct Connect came back, with the tag written, breaks `flap`", () => {
    expect(
      judge([
        view(T, { directConnectUp: false, cells: [onVpn], active: "vpn" }),
        view(T + 5000, { directConnectUp: true, cells: [onVpn], active: "vpn" }),
        view(T + 15_000, { directConnectUp: true, cells: [onDx], active: "direct-connect" }),
      ]),
    ).toContain("flap");
  });

  it("review: the same failback with its CreateTags failed (routes moved, tag still `vpn`) breaks `flap`", () => {
    expect(
      judge([
        view(T, { directConnectUp: false, cells: [onVpn], active: "vpn" }),
        view(T + 5000, { directConnectUp: true, cells: [onVpn], active: "vpn" }),
        // The static route to the appliance is gone: traffic is back on the propagated route.
        view(T + 15_000, { directConnectUp: true, cells: [onDx], active: "vpn" }),
      ]),
    ).toContain("flap");
  });

  it("control: a failover of a Direct Connect that never failed, with the tag written, breaks `failover-cause`", () => {
    expect(
      judge([
        view(T, { cells: [onDx], active: "direct-connect" }),
        view(T + 5000, { cells: [onVpn], active: "vpn" }),
      ]),
    ).toContain("failover-cause");
  });

  it("review: the same failover with its CreateTags failed (routes on the appliance, tag still `direct-connect`) breaks `failover-cause`", () => {
    expect(
      judge([
        view(T, { cells: [onDx], active: "direct-connect" }),
        view(T + 5000, { cells: [onVpn], active: "direct-connect" }),
      ]),
    ).toContain("failover-cause");
  });
});
