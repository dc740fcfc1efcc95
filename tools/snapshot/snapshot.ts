import { parseFixture } from "../../sim/account/fixture";
import { createSnapshotClients, destroyClients } from "./clients";
import { readAccount } from "./read/account";
import type { Backoff } from "./retry";
import type { Scope } from "./scope";
import { CallStats } from "./stats";
import { toFixture } from "./to-fixture";
import type { FixtureOut } from "./to-fixture/common";

export interface SnapshotOptions {
  region: string;
  scope: Scope;
  /** Attempts per call, the first included (default 10: a snapshot may page through thousands of resources). */
  maxAttempts?: number;
  backoffMs?: Backoff;
  /** Wall clock (the fixture's clock start; the summary's time). */
  now?: () => number;
  description?: string;
  /** Told the operation of the call the snapshot failed on. */
  onFailure?: (operation: string | undefined) => void;
}

export interface SnapshotResult {
  fixture: FixtureOut;
  stats: CallStats;
  wallMs: number;
}

const DEFAULT_MAX_ATTEMPTS = 10;

/**
 * Reads the account within the scope and returns it as a fixture, checked against the fixture schema
 * (a fixture the simulated account would refuse is an error, never written).
 */
export const takeSnapshot = async (options: SnapshotOptions): Promise<SnapshotResult> => {
  const now = options.now ?? Date.now;
  const started = now();
  const stats = new CallStats();
  const clients = createSnapshotClients(
    {
      region: options.region,
      maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      backoffMs: options.backoffMs,
    },
    stats,
  );
  try {
    const read = await readAccount(clients, options.scope, options.region, new Date(started));
    const fixture = toFixture(
      read,
      options.scope.keepTag,
      options.description ?? `Snapshot of ${options.region}`,
    );
    parseFixture(fixture, "snapshot");
    return { fixture, stats, wallMs: now() - started };
  } catch (error) {
    options.onFailure?.(stats.lastFailed);
    throw error;
  } finally {
    destroyClients(clients);
  }
};
