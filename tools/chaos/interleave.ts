/**
 * Interleavings (issue 14): what happens while the capability's functions run, as in AWS.
 *
 * - **Call latency.** Every AWS call of an invocation takes a seeded 5–300 ms of simulated time before
 *   the account answers it (`callLatency`, held at the harness's call gate, sim/lambda-timeout.ts): the
 *   trace's incidents and the account's timed transitions that fall due meanwhile happen between two
 *   calls of the handler, and the step invariants are checked after them.
 * - **Concurrency.** Deliveries of different functions that are due together run concurrently, each in its
 *   own execution environment (the harness builds a second handler when one is busy); their calls
 *   interleave in the order their latencies make them reach the account, on the one simulated clock.
 * - **Reserved concurrency.** A delivery to a function that already runs `reservedConcurrency` invocations
 *   (serverless.yml) is throttled; Lambda's asynchronous queue retries it "for up to 6 hours by default.
 *   The retry interval increases exponentially from 1 second after the first attempt to a maximum of 5
 *   minutes" (AWS Lambda Developer Guide, "How Lambda handles errors and retries with asynchronous
 *   invocation"); a throttle is no function error and uses none of `maximumRetryAttempts`; an event
 *   older than its maximum age is discarded to the on-failure destination (kept).
 */
import type { DeployedFunction } from "../../functions/index";
import { createRng } from "./prng";
import type { CapabilityModel, Params, TraceItem } from "./types";

/** serverless.yml `reservedConcurrency` per function key (a test compares them). */
export const RESERVED_CONCURRENCY: Readonly<Record<string, number>> = {
  idleHibernate: 1,
  idleAlarms: 1,
  dxFailover: 1,
  dxProbe: 2,
  eniReattach: 1,
  outpostsCapacity: 1,
  vfxtIpMove: 1,
};

/** Lambda's default maximum event age of an asynchronous event (none is set in serverless.yml). */
export const MAX_EVENT_AGE_MS = 6 * 3_600_000;
const FIRST_THROTTLE_RETRY_MS = 1_000;
const MAX_THROTTLE_RETRY_MS = 5 * 60_000;

/** The wait before the next attempt of an event throttled `throttles` times (1 s, 2 s, 4 s … 5 min). */
export const throttleRetryMs = (throttles: number): number =>
  Math.min(MAX_THROTTLE_RETRY_MS, FIRST_THROTTLE_RETRY_MS * 2 ** Math.max(0, throttles - 1));

const MIN_LATENCY_MS = 5;
const MAX_LATENCY_MS = 300;

/** FNV-1a: a string to 32 bits. */
const hash32 = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
};

/**
 * A delivery's stable identity: its function, its event (the event's id, else its content), its attempt,
 * its throttles and how many deliveries of that same key came before (a duplicate's copy). What else the
 * run did (a delivery more or less earlier, a dropped trace item) does not change it.
 */
export const deliveryIdentity = (fn: string, event: unknown, attempt: number, throttles: number): string => {
  const id = (event as { id?: unknown } | null)?.id;
  return `${fn}|${typeof id === "string" ? id : JSON.stringify(event)}|${attempt}|${throttles}`;
};

/**
 * The latencies of one invocation's calls, in call order: log-uniform in 5–300 ms (most calls fast, some
 * slow), from the run's seed and the delivery's stable identity (`deliveryIdentity`), so that an
 * invocation's calls take the same time whatever runs beside it or before it.
 */
export const callLatency = (seed: number, identity: string): (() => number) => {
  const rng = createRng((Math.imul(seed, 0x9e3779b1) ^ hash32(identity)) >>> 0);
  return () => Math.round(MIN_LATENCY_MS * (MAX_LATENCY_MS / MIN_LATENCY_MS) ** rng.next());
};

/** A queued delivery as far as throttling is concerned. */
export interface Throttleable {
  /** Times it was throttled so far. */
  throttles?: number;
  /** Simulated ms at which Lambda first queued it (its age counts from there). */
  since?: number;
}

export type ThrottleDecision =
  | { kind: "retry"; due: number; throttles: number; since: number }
  | { kind: "expired"; ageMs: number };

/** What Lambda does with a throttled delivery at `now`: retry it later, or discard it (too old). */
export const throttle = (p: Throttleable, now: number): ThrottleDecision => {
  const throttles = (p.throttles ?? 0) + 1;
  const since = p.since ?? now;
  const due = now + throttleRetryMs(throttles);
  if (due - since > MAX_EVENT_AGE_MS) return { kind: "expired", ageMs: now - since };
  return { kind: "retry", due, throttles, since };
};

/**
 * The functions' execution environments in use: whether a delivery may start (below the function's
 * reserved concurrency) and the invocations under way, to wait for.
 */
export class Lanes {
  readonly #running = new Map<string, number>();
  readonly #underway = new Set<Promise<void>>();
  #started = 0;

  /** The function's reserved concurrency (unreserved: unlimited). */
  limitOf(fn: Pick<DeployedFunction, "serverlessName">): number {
    return RESERVED_CONCURRENCY[fn.serverlessName] ?? Number.POSITIVE_INFINITY;
  }

  /** Whether the function runs as many invocations as its reserved concurrency allows. */
  full(fn: Pick<DeployedFunction, "name" | "serverlessName">): boolean {
    return (this.#running.get(fn.name) ?? 0) >= this.limitOf(fn);
  }

  /** Whether an invocation is under way. */
  get busy(): boolean {
    return this.#underway.size > 0;
  }

  /** Invocations started so far (the ordinal of the next one). */
  get started(): number {
    return this.#started;
  }

  /** Starts `work` as an invocation of `fn` (not awaited: `settled` waits for it). */
  start(fn: Pick<DeployedFunction, "name">, work: () => Promise<void>): void {
    this.#started += 1;
    this.#running.set(fn.name, (this.#running.get(fn.name) ?? 0) + 1);
    const underway: Promise<void> = work().finally(() => {
      this.#running.set(fn.name, (this.#running.get(fn.name) ?? 1) - 1);
      this.#underway.delete(underway);
    });
    this.#underway.add(underway);
  }

  /** Resolves once no invocation is under way, including those started meanwhile. */
  async settled(): Promise<void> {
    while (this.#underway.size > 0) await Promise.all([...this.#underway]);
  }
}

/**
 * Races: an incident of the capability pinned to a moment inside an invocation — during the latency of its
 * `call`-th AWS call (the classic race: the instance described as running is terminated before the write
 * that relies on it). A `race` item arms at its time; the next invocation started carries it.
 */
export interface Race {
  incident: string;
  call: number;
  params: Params;
}

export const raceOf = (item: TraceItem): Race => {
  const { incident, call, ...params } = item.params;
  return { incident: String(incident), call: Number(call), params };
};

/** Races per simulated day, beside the generator's incidents (their own seeded stream: adding them moves nothing else). */
const RACES_PER_DAY: readonly [number, number] = [1, 4];
const MAX_RACE_CALL = 12;
const DAY_MS = 86_400_000;

const weighted = <T extends { weight: number }>(items: readonly T[], x: number): T | undefined => {
  let left = x;
  for (const item of items) {
    left -= item.weight;
    if (left < 0) return item;
  }
  return items.at(-1);
};

export const drawRaces = (model: CapabilityModel, seed: number, days: number): TraceItem[] => {
  const rng = createRng((Math.imul(seed, 0x27d4eb2f) ^ 0x165667b1) >>> 0);
  const total = model.incidents.reduce((sum, i) => sum + i.weight, 0);
  const items: TraceItem[] = [];
  for (let day = 0; day < days; day++) {
    for (let k = rng.int(...RACES_PER_DAY); k > 0; k--) {
      const incident = weighted(model.incidents, rng.next() * total);
      if (incident === undefined) return items;
      const at = day * DAY_MS + rng.int(0, DAY_MS / 1000 - 1) * 1000;
      const call = rng.int(1, MAX_RACE_CALL);
      items.push({ at, kind: "race", params: { incident: incident.name, call, ...incident.draw(rng) } });
    }
  }
  return items;
};

/**
 * The latencies of an invocation carrying `race`: unchanged, and when its `call`-th call begins, `pin` is
 * told the simulated time halfway through that call's latency (where the race's incident happens).
 */
export const racingLatency = (
  latency: () => number,
  race: Race,
  now: () => number,
  pin: (at: number) => void,
): (() => number) => {
  let calls = 0;
  return () => {
    const ms = latency();
    calls += 1;
    if (calls === race.call) pin(now() + Math.floor(ms / 2));
    return ms;
  };
};
