import type { SnapshotResult } from "./snapshot";
import type { FixtureOut } from "./to-fixture/common";

/** Resources by kind, in the fixture's own collection names, only kinds with at least one. */
export const resourceCounts = (fixture: FixtureOut): [string, number][] =>
  Object.entries(fixture as Record<string, unknown>).flatMap(([kind, items]): [string, number][] =>
    Array.isArray(items) && items.length > 0 ? [[kind, items.length]] : [],
  );

/** The summary printed after a snapshot: what was read, the calls it took, retries, wall time. */
export const formatSummary = (result: SnapshotResult, out: string): string => {
  const { fixture, stats } = result;
  const calls = [...stats.calls.entries()].sort(([a], [b]) => a.localeCompare(b));
  return [
    `Snapshot of ${fixture.region} (account ${fixture.accountId}) written to ${out}`,
    "Resources:",
    ...resourceCounts(fixture).map(([kind, n]) => `  ${kind.padEnd(26)} ${String(n).padStart(6)}`),
    `Calls: ${stats.totalCalls} (read-only)`,
    ...calls.map(([operation, n]) => `  ${operation.padEnd(34)} ${String(n).padStart(6)}`),
    `Retries: ${stats.retries} (throttled answers: ${stats.throttled})`,
    `Wall time: ${(result.wallMs / 1000).toFixed(1)} s`,
    "",
  ].join("\n");
};
