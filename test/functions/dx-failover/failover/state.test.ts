import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ACTIVE_TAG,
  decodeTableTags,
  encodeRoutes,
  encodeState,
  groupState,
  LAST_SWITCH_TAG,
  OVERRIDE_TAG,
  ROUTES_TAG,
  SINCE_TAG,
  TAG_VALUE_MAX,
} from "../../../../functions/dx-failover/failover/state";

/** The state on the route tables' tags: encode/decode, continuation of long CIDR lists, the group reading. */

const T = Date.parse("2026-11-21T12:00:00.000Z");

describe("route-table tags", () => {
  it("round-trips the state and the ownership list", () => {
    const state = {
      activePath: "vpn" as const,
      since: T,
      lastSwitchAt: T,
      override: { force: "vpn" as const, until: T + 900_000 },
    };
    const { set, remove } = encodeState(state);
    expect(set).toEqual({
      [ACTIVE_TAG]: "vpn",
      [SINCE_TAG]: "2026-11-21T12:00:00.000Z",
      [LAST_SWITCH_TAG]: "2026-11-21T12:00:00.000Z",
      [OVERRIDE_TAG]: "vpn until 2026-11-21T12:15:00.000Z",
    });
    expect(remove).toEqual([]);
    const routes = encodeRoutes(["10.20.0.0/16", "10.10.0.0/16"]).set;
    expect(routes).toEqual({ [ROUTES_TAG]: "10.10.0.0/16 10.20.0.0/16" });
    const decoded = decodeTableTags({ ...set, ...routes });
    expect(decoded).toEqual({ ...state, created: ["10.10.0.0/16", "10.20.0.0/16"], problems: [] });
    expect(encodeState({ activePath: "direct-connect" }).remove).toEqual([
      SINCE_TAG,
      LAST_SWITCH_TAG,
      OVERRIDE_TAG,
    ]);
  });

  it("splits long ownership lists over continuation tags of at most 256 characters, and removes stale ones", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.nat(255), fc.nat(255), fc.integer({ min: 8, max: 32 })), {
          maxLength: 60,
        }),
        (parts) => {
          const cidrs = parts.map(([a, b, len]) => `10.${a}.${b}.0/${len}`);
          const { set } = encodeRoutes(cidrs);
          for (const v of Object.values(set)) expect(v.length).toBeLessThanOrEqual(TAG_VALUE_MAX);
          expect(decodeTableTags(set).created).toEqual([...new Set(cidrs)].sort());
        },
      ),
    );
    const long = Array.from({ length: 50 }, (_, i) => `10.${i}.0.0/16`);
    const first = encodeRoutes(long).set;
    expect(Object.keys(first)).toEqual([ROUTES_TAG, `${ROUTES_TAG}.2`, `${ROUTES_TAG}.3`]);
    expect(encodeRoutes(["10.0.0.0/16"], first)).toEqual({
      set: { [ROUTES_TAG]: "10.0.0.0/16" },
      remove: [`${ROUTES_TAG}.2`, `${ROUTES_TAG}.3`],
    });
    expect(encodeRoutes([]).set).toEqual({ [ROUTES_TAG]: "" });
  });

  it("reports malformed tags and reads them as absent", () => {
    const d = decodeTableTags({
      [ACTIVE_TAG]: "satellite",
      [SINCE_TAG]: "yesterday",
      [OVERRIDE_TAG]: "vpn forever",
      [ROUTES_TAG]: "10.1.0.0/16 not-a-cidr",
    });
    expect(d.activePath).toBeUndefined();
    expect(d.since).toBeUndefined();
    expect(d.override).toBeUndefined();
    expect(d.created).toEqual(["10.1.0.0/16"]);
    expect(d.problems).toHaveLength(4);
  });

  it("reads the group state conservatively after an interrupted switch", () => {
    const { state, problems } = groupState([
      {
        routeTableId: "rtb-a",
        tags: {
          [ACTIVE_TAG]: "vpn",
          [SINCE_TAG]: "2026-11-21T12:00:00Z",
          [LAST_SWITCH_TAG]: "2026-11-21T12:00:00Z",
        },
      },
      {
        routeTableId: "rtb-b",
        tags: { [ACTIVE_TAG]: "direct-connect", [LAST_SWITCH_TAG]: "2026-11-21T10:00:00Z" },
      },
      { routeTableId: "rtb-c", tags: { [ACTIVE_TAG]: "bogus" } },
    ]);
    expect(state).toEqual({ activePath: "vpn", since: T, lastSwitchAt: T });
    expect(problems).toEqual([`rtb-c: ${ACTIVE_TAG}="bogus" is neither direct-connect nor vpn`]);
    expect(groupState([]).state).toEqual({ activePath: "direct-connect" });
  });
});
