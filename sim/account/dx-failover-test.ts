/**
 * Direct Connect failover tests: `StartBgpFailoverTest`, `StopBgpFailoverTest`,
 * `ListVirtualInterfaceTestHistory` (API reference; Direct Connect User Guide "Direct Connect Failover
 * Test").
 *
 * - Start puts the selected BGP sessions (default: all of the interface [decision]) DOWN at once, the
 *   interface `testing`, for `testDurationInMinutes` (default 180, at most 4,320) on the simulated clock;
 *   the routes only those sessions advertised are withdrawn from the propagating route tables.
 * - At the end AWS restores the sessions: status `completed`; `StopBgpFailoverTest` restores them early:
 *   `cancelled`; `failBgpFailoverTest` (control) models "an issue with the router": `failed`.
 * - Status wire values are not documented: `in-progress`, `completed`, `cancelled`, `failed` [decision].
 * - Every refusal (unknown interface or peer, bad duration, a test already running, nothing to stop) is
 *   `DirectConnectClientException` (the only client error the API declares) [decision on the cases].
 * - History is kept 365 days, newest first [decision on the order].
 */
import type {
  ListVirtualInterfaceTestHistoryResponse,
  StartBgpFailoverTestResponse,
  StopBgpFailoverTestResponse,
  VirtualInterfaceTestHistory,
} from "@aws-sdk/client-direct-connect";
import type { OpContext, ServiceModel } from "./context";
import { dxPageSize, dxParamErrors, emitBgpChange, peerStatus, virtualInterfaceOf } from "./dx";
import { awsError } from "./errors";
import { type Params, paginate } from "./query";
import { type EmitServiceEvent, prune, type RegionState, type VirtualInterfaceTestModel } from "./state";

const DEFAULT_TEST_MINUTES = 180;
const MAX_TEST_MINUTES = 4320;
const HISTORY_MS = 365 * 24 * 3600_000;

function refused(message: string) {
  return awsError("DirectConnectClientException", message);
}

function runningTest(state: RegionState, vifId: string): VirtualInterfaceTestModel | undefined {
  return state.virtualInterfaceTests.find(
    (t) => t.virtualInterfaceId === vifId && t.status === "in-progress",
  );
}

function toHistory(t: VirtualInterfaceTestModel): VirtualInterfaceTestHistory {
  return prune({
    testId: t.testId,
    virtualInterfaceId: t.virtualInterfaceId,
    bgpPeers: [...t.bgpPeers],
    status: t.status,
    ownerAccount: t.ownerAccount,
    testDurationInMinutes: t.testDurationInMinutes,
    startTime: new Date(t.startTime),
    endTime: t.endTime === undefined ? undefined : new Date(t.endTime),
  });
}

/** Ends a running test: its sessions come back to their own status, the interface to its state before. */
function endTest(
  state: RegionState,
  test: VirtualInterfaceTestModel,
  status: "completed" | "cancelled" | "failed",
  at: number,
  emit: EmitServiceEvent,
): void {
  const vif = state.virtualInterfaces.get(test.virtualInterfaceId);
  test.status = status;
  test.endTime = at;
  if (vif === undefined) return;
  const previous = vif.bgpPeers.map((p) => peerStatus(state, vif, p));
  for (const p of vif.bgpPeers) if (p.underTest === test.testId) p.underTest = undefined;
  if (vif.state === "testing") vif.state = test.stateBefore;
  emitBgpChange(state, vif, previous, at, emit, `failover test ${test.testId} ${status}`);
}

function readDuration(p: Params): number {
  const minutes = p.int("testDurationInMinutes") ?? DEFAULT_TEST_MINUTES;
  if (minutes < 1 || minutes > MAX_TEST_MINUTES) {
    throw refused(`testDurationInMinutes must be between 1 and ${MAX_TEST_MINUTES} minutes (72 hours).`);
  }
  return minutes;
}

function startBgpFailoverTest(c: OpContext, p: Params): StartBgpFailoverTestResponse {
  const vif = virtualInterfaceOf(c.state, p.reqStr("virtualInterfaceId"));
  const minutes = readDuration(p);
  const requested = p.strList("bgpPeers");
  const ids =
    requested === undefined || requested.length === 0 ? vif.bgpPeers.map((x) => x.bgpPeerId) : requested;
  const unknown = ids.find((id) => !vif.bgpPeers.some((x) => x.bgpPeerId === id));
  if (unknown !== undefined)
    throw refused(`BGP peer ${unknown} does not belong to virtual interface ${vif.id}.`);
  if (runningTest(c.state, vif.id) !== undefined)
    throw refused(`A failover test is already in progress on virtual interface ${vif.id}.`);
  if (vif.state !== "available")
    throw refused(`Virtual interface ${vif.id} is ${vif.state}; a failover test needs it available.`);
  const now = c.nowMs();
  const test: VirtualInterfaceTestModel = {
    testId: c.ids.next("dxtest"),
    virtualInterfaceId: vif.id,
    bgpPeers: [...new Set(ids)],
    status: "in-progress",
    ownerAccount: c.accountId,
    testDurationInMinutes: minutes,
    startTime: now,
    stateBefore: vif.state,
  };
  const previous = vif.bgpPeers.map((x) => peerStatus(c.state, vif, x));
  for (const peer of vif.bgpPeers) if (test.bgpPeers.includes(peer.bgpPeerId)) peer.underTest = test.testId;
  vif.state = "testing";
  c.state.virtualInterfaceTests.push(test);
  emitBgpChange(c.state, vif, previous, now, c.emit, `failover test ${test.testId} started`);
  const state = c.state;
  state.scheduled.push({
    at: now + minutes * 60_000,
    run: (emit) => {
      if (test.status === "in-progress") endTest(state, test, "completed", now + minutes * 60_000, emit);
    },
  });
  return { virtualInterfaceTest: toHistory(test) };
}

function stopBgpFailoverTest(c: OpContext, p: Params): StopBgpFailoverTestResponse {
  const vif = virtualInterfaceOf(c.state, p.reqStr("virtualInterfaceId"));
  const test = runningTest(c.state, vif.id);
  if (test === undefined) throw refused(`No failover test is in progress on virtual interface ${vif.id}.`);
  endTest(c.state, test, "cancelled", c.nowMs(), c.emit);
  return { virtualInterfaceTest: toHistory(test) };
}

/** Control hook: the running test on an interface ends early as `failed` (BGP restored). */
export function failBgpFailoverTest(
  state: RegionState,
  vifId: string,
  at: number,
  emit: EmitServiceEvent,
): string {
  const vif = virtualInterfaceOf(state, vifId);
  const test = runningTest(state, vif.id);
  if (test === undefined) throw refused(`No failover test is in progress on virtual interface ${vif.id}.`);
  endTest(state, test, "failed", at, emit);
  return test.testId;
}

function listVirtualInterfaceTestHistory(c: OpContext, p: Params): ListVirtualInterfaceTestHistoryResponse {
  const testId = p.str("testId");
  const vifId = p.str("virtualInterfaceId");
  const peers = p.strList("bgpPeers") ?? [];
  const status = p.str("status");
  const since = c.nowMs() - HISTORY_MS;
  const matched = c.state.virtualInterfaceTests
    .filter(
      (t) =>
        t.startTime >= since &&
        (testId === undefined || t.testId === testId) &&
        (vifId === undefined || t.virtualInterfaceId === vifId) &&
        (peers.length === 0 || t.bgpPeers.some((id) => peers.includes(id))) &&
        (status === undefined || t.status === status),
    )
    .reverse();
  const { page, nextToken } = paginate(matched, {
    maxResults: dxPageSize(p),
    nextToken: p.str("nextToken"),
    key: "ListVirtualInterfaceTestHistory",
    errors: dxParamErrors,
  });
  return prune({ virtualInterfaceTestHistory: page.map(toHistory), nextToken });
}

/** Registered with the Direct Connect model (sim/account/account.ts). */
export const bgpFailoverTestModel: ServiceModel = {
  StartBgpFailoverTest: startBgpFailoverTest,
  StopBgpFailoverTest: stopBgpFailoverTest,
  ListVirtualInterfaceTestHistory: listVirtualInterfaceTestHistory,
};
