/**
 * Test and chaos hooks for the network part of the account (dx-failover, issue 10): Direct Connect
 * incidents (BGP down/up per session or family, what a session advertises, data-plane loss with BGP up, a
 * failed failover test), prefix-list changes, tag policies, EMF log lines, and the effective-route query.
 * `account.network` exposes them; `/__sim/…` routes call them (sim/account/control-network.ts). Each settles
 * the clock first and records the service events AWS would send.
 */
import { SimAwsError } from "../types";
import {
  directConnectPathUp,
  type PeerSelector,
  peerStatus,
  planeSummary,
  setAdvertisedPrefixes,
  setBgpStatus,
  setDataPlane,
  shownVifState,
  virtualInterfaceOf,
} from "./dx";
import { failBgpFailoverTest } from "./dx-failover-test";
import { type EmfResult, ingestLogEvents } from "./emf";
import { setPrefixListEntries } from "./prefix-lists";
import { destinationMember } from "./route-destination";
import { effectiveRoutes } from "./route-selection";
import type { AddressFamily, EmitServiceEvent, RegionState, TagPolicyModel } from "./state";

export interface NetworkControlHost {
  /** The fixture's region. */
  state(): RegionState;
  settle(): void;
  nowMs(): number;
  emitter(state: RegionState): EmitServiceEvent;
}

export interface VirtualInterfaceView {
  virtualInterfaceId: string;
  virtualInterfaceState: string;
  /** `up` while both families forward packets, `down` while neither does; else see `dataPlanes`. */
  dataPlane: "up" | "down" | "partial";
  /** The data plane of each address family. */
  dataPlanes: Record<AddressFamily, "up" | "down">;
  bgpPeers: {
    bgpPeerId: string;
    addressFamily: AddressFamily;
    bgpPeerState: string;
    bgpStatus: string;
    advertisedPrefixes?: string[];
  }[];
}

export interface EffectiveRouteView {
  /** The part of the queried block (the address itself for an address query). */
  range: string;
  /** The winning route: its destination member, target, origin, state, the prefix that matched, its tier. */
  route?: Record<string, string>;
}

export class NetworkControls {
  constructor(private readonly host: NetworkControlHost) {}

  private region(): RegionState {
    this.host.settle();
    return this.host.state();
  }

  /** BGP of one session, one family or every session of an interface; `down` withdraws their routes. */
  setBgpStatus(virtualInterfaceId: string, status: "up" | "down", selector: PeerSelector = {}): void {
    const state = this.region();
    setBgpStatus(state, virtualInterfaceId, status, this.host.nowMs(), this.host.emitter(state), selector);
  }

  /** What on-premises advertises over the selected sessions (e.g. an aggregate, or more specifics). */
  setAdvertisedPrefixes(
    virtualInterfaceId: string,
    prefixes: readonly string[],
    selector: PeerSelector = {},
  ): void {
    setAdvertisedPrefixes(this.region(), virtualInterfaceId, prefixes, selector);
  }

  /** Data-plane loss (`false`) or recovery of an interface, for one address family or both; BGP is untouched. */
  setDataPlane(virtualInterfaceId: string, up: boolean, addressFamily?: AddressFamily): void {
    setDataPlane(virtualInterfaceOf(this.region(), virtualInterfaceId), up, addressFamily);
  }

  /** Ends the running failover test of an interface as `failed`; returns its test id. */
  failBgpFailoverTest(virtualInterfaceId: string): string {
    const state = this.region();
    return failBgpFailoverTest(state, virtualInterfaceId, this.host.nowMs(), this.host.emitter(state));
  }

  virtualInterface(virtualInterfaceId: string): VirtualInterfaceView {
    const state = this.region();
    const vif = virtualInterfaceOf(state, virtualInterfaceId);
    return {
      virtualInterfaceId: vif.id,
      virtualInterfaceState: shownVifState(state, vif),
      dataPlane: planeSummary(vif.dataPlane),
      dataPlanes: { ipv4: vif.dataPlane.ipv4 ? "up" : "down", ipv6: vif.dataPlane.ipv6 ? "up" : "down" },
      bgpPeers: vif.bgpPeers.map((p) => ({
        bgpPeerId: p.bgpPeerId,
        addressFamily: p.addressFamily,
        bgpPeerState: p.bgpPeerState ?? "available",
        bgpStatus: peerStatus(state, vif, p),
        ...(p.advertisedPrefixes === undefined ? {} : { advertisedPrefixes: [...p.advertisedPrefixes] }),
      })),
    };
  }

  /** Whether traffic of a family crosses Direct Connect into the gateway's VPC right now. */
  directConnectPathUp(virtualGatewayId: string, family: AddressFamily = "ipv4"): boolean {
    return directConnectPathUp(this.region(), virtualGatewayId, family);
  }

  /** New entries for a prefix list (a new version); returns the version. */
  setPrefixListEntries(
    prefixListId: string,
    entries: readonly { cidr: string; description?: string }[],
  ): number {
    return setPrefixListEntries(this.region(), prefixListId, entries).version;
  }

  /** Replaces the enforced tag policies. */
  setTagPolicies(policies: readonly TagPolicyModel[]): void {
    const state = this.region();
    state.tagPolicies.length = 0;
    state.tagPolicies.push(...policies.map((p) => ({ ...p, enforcedFor: [...p.enforcedFor] })));
  }

  /** Log lines received by CloudWatch Logs; their EMF metrics become datapoints. */
  ingestLogEvents(lines: readonly string[]): EmfResult {
    return ingestLogEvents(this.region(), lines, this.host.nowMs());
  }

  /** The route a table uses for an address, or the parts of a block and the route of each. */
  effectiveRoutes(routeTableId: string, query: string): EffectiveRouteView[] {
    const state = this.region();
    const table = state.routeTables.get(routeTableId);
    if (table === undefined) {
      throw new SimAwsError(
        "InvalidRouteTableID.NotFound",
        `The routeTable ID '${routeTableId}' does not exist`,
      );
    }
    return effectiveRoutes(state, table, query).map((r) => {
      const s = r.selected;
      if (s === undefined) return { range: r.range };
      return {
        range: r.range,
        route: {
          ...(destinationMember(s.route.destinationCidrBlock) as Record<string, string>),
          target: s.route.target,
          origin: s.route.origin,
          state: s.state,
          matched: s.matched,
          tier: s.tier,
        },
      };
    });
  }
}
