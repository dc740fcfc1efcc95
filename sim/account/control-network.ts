/**
 * `/__sim/` control routes for the network (dx-failover, issue 10), on `account.network`
 * (sim/account/network-controls.ts):
 *
 * | method | path | body | answer |
 * |---|---|---|---|
 * | GET | /virtual-interfaces/<id> | – | the interface: state, data plane, each session's shown BGP status |
 * | POST | /virtual-interfaces/<id>/bgp | `{ status, bgpPeerId?, addressFamily? }` | `{ virtualInterfaceId, bgpStatus }` |
 * | POST | /virtual-interfaces/<id>/advertised-prefixes | `{ prefixes, bgpPeerId?, addressFamily? }` | the interface |
 * | POST | /virtual-interfaces/<id>/data-plane | `{ status: "up" \| "down" }` | the interface |
 * | POST | /virtual-interfaces/<id>/failover-test/fail | – | `{ testId, status: "failed" }` |
 * | GET | /direct-connect-path?virtualGatewayId=&addressFamily= | – | `{ up }` |
 * | POST | /prefix-lists/<id>/entries | `{ entries: [{ cidr, description? }] }` | `{ prefixListId, version }` |
 * | GET | /route-tables/<id>/effective-routes?for=<address or CIDR> | – | `{ routeTableId, routes }` |
 * | PUT | /tag-policies | `{ policies: [{ key, allowedValues?, enforcedFor? }] }` | `{ policies }` |
 * | POST | /logs/events | `{ lines: ["{…EMF…}"] }` | `{ emfEvents, datapoints, ignored }` |
 */
import * as z from "zod/mini";
import { bad, type ControlRequest, type ControlResponse, parseBody } from "./control-util";
import type { NetworkControls } from "./network-controls";

/** What these routes steer. */
export interface NetworkControlledAccount {
  readonly network: NetworkControls;
}

type NetworkRoute = (
  account: NetworkControlledAccount,
  request: ControlRequest,
) => ControlResponse | undefined;

const Family = z.enum(["ipv4", "ipv6"]);
const BgpBody = z.strictObject({
  status: z.enum(["up", "down"]),
  bgpPeerId: z.optional(z.string()),
  addressFamily: z.optional(Family),
});
const PrefixesBody = z.strictObject({
  prefixes: z.array(z.string()),
  bgpPeerId: z.optional(z.string()),
  addressFamily: z.optional(Family),
});
const DataPlaneBody = z.strictObject({
  status: z.enum(["up", "down"]),
  addressFamily: z.optional(Family),
});
const EntriesBody = z.strictObject({
  entries: z.array(z.strictObject({ cidr: z.string(), description: z.optional(z.string()) })),
});
const PoliciesBody = z.strictObject({
  policies: z.array(
    z.strictObject({
      key: z.string().check(z.minLength(1)),
      allowedValues: z.optional(z.array(z.string())),
      enforcedFor: z._default(z.array(z.string()), ["ec2:ALL_SUPPORTED"]),
    }),
  ),
});
const LogsBody = z.strictObject({ lines: z.array(z.string()) });

const ok = (body: unknown): ControlResponse => ({ status: 200, body });

/** Drops absent optional members (the selector types do not take `undefined`). */
function selector(v: { bgpPeerId?: string | undefined; addressFamily?: "ipv4" | "ipv6" | undefined }) {
  return {
    ...(v.bgpPeerId === undefined ? {} : { bgpPeerId: v.bgpPeerId }),
    ...(v.addressFamily === undefined ? {} : { addressFamily: v.addressFamily }),
  };
}

function vifAction(
  account: NetworkControlledAccount,
  id: string,
  action: string,
  body: unknown,
): ControlResponse | undefined {
  const net = account.network;
  switch (action) {
    case "bgp": {
      const parsed = parseBody(BgpBody, body);
      if (!parsed.ok) return parsed.response;
      net.setBgpStatus(id, parsed.value.status, selector(parsed.value));
      return ok({ virtualInterfaceId: id, bgpStatus: parsed.value.status });
    }
    case "advertised-prefixes": {
      const parsed = parseBody(PrefixesBody, body);
      if (!parsed.ok) return parsed.response;
      net.setAdvertisedPrefixes(id, parsed.value.prefixes, selector(parsed.value));
      return ok(net.virtualInterface(id));
    }
    case "data-plane": {
      const parsed = parseBody(DataPlaneBody, body);
      if (!parsed.ok) return parsed.response;
      net.setDataPlane(id, parsed.value.status === "up", parsed.value.addressFamily);
      return ok(net.virtualInterface(id));
    }
    default:
      return undefined;
  }
}

export const virtualInterfacesRoute: NetworkRoute = (account, { segments, verb, body }) => {
  const [, id, action, sub] = segments;
  if (id === undefined) return undefined;
  if (segments.length === 2 && verb === "GET") return ok(account.network.virtualInterface(id));
  if (verb !== "POST" || action === undefined) return undefined;
  if (segments.length === 4 && action === "failover-test" && sub === "fail")
    return ok({ testId: account.network.failBgpFailoverTest(id), status: "failed" });
  return segments.length === 3 ? vifAction(account, id, action, body) : undefined;
};

export const directConnectPathRoute: NetworkRoute = (account, { segments, verb, query }) => {
  if (segments.length !== 1 || verb !== "GET") return undefined;
  const vgw = query.get("virtualGatewayId");
  if (vgw === null) return bad("virtualGatewayId is required");
  const family = query.get("addressFamily") === "ipv6" ? "ipv6" : "ipv4";
  return ok({ up: account.network.directConnectPathUp(vgw, family) });
};

export const prefixListsRoute: NetworkRoute = (account, { segments, verb, body }) => {
  const [, id, action] = segments;
  if (segments.length !== 3 || id === undefined || action !== "entries" || verb !== "POST") return undefined;
  const parsed = parseBody(EntriesBody, body);
  if (!parsed.ok) return parsed.response;
  const entries = parsed.value.entries.map((e) => ({
    cidr: e.cidr,
    ...(e.description === undefined ? {} : { description: e.description }),
  }));
  return ok({ prefixListId: id, version: account.network.setPrefixListEntries(id, entries) });
};

export const routeTablesRoute: NetworkRoute = (account, { segments, verb, query }) => {
  const [, id, action] = segments;
  if (segments.length !== 3 || id === undefined || action !== "effective-routes" || verb !== "GET")
    return undefined;
  const target = query.get("for");
  if (target === null) return bad("for=<address or CIDR block> is required");
  return ok({ routeTableId: id, routes: account.network.effectiveRoutes(id, target) });
};

export const tagPoliciesRoute: NetworkRoute = (account, { segments, verb, body }) => {
  if (segments.length !== 1 || verb !== "PUT") return undefined;
  const parsed = parseBody(PoliciesBody, body);
  if (!parsed.ok) return parsed.response;
  const policies = parsed.value.policies.map((p) => ({
    key: p.key,
    enforcedFor: p.enforcedFor,
    ...(p.allowedValues === undefined ? {} : { allowedValues: p.allowedValues }),
  }));
  account.network.setTagPolicies(policies);
  return ok({ policies });
};

export const logsRoute: NetworkRoute = (account, { segments, verb, body }) => {
  if (segments.length !== 2 || segments[1] !== "events" || verb !== "POST") return undefined;
  const parsed = parseBody(LogsBody, body);
  if (!parsed.ok) return parsed.response;
  return ok(account.network.ingestLogEvents(parsed.value.lines));
};
