/**
 * The asymmetric hysteresis of a group: a failover is never delayed (M consecutive DX failures and a
 * healthy VPN are enough), a failback waits for the restore window, the dwell time after the last switch,
 * and a window that grows with each recent flap. Pure; the state lives in the route tables' tags.
 */

export interface BackoffPolicy {
  /** Each recent flap multiplies the restore window by this. */
  multiplier: number;
  /** The restore window never grows beyond this (ms). */
  maxRestoreWindowMs: number;
  /** A failover within this long after a failback is a flap; a later one starts the count again (ms). */
  memoryMs: number;
}

export interface HysteresisState {
  /** The last switch, either way (ms epoch). */
  lastSwitchAt?: number;
  /** The last failback (ms epoch). */
  lastFailbackAt?: number;
  /** Failovers in a row, each within `memoryMs` of the failback before it. */
  flaps: number;
}

/** How long DX must be healthy before a failback, after `flaps` recent flaps. */
export const requiredRestoreWindowMs = (
  restoreWindowMs: number,
  backoff: BackoffPolicy,
  flaps: number,
): number => {
  const cap = Math.max(restoreWindowMs, backoff.maxRestoreWindowMs);
  const grown = restoreWindowMs * backoff.multiplier ** Math.max(0, flaps);
  return Math.min(cap, Number.isFinite(grown) ? grown : cap);
};

/** The flap count after a failover at `now`: one more when it follows a recent failback, else none. */
export const flapsAfterFailover = (state: HysteresisState, backoff: BackoffPolicy, now: number): number =>
  state.lastFailbackAt !== undefined && now - state.lastFailbackAt < backoff.memoryMs ? state.flaps + 1 : 0;

/** Earliest time a failback may follow the last switch. */
export const dwellUntil = (state: HysteresisState, minDwellMs: number): number | undefined =>
  state.lastSwitchAt !== undefined ? state.lastSwitchAt + minDwellMs : undefined;
