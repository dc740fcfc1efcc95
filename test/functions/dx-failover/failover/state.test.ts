import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeTableTags,
  encodeRoutes,
  encodeState,
  GROUP_TAG,
  groupState,
  LEGACY,
  membershipFilterValues,
  routesKey,
  stateKey,
  TAG_VALUE_MAX,
  tableTagChange,
  tagHeadroom,
} from "../../../../functions/dx-failover/failover/state";

/** The state on the route tables' tags: namespaced per group, packed, continued, the first version read. */

const T = Date.parse("2026-11-21T12:00:00.000Z");
const G = "lz-prod";

describe("route-table tags", () => {
  it("round-trips the state, the appliance ENI and the ownership list under the group's own keys", () => {
    const state = {
      activePath: "vpn" as const,
      since: T,
      lastSwitchAt: T,
      lastFailbackAt: T - 600_000,
      flaps: 2,
      override: { force: "vpn" as const, until: T + 900_000 },
    };
    const change = tableTagChange(
      { routeTableId: "rtb-a", tags: { [GROUP_TAG]: G } },
      G,
      state,
      ["10.20.0.0/16", "2001:db8::/48"],
      { eni: "eni-0123456789abcdef0" },
    );
    expect(change.set).toEqual({
      [stateKey(G)]:
        "active=vpn since=2026-11-21T12:00:00Z switch=2026-11-21T12:00:00Z failback=2026-11-21T11:50:00Z flaps=2 eni=eni-0123456789abcdef0 override=vpn/2026-11-21T12:15:00Z",
      [routesKey(G)]: "10.20.0.0/16 2001:db8::/48",
    });
    const decoded = decodeTableTags({ [GROUP_TAG]: G, ...change.set }, G);
    expect(decoded).toEqual({
      state,
      eni: "eni-0123456789abcdef0",
      created: ["10.20.0.0/16", "2001:db8::/48"],
      legacy: false,
      problems: [],
    });
  });

  it("the packed state fits one tag value even with the longest fields", () => {
    const value = encodeState(
      {
        activePath: "direct-connect",
        since: T,
        lastSwitchAt: T,
        lastFailbackAt: T,
        flaps: 999,
        override: { force: "direct-connect", until: T },
      },
      "eni-0123456789abcdef0",
    );
    expect(value.length).toBeLessThanOrEqual(TAG_VALUE_MAX);
  });

  it("splits long ownership lists over continuation tags of at most 256 characters, and removes stale ones", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.nat(255), fc.nat(255), fc.constantFrom(16, 24)), { maxLength: 60 }),
        (parts) => {
          const cidrs = [
            ...new Set(parts.map(([a, b, len]) => (len === 16 ? `10.${a}.0.0/16` : `10.${a}.${b}.0/24`))),
          ];
          const values = encodeRoutes(cidrs);
          for (const v of values) expect(v.length).toBeLessThanOrEqual(TAG_VALUE_MAX);
          const tags = Object.fromEntries(values.map((v, i) => [routesKey(G, i + 1), v]));
          expect(decodeTableTags(tags, G).created).toEqual([...cidrs].sort());
        },
      ),
    );
    const long = Array.from({ length: 50 }, (_, i) => `10.${i}.0.0/16`);
    const first = tableTagChange(
      { routeTableId: "rtb-a", tags: {} },
      G,
      { activePath: "vpn", flaps: 0 },
      long,
    );
    expect(Object.keys(first.set).sort()).toEqual(
      [routesKey(G), routesKey(G, 2), routesKey(G, 3), stateKey(G)].sort(),
    );
    const shorter = tableTagChange(
      { routeTableId: "rtb-a", tags: first.set },
      G,
      { activePath: "vpn", flaps: 0 },
      ["10.0.0.0/16"],
    );
    expect(shorter).toEqual({
      routeTableId: "rtb-a",
      set: { [routesKey(G)]: "10.0.0.0/16" },
      remove: [routesKey(G, 2), routesKey(G, 3)],
    });
  });

  it("two groups share a table: each reads and writes only its own keys", () => {
    const tags = {
      [GROUP_TAG]: "lz-prod lz-v6",
      [stateKey("lz-prod")]: "active=vpn",
      [routesKey("lz-prod")]: "10.1.0.0/16",
      [stateKey("lz-v6")]: "active=direct-connect",
      [routesKey("lz-v6")]: "",
    };
    expect(decodeTableTags(tags, "lz-prod")).toMatchObject({
      state: { activePath: "vpn" },
      created: ["10.1.0.0/16"],
    });
    expect(decodeTableTags(tags, "lz-v6")).toMatchObject({
      state: { activePath: "direct-connect" },
      created: [],
    });
    const change = tableTagChange({ routeTableId: "rtb-a", tags }, "lz-v6", { activePath: "vpn", flaps: 0 }, [
      "2001:db8::/48",
    ]);
    expect(Object.keys(change.set).every((k) => k.startsWith("ops:dx-failover:lz-v6:"))).toBe(true);
    expect(change.remove).toEqual([]);
    expect(membershipFilterValues("lz-v6")).toEqual(["lz-v6", "lz-v6 *", "* lz-v6", "* lz-v6 *"]);
  });

  it("reads the first version's tags when the table is the group's alone, and removes them at the next write", () => {
    const legacy = {
      [GROUP_TAG]: G,
      [LEGACY.active]: "vpn",
      [LEGACY.since]: "2026-11-21T12:00:00.000Z",
      [LEGACY.routes()]: "10.1.0.0/16",
    };
    expect(decodeTableTags(legacy, G)).toMatchObject({
      legacy: true,
      state: { activePath: "vpn", since: T },
      created: ["10.1.0.0/16"],
    });
    expect(decodeTableTags({ ...legacy, [GROUP_TAG]: `${G} other` }, G)).toMatchObject({
      legacy: false,
      created: [],
    });
    const change = tableTagChange(
      { routeTableId: "rtb-a", tags: legacy },
      G,
      { activePath: "vpn", since: T, flaps: 0 },
      ["10.1.0.0/16"],
    );
    expect(change.remove.sort()).toEqual([LEGACY.active, LEGACY.routes(), LEGACY.since].sort());
  });

  it("reports malformed tags and reads them as absent", () => {
    const d = decodeTableTags(
      {
        [stateKey(G)]: "active=satellite since=yesterday override=vpn-forever",
        [routesKey(G)]: "10.1.0.0/16 not-a-cidr",
      },
      G,
    );
    expect(d.state).toEqual({});
    expect(d.created).toEqual(["10.1.0.0/16"]);
    expect(d.problems).toHaveLength(4);
  });

  it("reads the group state conservatively after an interrupted switch", () => {
    const { state, problems } = groupState(
      [
        {
          routeTableId: "rtb-a",
          tags: {
            [stateKey(G)]: "active=vpn since=2026-11-21T12:00:00Z switch=2026-11-21T12:00:00Z flaps=1",
          },
        },
        {
          routeTableId: "rtb-b",
          tags: { [stateKey(G)]: "active=direct-connect switch=2026-11-21T10:00:00Z" },
        },
        { routeTableId: "rtb-c", tags: { [stateKey(G)]: "active=bogus" } },
      ],
      G,
    );
    expect(state).toEqual({ activePath: "vpn", since: T, lastSwitchAt: T, flaps: 1 });
    expect(problems).toEqual(['rtb-c: state field "active=bogus" not understood']);
    expect(groupState([], G).state).toEqual({ activePath: "direct-connect", flaps: 0 });
  });

  it("tag headroom: at most 50 user tags (aws: ones free) and 256-character values", () => {
    const tags = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, "v"]));
    expect(
      tagHeadroom({ ...tags, "aws:cloudformation:stack-name": "s" }, { set: { a: "1" }, remove: [] }),
    ).toMatchObject({ fits: true, count: 50 });
    expect(tagHeadroom(tags, { set: { a: "1", b: "2" }, remove: [] })).toMatchObject({
      fits: false,
      count: 51,
    });
    expect(tagHeadroom(tags, { set: { a: "1", b: "2" }, remove: ["k0"] }).fits).toBe(true);
    expect(tagHeadroom({}, { set: { a: "x".repeat(257) }, remove: [] })).toMatchObject({
      fits: false,
      longValues: ["a"],
    });
  });
});
