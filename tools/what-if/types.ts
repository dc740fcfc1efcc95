/**
 * The vocabulary of a what-if (issue 13 item 2): a scenario injects one incident into a copy of an account
 * and the toolkit's real handlers respond over simulated time; the result is a timeline as data, which
 * timeline.ts renders as text and `--json` prints as is. Times are simulated ms relative to the incident
 * (negative: before it, while the account settled). No imports beyond types: the command line loads this
 * before deciding to load the simulated account.
 */
import type { Capability } from "../../functions/index";

export const SCENARIO_NAMES = ["dx-down", "node-stop", "firewall-replace", "idle"] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export const isScenarioName = (name: string): name is ScenarioName =>
  (SCENARIO_NAMES as readonly string[]).includes(name);

/** A what-if that cannot run on this account or configuration (exit 1). */
export class WhatIfError extends Error {}

/** What changed, by kind: a route, an ENI's attachment, an address, an instance's state, … */
export type ChangeKind = "route" | "eni" | "address" | "instance" | "group" | "dx" | "tag";

export interface Change {
  at: number;
  kind: ChangeKind;
  /** The resource (route table, ENI, instance, group, alarm, virtual interface). */
  resource: string;
  /** What of it changed, e.g. a route's destination, `attachment`, `state`. */
  subject: string;
  from?: string;
  to?: string;
}

/** An event AWS (or the simulated probe) emitted, and where the deployed rules send it. */
export interface EventEntry {
  at: number;
  /** `<detail-type> <subject> <state>`. */
  event: string;
  source: string;
  /** Functions it reaches and through which trigger; `run: false` for a function the what-if does not drive. */
  routedTo: Array<{ function: string; via: string; run: boolean }>;
  /** Why no function receives it. */
  ignored?: string;
}

export interface WriteCall {
  operation: string;
  input: Record<string, unknown>;
  /** `ok`, or the error code. */
  outcome: string;
}

export interface InvocationEntry {
  at: number;
  function: string;
  via: string;
  attempt: number;
  /** The handler's decision (its result's `decision`), `failed` when it threw, `timed out`. */
  decision: string;
  /** The handler's actions, one line each: `<description>: <status> <resource>, …`. */
  actions: string[];
  error?: string;
  writes: WriteCall[];
  /** Read calls by operation. */
  reads: Record<string, number>;
  /** Simulated ms the invocation took. */
  tookMs: number;
}

export interface CheckResult {
  invariant: string;
  meaning: string;
  holds: boolean;
  /** The first violations (a broken path shows at every step: the first ones say when it started). */
  violations: Array<{ at: number; message: string }>;
  /** How many there were in all. */
  violationCount: number;
}

export interface FinalState {
  /** Per route table of the scenario: destination → target (static and propagated routes of its CIDRs). */
  routes: Record<string, Record<string, string>>;
  /** ENI → `<instance> #<device index>` or `detached`. */
  enis: Record<string, string>;
  /** ENI → its private addresses (vFXT). */
  addresses: Record<string, string[]>;
  /** Instance → state (and lifecycle state for an Auto Scaling member). */
  instances: Record<string, string>;
  /** Anything else a scenario reports, e.g. the dx group's active path. */
  notes: string[];
}

export interface WhatIfResult {
  scenario: { name: ScenarioName; capability: Capability; target: string; description: string };
  account: string;
  config: string;
  /** Simulated start (ISO) of the run; the incident's time is `start + settledMs`. */
  start: string;
  /** How long the account needed to be ready for the incident (0: injected at once). */
  settledMs: number;
  incident: Array<{ at: number; what: string }>;
  events: EventEntry[];
  invocations: InvocationEntry[];
  changes: Change[];
  calls: { writes: number; reads: number; readsByOperation: Record<string, number> };
  final: FinalState;
  checks: CheckResult[];
  /** How the run ended: quiet (nothing queued, nothing changing) or at the cap. */
  end: { at: number; quiet: boolean; reason: string };
  /** Functions of other capabilities events were routed to (not run) and functions not driven. */
  notDriven: Record<string, string>;
}
