/**
 * The vocabulary of the chaos campaign (issue 14): a trace is the list of incidents and faults a seed
 * drew for a capability over some simulated days; a capability model says how its incidents change the
 * simulated account, which API faults make sense for it, and how its invariants are checked.
 */
import type { Capability } from "../../functions/index";
import type { SimulatedAccount } from "../../sim/account/index";
import type { Harness, InvocationReport } from "../../sim/harness";
import type { SimServiceName } from "../../sim/types";
import type { RunMeasures } from "./measures";
import type { Rng } from "./prng";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Params = Record<string, JsonValue>;

/**
 * One thing that happens at `at` ms after the start: an incident of the capability (`incident:<name>`)
 * or a fault (`api-fault`, `api-latency`, `stale-read`, and the delivery faults `drop`, `duplicate`, `delay`,
 * `reorder`, `short-deadline`, which apply to the first delivery at or after `at`).
 */
export interface TraceItem {
  at: number;
  kind: string;
  params: Params;
}

export interface Trace {
  capability: Capability;
  seed: number;
  days: number;
  /** The account's variant (e.g. a replacement policy), drawn from the seed. */
  variant: string;
  items: TraceItem[];
}

export interface Violation {
  invariant: string;
  message: string;
  /** Simulated ms after the start. */
  at?: number;
}

/** The run's world, as incidents and checks see it. */
export interface World {
  harness: Harness;
  account: SimulatedAccount;
  /** Simulated epoch ms of the start. */
  start: number;
  /** The handlers' environment (OPS_CONFIG). */
  env: Record<string, string>;
}

export interface IncidentKind {
  name: string;
  /** Relative frequency among the capability's incidents. */
  weight: number;
  /** The incident's parameters, drawn when the trace is generated (the world is not known then). */
  draw(rng: Rng): Params;
  /** Applies it to the account; returns what happened in words (or why nothing could). */
  apply(world: World, params: Params): Promise<string> | string;
}

/**
 * An incident episode (drive6): what may follow an incident, drawn by the generator a little later, e.g. a
 * stopped vFXT node started again within its grace (the race the grace exists for).
 */
export interface Episode {
  /** The incident that opens the episode. */
  after: string;
  /** How likely a follow-up is. */
  chance: number;
  /** What may follow (its parameters are the opening incident's, e.g. the same node), by weight. */
  next: ReadonlyArray<{ incident: string; weight: number }>;
  /** The follow-up's delay after the opening incident, ms, drawn uniformly. */
  delayMs: readonly [number, number];
}

export interface ApiFaultTarget {
  service: SimServiceName;
  operation: string;
}

/** Checks that live for one run (they may keep state between steps). */
export interface Checker {
  /** Just before an invocation (a view of the state its writes are judged against). */
  beforeInvocation?(): void;
  /**
   * Just before each AWS call of an invocation reaches the account (the state that call is judged against),
   * with its operation when the request names it (`operationOf`: undefined for a REST route, and after a
   * fault's latency on an answer).
   */
  beforeCall?(operation?: string): void;
  /** After every invocation. */
  invocation(report: InvocationReport): Violation[];
  /** After every step of simulated time. */
  step(): Violation[];
  /** At the end of the run: the durations it measured (tools/chaos/measures.ts). */
  measures?(): RunMeasures;
}

export interface CapabilityModel {
  capability: Capability;
  /** Variants of the account a seed chooses from (the first is the default). */
  variants: readonly string[];
  /** The account (raw fixture JSON) of a variant. */
  fixture(variant: string): unknown;
  /** The stage configuration the handlers get as OPS_CONFIG, for a variant. */
  stage(variant: string): Record<string, unknown>;
  /** Functions of the capability the driver does not invoke, and why (reported). */
  notDriven: Record<string, string>;
  incidents: readonly IncidentKind[];
  apiFaults: readonly ApiFaultTarget[];
  incidentsPerDay: readonly [number, number];
  /** Episodes of a variant: follow-ups the generator draws after some incidents (none by default). */
  episodes?(variant: string): readonly Episode[];
  /** Simulated time between two steps while something is going on. */
  stepMs: number;
  /** How long after an incident or fault the driver keeps stepping at `stepMs`. */
  activeWindowMs: number;
  /**
   * How long after an incident its obligations may still come due (e.g. vfxt: grace + detection + the
   * `served` check): a run's drain goes on at least this long after its last incident (default
   * `activeWindowMs`).
   */
  settleMs?: number;
  /**
   * Largest step while nothing is going on: the scheduled reconciles due within one quiet step are
   * collapsed into one delivery (a fidelity trade for speed; default: no collapse).
   */
  quietStepMs?: number;
  /**
   * Whether a decision of the capability waits on time alone now (dx: a failback after the restore window;
   * idle: an instance's started-within window): quiet time then delivers every scheduled reconcile at its
   * time instead of one per `quietStepMs` jump.
   */
  timePending?(world: World): boolean;
  /** Lambda timeout of the capability's functions (serverless.yml). */
  timeoutMs: number;
  /** A function's own Lambda timeout when it is not `timeoutMs` (undefined: `timeoutMs`). */
  timeoutOf?(functionName: string): number | undefined;
  checker(world: World, variant: string): Checker;
  /**
   * Runs once per step before the deliveries (the parts of the stack outside Lambda, e.g. a probe agent);
   * returns events it puts on a bus. In a quiet stretch it also runs every `quietTickMs`.
   */
  tick?(world: World, now: number): Promise<unknown[]>;
  quietTickMs?: number;
}
