/**
 * Draws a trace from a seed: per simulated day, incidents of the capability at random times, API faults
 * (throttling, 5xx, latency) on the operations its functions call, writes that land before their 5xx or
 * lost answer (landing-faults.ts), stale reads (stale-reads.ts), and delivery faults (lost, duplicated,
 * delayed, reordered events; a function cut short by its timeout), all from one seeded generator.
 */
import { drawRaces } from "./interleave";
import { landingFaultItems } from "./landing-faults";
import { createRng, type Rng } from "./prng";
import { staleReadItems } from "./stale-reads";
import type { CapabilityModel, Params, Trace, TraceItem } from "./types";

export const DAY_MS = 86_400_000;

/** Errors AWS answers when throttling or failing on its side, by service (codes and HTTP statuses). */
const API_ERRORS: Record<string, ReadonlyArray<{ code: string; httpStatus: number }>> = {
  ec2: [
    { code: "RequestLimitExceeded", httpStatus: 503 },
    { code: "InternalError", httpStatus: 500 },
    { code: "Unavailable", httpStatus: 503 },
  ],
  autoscaling: [
    { code: "Throttling", httpStatus: 400 },
    { code: "InternalFailure", httpStatus: 500 },
  ],
  monitoring: [
    { code: "Throttling", httpStatus: 400 },
    { code: "InternalServiceError", httpStatus: 500 },
  ],
  directconnect: [{ code: "DirectConnectServerException", httpStatus: 500 }],
  events: [{ code: "ThrottlingException", httpStatus: 400 }],
  outposts: [{ code: "InternalServerException", httpStatus: 500 }],
};

/**
 * Errors of one operation, drawn as often as each generic one: a Region without capacity to start a
 * stopped (or hibernated) instance (EC2 API "Error codes": InsufficientInstanceCapacity, a server error).
 */
const OPERATION_ERRORS: Record<string, ReadonlyArray<{ code: string; httpStatus: number }>> = {
  "ec2:StartInstances": [{ code: "InsufficientInstanceCapacity", httpStatus: 500 }],
};

const DELIVERY_FAULTS = ["drop", "duplicate", "delay", "reorder", "short-deadline"] as const;

const pickWeighted = <T extends { weight: number }>(rng: Rng, items: readonly T[]): T => {
  const total = items.reduce((sum, i) => sum + i.weight, 0);
  let x = rng.next() * total;
  for (const item of items) {
    x -= item.weight;
    if (x < 0) return item;
  }
  const last = items.at(-1);
  if (last === undefined) throw new Error("no incident kinds");
  return last;
};

const apiFault = (rng: Rng, model: CapabilityModel): { kind: string; params: Params } => {
  const target = rng.pick(model.apiFaults);
  if (rng.chance(0.25))
    return {
      kind: "api-latency",
      // Up to 8 calls: past the SDK's 5 attempts, so that every attempt of a call can meet the request
      // timeout (3 s) and the call fail although its first attempt landed (review 9, finding 3).
      params: { ...target, latencyMs: rng.int(1, 20) * 1000, times: rng.int(1, 8) },
    };
  const error = rng.pick([
    ...(API_ERRORS[target.service] ?? []),
    ...(OPERATION_ERRORS[`${target.service}:${target.operation}`] ?? []),
  ]);
  return { kind: "api-fault", params: { ...target, ...error, times: rng.int(1, 4) } };
};

const deliveryFault = (rng: Rng): { kind: string; params: Params } => {
  const kind = rng.pick(DELIVERY_FAULTS);
  if (kind === "delay") return { kind, params: { delayMs: rng.int(1, 900) * 1000 } };
  if (kind === "short-deadline") return { kind, params: { timeoutMs: rng.int(1, 20) * 1000 } };
  return { kind, params: {} };
};

/** The trace of `seed`: `days` simulated days of the capability's incidents and faults. */
export const generateTrace = (model: CapabilityModel, seed: number, days: number): Trace => {
  const rng = createRng(seed);
  const variant = rng.pick(model.variants);
  const items: TraceItem[] = [];
  for (let day = 0; day < days; day++) {
    const base = day * DAY_MS;
    const [min, max] = model.incidentsPerDay;
    for (let k = rng.int(min, max); k > 0; k--) {
      const incident = pickWeighted(rng, model.incidents);
      const at = base + rng.int(0, DAY_MS / 1000 - 1) * 1000;
      items.push({ at, kind: `incident:${incident.name}`, params: incident.draw(rng) });
      // Faults cluster around incidents: that is when the functions call the APIs.
      for (let f = rng.int(0, 2); f > 0; f--) {
        const near = at + rng.int(-60, 600) * 1000;
        const fault = rng.chance(0.5) ? apiFault(rng, model) : deliveryFault(rng);
        items.push({ at: Math.max(base, near), ...fault });
      }
    }
  }
  items.push(...drawEpisodes(model, variant, seed, days, items));
  items.push(...staleReadItems(model.capability, seed, items));
  // Writes that land although their caller sees a 5xx or no answer (tools/chaos/landing-faults.ts).
  items.push(...landingFaultItems(model.capability, seed, items));
  // Incidents inside invocations, between two of their calls (tools/chaos/interleave.ts).
  items.push(...drawRaces(model, seed, days));
  items.sort((a, b) => a.at - b.at);
  return { capability: model.capability, seed, days, variant, items: withLateCopies(seed, items) };
};

// ── drive6: episodes and late duplicates, each from a seeded stream of its own (the other draws stay put) ──

/**
 * Follow-ups of the incidents that open one of the model's episodes (`CapabilityModel.episodes`): with
 * its chance, one of its `next` incidents at its drawn delay, with the opening's parameters it shares
 * (e.g. the same `node`). Only within the trace's days (the drain applies no new incidents).
 */
export const drawEpisodes = (
  model: CapabilityModel,
  variant: string,
  seed: number,
  days: number,
  items: readonly TraceItem[],
): TraceItem[] => {
  const episodes = model.episodes?.(variant) ?? [];
  if (episodes.length === 0) return [];
  const rng = createRng((Math.imul(seed, 0x632be5ab) ^ 0x5bd1e995) >>> 0);
  const follow: TraceItem[] = [];
  for (const item of items) {
    const episode = episodes.find((e) => `incident:${e.after}` === item.kind);
    if (episode === undefined || !rng.chance(episode.chance)) continue;
    const next = pickWeighted(rng, episode.next);
    const kind = model.incidents.find((k) => k.name === next.incident);
    const at = item.at + rng.int(episode.delayMs[0] / 1000, episode.delayMs[1] / 1000) * 1000;
    if (kind === undefined || at >= days * DAY_MS) continue;
    const drawn = kind.draw(rng);
    const shared = Object.fromEntries(Object.entries(item.params).filter(([key]) => key in drawn));
    follow.push({ at, kind: `incident:${kind.name}`, params: { ...drawn, ...shared } });
  }
  return follow;
};

/** Share of duplicates whose copy comes late (Lambda's queue is eventually consistent, EventBridge unordered). */
const LATE_COPY_CHANCE = 0.3;

/**
 * A duplicate's copy: back to back for most, for some 1–900 s later (`copyDelayMs`, the `delay` fault's
 * range), after newer events: the stale duplicate (a node's `stopping` again after its `running`).
 */
export const withLateCopies = (seed: number, items: readonly TraceItem[]): TraceItem[] => {
  const rng = createRng((Math.imul(seed, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0);
  return items.map((item) =>
    item.kind !== "duplicate" || "copyDelayMs" in item.params || !rng.chance(LATE_COPY_CHANCE)
      ? item
      : { ...item, params: { ...item.params, copyDelayMs: rng.int(1, 900) * 1000 } },
  );
};
