/**
 * The `stale-read` fault of the campaigns (eventual consistency, "Eventual consistency in the Amazon EC2
 * API": a Describe right after a write may show the previous state, right after a create NotFound).
 * Per capability, the Describe operations whose answers its functions act on; the account's fault
 * injection makes them stale (sim/account/stale-reads.ts). Drawn from a stream of its own, so the other
 * items of a seed's trace are the ones it had before this fault existed.
 */

import type { Capability } from "../../functions/index";
import type { FaultSpec } from "../../sim/account/faults";
import { createRng } from "./prng";
import type { Params, TraceItem } from "./types";

/** The Describe operations each capability reads back after its writes (tags, attachments, routes, state). */
export const STALE_READ_TARGETS: Record<Capability, readonly string[]> = {
  "dx-failover": ["DescribeRouteTables"],
  "eni-reattach": ["DescribeNetworkInterfaces", "DescribeInstances"],
  "vfxt-ip-move": ["DescribeNetworkInterfaces", "DescribeRouteTables", "DescribeInstances"],
  "idle-hibernate": ["DescribeInstances"],
};

/** Share of incidents around which a stale-read fault is armed. */
const CHANCE = 0.35;
/** AWS: back off "starting with a couple of seconds"; the window is drawn from 1–10 s. */
const WINDOW_S: readonly [number, number] = [1, 10];

/** Stale-read faults around the trace's incidents: armed 0–60 s before one, for the driver's burst time. */
export const staleReadItems = (
  capability: Capability,
  seed: number,
  items: readonly TraceItem[],
): TraceItem[] => {
  // A multiplicative hash: the first draws of nearby seeds would otherwise be alike.
  const rng = createRng((Math.imul(seed, 0x9e3779b1) ^ 0x5ea1) >>> 0);
  const out: TraceItem[] = [];
  for (const item of items) {
    if (!item.kind.startsWith("incident:") || !rng.chance(CHANCE)) continue;
    const params: Params = {
      operation: rng.pick(STALE_READ_TARGETS[capability]),
      staleReadMs: rng.int(WINDOW_S[0], WINDOW_S[1]) * 1000,
    };
    const at = Math.max(0, item.at - rng.int(0, 60) * 1000);
    out.push({ at, kind: "stale-read", params });
  }
  return out;
};

/** The account fault of a `stale-read` trace item. */
export const staleReadFault = (params: Params): FaultSpec => ({
  service: "ec2",
  operation: String(params.operation),
  staleReadMs: Number(params.staleReadMs),
});
