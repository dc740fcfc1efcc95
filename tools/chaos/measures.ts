/**
 * The measures of a chaos run (issue 14, "Measured"): durations in simulated seconds that each capability's
 * checker samples while it checks the invariants (tools/chaos/incidents/*.ts), summarized per capability
 * and campaign as count, p50, p95 and max:
 *
 * - `dx-blackholed-s`: per Direct Connect incident (from it to the next one), the seconds during which a
 *   configured CIDR of a group table had no effective route over a working path while one path worked;
 * - `eni-unserved-s <variant>`: from the firewall that held the ENIs leaving service (terminated, stopped,
 *   unhealthy) to a replacement InService and Healthy with every ENI of the set attached;
 * - `vfxt-unserved-s <variant>`: per configured address, from its node failing to the address being on
 *   exactly one healthy node of its cluster (the grace is part of it).
 *
 * The checkers step at the model's `stepMs` while something happens, so a duration is exact to one step.
 * An episode still open when the run ends is recorded as it stands and counted as `open`.
 */

/** Measure name → durations (simulated seconds). */
export type MeasureSamples = Record<string, number[]>;

export interface MeasureSummary {
  count: number;
  /** Episodes still open at the end of their run (their duration is a lower bound). */
  open: number;
  p50: number;
  p95: number;
  max: number;
}

export interface RunMeasures {
  samples: MeasureSamples;
  open: Record<string, number>;
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

export const summarize = (measures: RunMeasures): Record<string, MeasureSummary> => {
  const out: Record<string, MeasureSummary> = {};
  for (const [name, values] of Object.entries(measures.samples).sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...values].sort((a, b) => a - b);
    out[name] = {
      count: sorted.length,
      open: measures.open[name] ?? 0,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      max: sorted.at(-1) ?? 0,
    };
  }
  return out;
};

export const emptyMeasures = (): RunMeasures => ({ samples: {}, open: {} });

/** Adds a run's measures to a campaign's. */
export const addMeasures = (into: RunMeasures, from: RunMeasures | undefined): RunMeasures => {
  for (const [name, values] of Object.entries(from?.samples ?? {}))
    into.samples[name] = [...(into.samples[name] ?? []), ...values];
  for (const [name, n] of Object.entries(from?.open ?? {})) into.open[name] = (into.open[name] ?? 0) + n;
  return into;
};

export const formatMeasures = (summaries: Record<string, MeasureSummary>): string[] =>
  Object.entries(summaries).map(
    ([name, s]) =>
      `  ${name}: n=${s.count}${s.open > 0 ? ` (${s.open} open at the end)` : ""} p50 ${s.p50} s, p95 ${s.p95} s, max ${s.max} s`,
  );

/**
 * Episodes of a condition per key (an address, a group): `observe` opens one when the condition starts to
 * hold and records its length when it stops; `finish` records those still open.
 */
export class Episodes {
  readonly #open = new Map<string, number>();
  readonly #name: string;
  readonly #measures: RunMeasures;

  constructor(measures: RunMeasures, name: string) {
    this.#measures = measures;
    this.#name = name;
  }

  observe(key: string, holds: boolean, now: number): void {
    const since = this.#open.get(key);
    if (holds && since === undefined) this.#open.set(key, now);
    if (!holds && since !== undefined) {
      this.#open.delete(key);
      this.record((now - since) / 1000);
    }
  }

  record(seconds: number): void {
    const m = this.#measures;
    m.samples[this.#name] = [...(m.samples[this.#name] ?? []), Math.round(seconds)];
  }

  finish(now: number): void {
    for (const since of this.#open.values()) {
      this.record((now - since) / 1000);
      this.#measures.open[this.#name] = (this.#measures.open[this.#name] ?? 0) + 1;
    }
    this.#open.clear();
  }
}
