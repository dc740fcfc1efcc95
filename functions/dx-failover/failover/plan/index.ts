import type { ProbeTriggerDetail } from "../../evidence";
import type { ObservedGroup } from "../observe";
import { decidePath } from "./decide";
import { describeSegment, type OverrideVerdict } from "./effective";
import { type ShortTable, shortOfRoutes } from "./headroom";
import {
  failbackVerdictOf,
  ourRoute,
  type PlanTable,
  planRoutes,
  type RouteGroup,
  type RoutePlan,
  staticFor,
} from "./routes";
import { fresher } from "./trigger";
import type {
  AddressFamily,
  Decision,
  FailoverPolicy,
  FailoverState,
  PathName,
  PathProbeSignals,
  Signals,
} from "./types";

export * from "./decide";

/**
 * The plan of one group, pure: (observed group, the accepted trigger evidence, a game-day command, policy,
 * now) → the decision, the route plan, and the judgments the caller alarms on (`override-defeated`,
 * `stuck-on-vpn`). Everything the function then does follows from this value.
 */

export interface GameDayCommand {
  command: "force" | "revert";
  group: string;
  path: PathName;
  minutes: number;
}

export interface GroupFacts {
  name: string;
  /** Canonical CIDRs. */
  cidrs: readonly string[];
  families: readonly AddressFamily[];
  /**
   * The families among the Direct Connect probe targets: each has probe evidence of its own. Undefined:
   * not known, the path-wide evidence stands for every family.
   */
  probeFamilies?: readonly AddressFamily[];
  policy: FailoverPolicy;
  observed: ObservedGroup;
  /** The trigger's detail, when its evidence was accepted. */
  trigger?: ProbeTriggerDetail;
  gameDay?: { command: GameDayCommand; maxMinutes: number };
  /** The longest override the function itself writes (`gameDayMaxMinutes`): a longer one in a tag is refused. */
  maxOverrideMs?: number;
  /** Non-propagated routes a table may hold per family (VPC quota, 50 unless raised). */
  routesPerTable?: number;
  now: number;
}

export interface BlockedFailback {
  routeTableId: string;
  cidr: string;
  /** The parts of the CIDR Direct Connect would not carry, and what would. */
  segments: string[];
}

export interface DefeatedOverride {
  routeTableId: string;
  cidr: string;
  /** The parts of the CIDR another route carries. */
  by: string[];
}

export interface GroupPlan {
  state: FailoverState;
  signals: Signals;
  decision: Decision;
  routeGroup: RouteGroup;
  plan: RoutePlan;
  /** Our routes whose failback Direct Connect cannot take (aggregate missing, no propagation, another route). */
  blocked: BlockedFailback[];
  /** Set when DX has been restored for `stuckOnVpnAfter` and a route of ours still cannot fail back. */
  stuckSince?: number;
  /** Cells where our route does (or, once written, would) not carry all of the CIDR. */
  defeated: DefeatedOverride[];
  /** Tables that could not take the failover's routes (route quota), judged on every run. */
  shortOfRoutes: ShortTable[];
  /** An override found in the state tags that no game-day command can have written (too long): ignored. */
  refusedOverride?: { force: PathName; until: number };
}

export const routeGroupOf = (facts: Pick<GroupFacts, "name" | "cidrs" | "observed">): RouteGroup => {
  const { observed } = facts;
  const current = observed.appliance.eniId;
  const previous = [
    ...(observed.recordedEni ? [observed.recordedEni] : []),
    ...observed.appliance.tagged,
  ].filter((e) => e !== current);
  const tables: PlanTable[] = observed.tables.map((t) => ({
    routeTableId: t.routeTableId,
    routes: t.routes,
    created: observed.owned[t.routeTableId] ?? [],
  }));
  return {
    name: facts.name,
    ...(current !== undefined ? { applianceEniId: current } : {}),
    previousEnis: [...new Set(previous)],
    cidrs: facts.cidrs,
    tables,
    prefixLists: observed.prefixLists,
    prefixListLimits: observed.prefixListLimits,
  };
};

/** Per CIDR with routes of ours: can Direct Connect take it everywhere; and the cells where it cannot. */
export const failbackReadiness = (
  group: RouteGroup,
): { ready: Record<string, boolean>; blocked: BlockedFailback[] } => {
  const ready: Record<string, boolean> = {};
  const blocked: BlockedFailback[] = [];
  for (const cidr of group.cidrs) {
    for (const table of group.tables) {
      if (ourRoute(group, table, cidr) === undefined) {
        // A route to the appliance that is not listed as ours (its ownership tag could not be written) keeps
        // the CIDR on the VPN in that table for good: never deleted by us, reported as blocked (stuck).
        const st = staticFor(table.routes, cidr);
        const eni = st?.targets.length === 1 ? st.targets[0]?.id : undefined;
        if (eni !== undefined && (eni === group.applianceEniId || group.previousEnis.includes(eni))) {
          blocked.push({
            routeTableId: table.routeTableId,
            cidr,
            segments: [`${cidr} → ${eni}: a static route the toolkit did not record as its own`],
          });
        }
        continue;
      }
      const verdict = failbackVerdictOf(group, table, cidr);
      ready[cidr] = (ready[cidr] ?? true) && verdict.kind === "direct-connect";
      if (verdict.kind === "blocked")
        blocked.push({
          routeTableId: table.routeTableId,
          cidr,
          segments: verdict.segments.map(describeSegment),
        });
    }
  }
  // Nothing of ours anywhere: a failback has nothing to wait for.
  if (Object.keys(ready).length === 0) for (const c of group.cidrs) ready[c] = true;
  return { ready, blocked };
};

/** Slack for the clocks of the invocation that wrote an override and the one reading it. */
const OVERRIDE_SKEW_MS = 60_000;

/**
 * An override in the tags lasting longer than any command may set was not written by the function (anyone
 * who may tag the table can write one: safety rule 9): it is dropped, and reported.
 */
const withoutForgedOverride = (state: FailoverState, facts: GroupFacts) => {
  const o = state.override;
  if (o === undefined || facts.maxOverrideMs === undefined) return { state };
  if (o.until - facts.now <= facts.maxOverrideMs + OVERRIDE_SKEW_MS) return { state };
  const { override: _refused, ...rest } = state;
  return { state: rest, refused: o };
};

const withGameDay = (state: FailoverState, facts: GroupFacts): FailoverState => {
  const c = facts.gameDay?.command;
  if (c === undefined) return state;
  if (c.command === "revert") {
    const { override: _dropped, ...rest } = state;
    return rest;
  }
  const minutes = Math.min(c.minutes, facts.gameDay?.maxMinutes ?? c.minutes);
  return { ...state, override: { force: c.path, until: facts.now + minutes * 60_000 } };
};

/** Every CIDR carried by an active propagated route in every table, our routes set aside. */
const dxRoutesShown = (group: RouteGroup): boolean =>
  group.tables.length > 0 &&
  group.tables.every((t) =>
    group.cidrs.every((c) => failbackVerdictOf(group, t, c).kind === "direct-connect"),
  );

/**
 * Direct Connect's evidence per family of its targets: the family's own series, else (a probe older than
 * the per-family series) the path-wide one; and the trigger's counters of that family when fresher.
 */
export const familyProbesOf = (
  facts: Pick<GroupFacts, "observed" | "trigger">,
  probeFamilies: readonly AddressFamily[],
): Partial<Record<AddressFamily, PathProbeSignals>> => {
  const { metrics } = facts.observed;
  const trigger = facts.trigger;
  return Object.fromEntries(
    probeFamilies.map((f) => {
      const own = metrics.directConnectFamilies?.[f];
      const event =
        trigger?.dx.families !== undefined
          ? trigger.dx.families[f]
          : own === undefined
            ? trigger?.dx
            : undefined;
      return [f, fresher(own ?? metrics.directConnect, event, trigger?.at)];
    }),
  );
};

const signalsOf = (facts: GroupFacts, ready: Record<string, boolean>, routeGroup: RouteGroup): Signals => {
  const { observed, trigger } = facts;
  return {
    probes: {
      directConnect: fresher(observed.metrics.directConnect, trigger?.dx, trigger?.at),
      vpn: fresher(observed.metrics.vpn, trigger?.vpn, trigger?.at),
      ...(facts.probeFamilies !== undefined
        ? { directConnectFamilies: familyProbesOf(facts, facts.probeFamilies) }
        : {}),
    },
    alarms: observed.alarms,
    virtualInterfaces: observed.virtualInterfaces,
    families: facts.families,
    ...(observed.appliance.signal ? { appliance: observed.appliance.signal } : {}),
    failbackReady: ready,
    dxRoutesShown: dxRoutesShown(routeGroup),
  };
};

const defeatedOf = (plan: RoutePlan): DefeatedOverride[] =>
  plan.cells.flatMap((c) =>
    c.override?.kind === "defeated" &&
    (c.action === "create" || c.action === "replace" || c.reason === "already-on-vpn")
      ? [{ routeTableId: c.routeTableId, cidr: c.cidr, by: c.override.by.map(describeSegment) }]
      : [],
  );

export const planGroup = (facts: GroupFacts): GroupPlan => {
  const checked = withoutForgedOverride(facts.observed.state, facts);
  const state = withGameDay(checked.state, facts);
  const routeGroup = routeGroupOf(facts);
  const { ready, blocked } = failbackReadiness(routeGroup);
  const signals = signalsOf(facts, ready, routeGroup);
  const decision = decidePath(signals, state, facts.policy, facts.now);
  const plan = planRoutes(decision, routeGroup);
  const restored = decision.assessment.dxRestoredSince;
  const stuck =
    blocked.length > 0 &&
    decision.assessment.dxRestored &&
    restored !== undefined &&
    facts.now - restored >= facts.policy.stuckOnVpnAfterMs;
  return {
    state,
    signals,
    decision,
    routeGroup,
    plan,
    blocked,
    ...(stuck ? { stuckSince: restored } : {}),
    defeated: defeatedOf(plan),
    shortOfRoutes: shortOfRoutes(routeGroup, facts.routesPerTable ?? 50),
    ...(checked.refused ? { refusedOverride: checked.refused } : {}),
  };
};

/** The override verdicts of the group's tables as they are now (after a write: from the read-back). */
export const overrideVerdicts = (
  group: RouteGroup,
  judge: (table: PlanTable, cidr: string) => OverrideVerdict | undefined,
): DefeatedOverride[] =>
  group.tables.flatMap((t) =>
    group.cidrs.flatMap((cidr) => {
      const v = ourRoute(group, t, cidr)?.current ? judge(t, cidr) : undefined;
      return v?.kind === "defeated"
        ? [{ routeTableId: t.routeTableId, cidr, by: v.by.map(describeSegment) }]
        : [];
    }),
  );
