/**
 * Eventual consistency of EC2 reads ("Eventual consistency in the Amazon EC2 API",
 * https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html): "the result of an API
 * command you run that affects your Amazon EC2 resources might not be immediately visible to all
 * subsequent commands you run"; right after a create, "its ID might not have propagated throughout the
 * system, and you will get an error responding that the resource does not exist"
 * (`InvalidInstanceID.NotFound` after RunInstances).
 *
 * Opt-in: only while a `staleReadMs` fault is armed (faults.ts) does the account keep, per instance, ENI
 * and route table, the version before the last write that changed it (an API call other than
 * Describe/Get/List). A matching Describe within the window after that write answers from that version
 * (absent when the write created it: the Describe's own NotFound); an instance launched within the window
 * (by RunInstances or by Auto Scaling) is not found yet. Nothing is kept or compared when no such fault
 * is armed.
 */
import type { EniModel, InstanceModel, RegionState, RouteTableModel } from "./state";

type Kind = "instances" | "networkInterfaces" | "routeTables";
const KINDS: readonly Kind[] = ["instances", "networkInterfaces", "routeTables"];
type Model = InstanceModel | EniModel | RouteTableModel;

/** The three maps before a write (deep copies). */
export type BeforeWrite = Record<Kind, Map<string, Model>>;

interface PreviousVersion {
  /** The resource before the write; undefined when the write created it. */
  before: Model | undefined;
  /** When the write happened (simulated ms). */
  at: number;
}

const READ = /^(Describe|Get|List)/;

/** True when `operation` changes nothing (its previous versions need not be kept). */
export const isRead = (operation: string): boolean => READ.test(operation);

const same = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map && b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !same(v, b.get(k))) return false;
    return true;
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
};

/** Previous versions per region state (kept only while a stale-read fault is armed). */
export class StaleReads {
  private readonly versions = new WeakMap<RegionState, Map<string, PreviousVersion>>();

  /** Copies what a write may change; call only when a stale-read fault is armed and the call writes. */
  capture(state: RegionState): BeforeWrite {
    return {
      instances: structuredClone(state.instances) as Map<string, Model>,
      networkInterfaces: structuredClone(state.networkInterfaces) as Map<string, Model>,
      routeTables: structuredClone(state.routeTables) as Map<string, Model>,
    };
  }

  /** Records, for every resource the write changed, created or deleted, its version before it. */
  recordWrite(state: RegionState, before: BeforeWrite, now: number, keepMs: number): void {
    let versions = this.versions.get(state);
    if (versions === undefined) {
      versions = new Map();
      this.versions.set(state, versions);
    }
    for (const [key, version] of versions) if (now - version.at >= keepMs) versions.delete(key);
    for (const kind of KINDS) {
      const after = state[kind] as Map<string, Model>;
      const old = before[kind];
      for (const id of new Set([...old.keys(), ...after.keys()])) {
        if (!same(old.get(id), after.get(id)))
          versions.set(`${kind}|${id}`, { before: old.get(id), at: now });
      }
    }
  }

  /**
   * The state a stale Describe reads: the live state, with each resource written within `windowMs`
   * before `now` at its previous version, and instances launched within the window not there yet.
   */
  view(state: RegionState, now: number, windowMs: number): RegionState {
    const stale: Record<Kind, Map<string, Model>> = {
      instances: new Map(state.instances),
      networkInterfaces: new Map(state.networkInterfaces),
      routeTables: new Map(state.routeTables),
    };
    for (const [id, instance] of state.instances) {
      if (now - instance.launchTime.getTime() < windowMs) stale.instances.delete(id);
    }
    for (const [key, version] of this.versions.get(state) ?? []) {
      if (now - version.at >= windowMs) continue;
      const [kind, id] = key.split("|") as [Kind, string];
      if (version.before === undefined) stale[kind].delete(id);
      else stale[kind].set(id, version.before);
    }
    const view = Object.create(state) as RegionState;
    for (const kind of KINDS) Object.defineProperty(view, kind, { value: stale[kind] });
    return view;
  }
}
