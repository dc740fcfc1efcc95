import { DeleteRouteCommand, UnassignPrivateIpAddressesCommand } from "@aws-sdk/client-ec2";
import { awsErrorCode } from "../../../shared/aws/errors";
import { describeNetworkInterfaces } from "../../../shared/observe/interfaces";
import {
  dryRunOutcome,
  notAttemptedOutcome,
  refusedOutcome,
  throwIfRetryableError,
} from "../../../shared/pipeline/outcome";
import type { ActionExecutor, PlannedAction, ResourceOutcome } from "../../../shared/pipeline/types";
import {
  DELETE_ROUTES_ACTION,
  type RouteDeletion,
  UNASSIGN_ACTION,
  type Unassignment,
  type VfxtParams,
} from "../plan";
import type { ExecutorDeps } from "./deps";
import { routeKey } from "./routes";

/**
 * The clean-up of retired addresses (reconcile only, planned by plan/cleanup.ts): one
 * `UnassignPrivateIpAddresses` per node ENI (synchronous; no `DryRun` parameter: a dry run reports the
 * planned calls) and one `DeleteRoute` per table (`InvalidRoute.NotFound`: already done).
 */

const unassignmentsOf = (action: PlannedAction<VfxtParams>): Unassignment[] => {
  if (action.params.kind !== "unassign") throw new Error(`${action.id}: not an unassign action`);
  return action.params.unassignments;
};

const deletionsOf = (action: PlannedAction<VfxtParams>): RouteDeletion[] => {
  if (action.params.kind !== "delete-routes") throw new Error(`${action.id}: not a route deletion`);
  return action.params.deletions;
};

/**
 * EC2 answers an unassign of an address no longer on the ENI `InvalidParameterValue` ("Some of the specified
 * addresses are not assigned to interface …"): also the SDK's retry of an unassign that landed although its
 * first answer was a 5xx or lost ("Ensuring idempotency in Amazon EC2 API requests"). Such a refusal is read
 * back: an address no longer on the ENI is off it already; the others keep the refusal.
 */
const readBackUnassign = async (
  deps: ExecutorDeps,
  u: Unassignment,
  error: unknown,
): Promise<ResourceOutcome[]> => {
  const refused = (a: string) => refusedOutcome(a, "UnassignPrivateIpAddresses", error);
  if (awsErrorCode(error) !== "InvalidParameterValue") return u.addresses.map(refused);
  const [eni] = await describeNetworkInterfaces(deps.ec2, [
    { Name: "network-interface-id", Values: [u.networkInterfaceId] },
  ]);
  const held = new Set(eni?.secondaryPrivateIps ?? []);
  return u.addresses.map(
    (a): ResourceOutcome =>
      held.has(a)
        ? refused(a)
        : { resource: a, status: "already-done", detail: `already off ${u.networkInterfaceId}` },
  );
};

const unassign = async (
  deps: ExecutorDeps,
  action: PlannedAction<VfxtParams>,
): Promise<ResourceOutcome[]> => {
  const out: ResourceOutcome[] = [];
  for (const u of unassignmentsOf(action)) {
    // Only a write that one attempt carries no further than the deadline (review7 F1).
    if (!deps.deadline.hasTimeForAttempt()) {
      out.push(...u.addresses.map((a) => notAttemptedOutcome(a, "UnassignPrivateIpAddresses")));
      continue;
    }
    try {
      await deps.ec2.send(
        new UnassignPrivateIpAddressesCommand({
          NetworkInterfaceId: u.networkInterfaceId,
          PrivateIpAddresses: u.addresses,
        }),
      );
      for (const a of u.addresses)
        out.push({ resource: a, status: "applied", detail: `off ${u.networkInterfaceId}` });
    } catch (error) {
      throwIfRetryableError("ec2", "UnassignPrivateIpAddresses", error);
      out.push(...(await readBackUnassign(deps, u, error)));
    }
  }
  return out;
};

const deleteRoutes = async (deps: ExecutorDeps, action: PlannedAction<VfxtParams>, dryRun: boolean) => {
  const out: ResourceOutcome[] = [];
  for (const d of deletionsOf(action)) {
    if (!dryRun && !deps.deadline.hasTimeForAttempt()) {
      out.push(notAttemptedOutcome(routeKey(d), "DeleteRoute"));
      continue;
    }
    try {
      await deps.ec2.send(
        new DeleteRouteCommand({
          RouteTableId: d.routeTableId,
          DestinationCidrBlock: d.destination,
          DryRun: dryRun,
        }),
      );
      out.push({ resource: routeKey(d), status: "applied", detail: `${d.destination} deleted` });
    } catch (error) {
      if (awsErrorCode(error) !== "DryRunOperation") throwIfRetryableError("ec2", "DeleteRoute", error);
      out.push(
        dryRun
          ? dryRunOutcome(routeKey(d), "DeleteRoute", error, "DryRunOperation: DeleteRoute would succeed")
          : refusedOutcome(routeKey(d), "DeleteRoute", error),
      );
    }
  }
  return out;
};

export const createUnassignExecutor = (deps: ExecutorDeps): ActionExecutor<VfxtParams> => ({
  kind: UNASSIGN_ACTION,
  dryRun: async (action) =>
    action.resources.map((resource) => ({
      resource,
      status: "planned",
      detail: "UnassignPrivateIpAddresses has no DryRun parameter: nothing was called",
    })),
  apply: (action) => unassign(deps, action),
});

export const createDeleteRoutesExecutor = (deps: ExecutorDeps): ActionExecutor<VfxtParams> => ({
  kind: DELETE_ROUTES_ACTION,
  dryRun: (action) => deleteRoutes(deps, action, true),
  apply: (action) => deleteRoutes(deps, action, false),
});
