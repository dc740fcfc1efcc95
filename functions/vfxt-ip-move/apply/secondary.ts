import { AssignPrivateIpAddressesCommand } from "@aws-sdk/client-ec2";
import type { NetworkInterfaceView } from "../../../shared/observe/interfaces";
import { notAttemptedOutcome, refusedOutcome, throwIfRetryableError } from "../../../shared/pipeline/outcome";
import { runPool } from "../../../shared/pipeline/pool";
import type { ActionExecutor, PlannedAction, ResourceOutcome } from "../../../shared/pipeline/types";
import { readUntil } from "../../../shared/pipeline/verify";
import { loadHolders } from "../observe/loaders";
import { MOVE_SECONDARY_ACTION, type SecondaryAssignment, type VfxtParams } from "../plan";
import type { ExecutorDeps } from "./deps";

/**
 * Secondary private IPs: one `AssignPrivateIpAddresses` per target ENI with `AllowReassignment: true`
 * (the address leaves its old ENI, an Elastic IP follows it). One refused address fails the whole call,
 * and the refusal need not name it ("secondary-addresses"): a refusal that is not throttling, IAM or a
 * missing ENI is narrowed by splitting the batch in halves until the refused addresses stand alone, so the
 * others still move. The remap is asynchronous: the addresses are read back, in the cluster's VPC only,
 * until each shows on its target and on no other ENI of the VPC, bounded by the deadline and
 * `verifyTimeoutMs`. The call has no `DryRun` parameter: a dry run reports the planned calls.
 */

const OPERATION = "AssignPrivateIpAddresses";
/** Target ENIs written at once. */
const ASSIGN_CONCURRENCY = 4;
/** Refusals a smaller batch can get past: the request (an address), not the caller or the ENI. */
const NARROWABLE = new Set(["invalid", "refused", "conflict"]);

interface Progress {
  outcomes: Map<string, ResourceOutcome>;
  /** Address → the ENI it was assigned to. */
  expected: Map<string, string>;
}

const assignNarrowing = async (
  deps: ExecutorDeps,
  eniId: string,
  addresses: readonly string[],
  progress: Progress,
  split = false,
): Promise<void> => {
  // Only an assignment that one attempt carries no further than the deadline (review7 F1).
  if (!deps.deadline.hasTimeForAttempt()) {
    for (const a of addresses) progress.outcomes.set(a, notAttemptedOutcome(a, OPERATION));
    return;
  }
  try {
    await deps.ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: eniId,
        PrivateIpAddresses: [...addresses],
        AllowReassignment: true,
      }),
    );
    for (const a of addresses) progress.expected.set(a, eniId);
  } catch (error) {
    // Throttled or transient after the SDK's retries: thrown, the event is retried.
    const failure = throwIfRetryableError("ec2", OPERATION, error);
    if (addresses.length === 1 || !NARROWABLE.has(failure.category)) {
      const why = split ? " (isolated by splitting the call)" : "";
      for (const a of addresses)
        progress.outcomes.set(
          a,
          refusedOutcome(a, OPERATION, error, `${String((error as Error).message ?? error)}${why}`),
        );
      return;
    }
    const half = Math.ceil(addresses.length / 2);
    await assignNarrowing(deps, eniId, addresses.slice(0, half), progress, true);
    await assignNarrowing(deps, eniId, addresses.slice(half), progress, true);
  }
};

const holdersOf = (enis: readonly NetworkInterfaceView[], address: string): string[] =>
  enis
    .filter((e) => e.primaryPrivateIp === address || e.secondaryPrivateIps.includes(address))
    .map((e) => e.id);

/** Reads the addresses back (VPC-scoped) until each is on its target only; applied or unverified. */
const verify = async (deps: ExecutorDeps, vpcId: string, progress: Progress): Promise<void> => {
  const { expected } = progress;
  if (expected.size === 0) return;
  const settled = (enis: NetworkInterfaceView[]) =>
    [...expected].every(([address, eniId]) => {
      const holders = holdersOf(enis, address);
      return holders.length === 1 && holders[0] === eniId;
    });
  const result = await readUntil(() => loadHolders(deps.ec2, vpcId, [...expected.keys()]), settled, {
    deadline: deps.deadline,
    timeoutMs: deps.verifyTimeoutMs,
    intervalMs: 250,
    maxIntervalMs: 500,
  });
  for (const [address, eniId] of expected) {
    const holders = holdersOf(result.last, address);
    const done = holders.length === 1 && holders[0] === eniId;
    progress.outcomes.set(
      address,
      done
        ? {
            resource: address,
            status: "applied",
            detail: `on ${eniId} (read back after ${result.waitedMs} ms, ${result.reads} read(s))`,
          }
        : {
            resource: address,
            status: "unverified",
            detail: `expected on ${eniId} only, seen on [${holders.join(", ")}] after ${result.waitedMs} ms`,
          },
    );
  }
};

const paramsOf = (
  action: PlannedAction<VfxtParams>,
): { vpcId: string; assignments: SecondaryAssignment[] } => {
  if (action.params.kind !== "secondary") throw new Error(`${action.id}: not a secondary-IP action`);
  return action.params;
};

export const createSecondaryIpExecutor = (deps: ExecutorDeps): ActionExecutor<VfxtParams> => ({
  kind: MOVE_SECONDARY_ACTION,
  dryRun: async (action) =>
    action.resources.map((resource) => ({
      resource,
      status: "planned",
      detail: "AssignPrivateIpAddresses has no DryRun parameter: nothing was called",
    })),
  apply: async (action) => {
    const { vpcId, assignments } = paramsOf(action);
    const progress: Progress = { outcomes: new Map(), expected: new Map() };
    // Target ENIs are independent: a few at a time (EC2 throttles bursts of mutating calls).
    const pool = await runPool(
      assignments,
      { concurrency: ASSIGN_CONCURRENCY, deadline: deps.deadline },
      (a) =>
        assignNarrowing(
          deps,
          a.networkInterfaceId,
          a.addresses.map((x) => x.address),
          progress,
        ),
    );
    const thrown = pool.failed[0];
    if (thrown !== undefined) throw thrown.error;
    for (const a of pool.notStarted) {
      for (const x of a.addresses)
        progress.outcomes.set(x.address, notAttemptedOutcome(x.address, OPERATION));
    }
    await verify(deps, vpcId, progress);
    return action.resources.map((r) => progress.outcomes.get(r) ?? notAttemptedOutcome(r, OPERATION));
  },
});
