/**
 * The dx probe's connect (`HandlerOverrides.probeConnect`, `ProbeLoop`'s `probe`) on the simulated
 * account's data plane, for the chaos campaign's agent and the probe's sim tests: a probe to a target
 * follows the effective route of the prober's subnet table (sim/account/route-selection.ts, VPC UG "Route
 * priority"), and answers when that route carries packets of the target's address family now:
 * - a route propagated by a virtual private gateway: Direct Connect forwards the family (an up BGP session
 *   of that family on an interface whose data plane for it is up: `directConnectPathUp`);
 * - a route to the VPN appliance's ENI: the tunnel beyond it is up (outside the account: `vpnUp`);
 * - the VPC's local route: answers;
 * - no route, or a blackhole: no answer.
 * Answers are read once per `ProbeConnect` built (`connectNow`): the callers sample a moment of the world.
 * A caller that knows when the prober's table can change passes `routes`, a cache of the effective route per
 * host it clears then (the route lookup is the costly part; the path's state is read at every probe).
 */

import type { ProbeConnect } from "../../../shared/runtime/handler";
import type { SimulatedAccount } from "../../../sim/account/index";

type EffectiveRoute = ReturnType<SimulatedAccount["network"]["effectiveRoutes"]>[number]["route"];

export interface ProberPlacement {
  /** The route table of the prober's subnet (it keeps the propagated DX route). */
  routeTableId: string;
  /** ENIs whose route leads into the VPN tunnel (the appliance). */
  applianceEnis: readonly string[];
  /** Whether the tunnel beyond the appliance carries packets now. */
  vpnUp: () => boolean;
  /** Effective routes already looked up, by host (cleared by the caller when the table may have changed). */
  routes?: Map<string, EffectiveRoute>;
}

const familyOf = (host: string): "ipv4" | "ipv6" => (host.includes(":") ? "ipv6" : "ipv4");

/** Whether a probe from the prober's table to `host` is answered now, or why not. */
export const reach = (
  account: SimulatedAccount,
  where: ProberPlacement,
  host: string,
): string | undefined => {
  const cached = where.routes?.has(host) === true;
  const route = cached
    ? where.routes?.get(host)
    : account.network.effectiveRoutes(where.routeTableId, host)[0]?.route;
  if (!cached) where.routes?.set(host, route);
  if (route === undefined) return "ENETUNREACH";
  if (route.state !== "active") return "ETIMEDOUT";
  const target = route.target ?? "";
  if (route.origin === "EnableVgwRoutePropagation")
    return account.network.directConnectPathUp(target, familyOf(host)) ? undefined : "ETIMEDOUT";
  if (where.applianceEnis.includes(target)) return where.vpnUp() ? undefined : "ETIMEDOUT";
  return target === "local" ? undefined : "ETIMEDOUT";
};

/**
 * A connect answering as the account's data plane does at this moment (each host read once, then kept):
 * 2 ms when answered, the whole timeout when not (a blackholed probe waits for its timeout).
 */
export const connectNow = (account: SimulatedAccount, where: ProberPlacement): ProbeConnect => {
  const seen = new Map<string, string | undefined>();
  return async (target, timeoutMs) => {
    if (!seen.has(target.host)) seen.set(target.host, reach(account, where, target.host));
    const error = seen.get(target.host);
    const name = target.host.includes(":")
      ? `[${target.host}]:${target.port}`
      : `${target.host}:${target.port}`;
    return error === undefined
      ? { target: name, ok: true, latencyMs: 2 }
      : { target: name, ok: false, latencyMs: timeoutMs, error };
  };
};

/** A connect reading the data plane at each probe (for a handler built once that probes for a minute). */
export const connectLive =
  (account: () => SimulatedAccount, where: ProberPlacement): ProbeConnect =>
  (target, timeoutMs) =>
    connectNow(account(), where)(target, timeoutMs);
