/**
 * Instance health and restart: `DescribeInstanceStatus`, `StartInstances`, and the test hook that makes
 * an instance impaired or healthy again (sim/account/status-checks.ts holds the model).
 *
 * - `DescribeInstanceStatus` describes running instances only unless `IncludeAllInstances` is true,
 *   even for explicit ids (API reference: "By default, only running instances are described"; seen:
 *   aws/aws-cli #3182, boto/boto3 #3770); other states show `not-applicable` checks without details.
 *   An instance terminated for longer than EC2 keeps it visible (about an hour) is unknown:
 *   `InvalidInstanceID.NotFound` when named (seen: boto/boto3 #2720, DescribeInstanceStatus of a
 *   terminated instance), left out of a listing.
 * - `StartInstances`: `stopped` → `pending` → `running` after `behaviour.pendingToRunningMs`, hibernated
 *   instances resume the same way; `StateReason` is `pending` while pending and cleared when running,
 *   `LaunchTime` is the new start; checks start `initializing`. A running or pending instance is left as
 *   it is; `stopping`, `shutting-down`, `terminated` → `IncorrectInstanceState` "The instance '…' is not
 *   in a state from which it can be started." (seen: canonical/ubuntu-pro-client #1697), and the whole
 *   call fails (seen: cloud-custodian #3143). A stopped instance on an Outpost with no free slot of its
 *   type → `InsufficientInstanceCapacity` (500), nothing starts (sim/account/instance-capacity.ts).
 */
import type {
  DescribeInstanceStatusResult,
  InstanceStatus,
  InstanceStatusSummary,
  StartInstancesResult,
} from "@aws-sdk/client-ec2";
import type { OpContext, ServiceModel } from "./context";
import { checkIds, dryRun, goneAfterTermination, maxResults, noIdsWithMaxResults, RULES } from "./ec2-checks";
import { awsError, ec2ParamErrors } from "./errors";
import { startCapacityError } from "./instance-capacity";
import { applyFilters, type Params, paginate, readFilters } from "./query";
import { type InstanceModel, prune, type RegionState, STATE_CODES, STATE_REASONS } from "./state";
import {
  type InstanceStatusModel,
  reachabilityOf,
  type StatusCheckKind,
  type StatusCheckName,
  setStatusCheck,
  settledStatus,
} from "./status-checks";
import { noteStatus } from "./status-metrics";

/** The checks of an instance; one built without them (by another module) reads as settled for its state. */
function statusOf(inst: InstanceModel): InstanceStatusModel {
  return inst.status ?? settledStatus(inst.state === "running");
}

function summary(value: StatusCheckName, impairedSince: number | undefined): InstanceStatusSummary {
  const reachability = reachabilityOf(value);
  if (reachability === undefined) return { Status: value };
  return {
    Status: value,
    Details: [
      prune({
        Name: "reachability" as const,
        Status: reachability,
        ImpairedSince: impairedSince === undefined ? undefined : new Date(impairedSince),
      }),
    ],
  };
}

/** Attached EBS checks are not modelled on their own: they pass once the instance has initialized. */
function ebsStatus(inst: InstanceModel, status: InstanceStatusModel): StatusCheckName {
  if (inst.state !== "running") return "not-applicable";
  return status.okAt === undefined ? "ok" : "initializing";
}

function toInstanceStatus(inst: InstanceModel): InstanceStatus {
  const status = statusOf(inst);
  const ebs = ebsStatus(inst, status);
  const ebsReachability = reachabilityOf(ebs);
  return prune({
    AvailabilityZone: inst.availabilityZone,
    OutpostArn: inst.outpostArn,
    InstanceId: inst.id,
    InstanceState: { Code: STATE_CODES[inst.state], Name: inst.state },
    InstanceStatus: summary(status.instance, status.instanceImpairedSince),
    SystemStatus: summary(status.system, status.systemImpairedSince),
    AttachedEbsStatus:
      ebsReachability === undefined
        ? { Status: ebs }
        : { Status: ebs, Details: [{ Name: "reachability" as const, Status: ebsReachability }] },
    Events: [],
  });
}

function describeInstanceStatus(c: OpContext, p: Params): DescribeInstanceStatusResult {
  const ids = p.strList("InstanceIds");
  const max = maxResults(p, 5, 1000);
  noIdsWithMaxResults(ids, max, "instancesSet");
  if (ids !== undefined && ids.length > 100) {
    throw awsError(
      "InvalidParameterValue",
      "The maximum number of explicitly specified instance IDs is 100.",
    );
  }
  const filters = readFilters(p);
  const includeAll = p.bool("IncludeAllInstances") === true;
  p.bool("IncludeManagedResources"); // accepted (type-checked): the account has no managed instances
  const visible = (i: InstanceModel | undefined): i is InstanceModel =>
    i !== undefined && !goneAfterTermination(i, c.nowMs());
  if (ids !== undefined && ids.length > 0)
    checkIds(ids, RULES.instance, (id) => visible(c.state.instances.get(id)));
  dryRun(p);
  const candidates = (
    ids !== undefined && ids.length > 0
      ? [...new Set(ids)].map((id) => c.state.instances.get(id))
      : [...c.state.instances.values()]
  ).filter((i): i is InstanceModel => visible(i) && (includeAll || i.state === "running"));
  const statuses = candidates.map(toInstanceStatus);
  const check =
    (kind: "InstanceStatus" | "SystemStatus" | "AttachedEbsStatus", field: "Status" | "reachability") =>
    (s: InstanceStatus) =>
      field === "Status" ? [s[kind]?.Status] : (s[kind]?.Details ?? []).map((d) => d.Status);
  const matched = applyFilters(statuses, filters, {
    fields: {
      "availability-zone": (s) => [s.AvailabilityZone],
      "instance-state-code": (s) => [s.InstanceState?.Code],
      "instance-state-name": (s) => [s.InstanceState?.Name],
      "instance-status.status": check("InstanceStatus", "Status"),
      "instance-status.reachability": check("InstanceStatus", "reachability"),
      "system-status.status": check("SystemStatus", "Status"),
      "system-status.reachability": check("SystemStatus", "reachability"),
      "attached-ebs-status.status": check("AttachedEbsStatus", "Status"),
      "attached-ebs-status.reachability": check("AttachedEbsStatus", "reachability"),
      "event.code": () => [],
      "event.description": () => [],
      "event.instance-event-id": () => [],
      "event.not-after": () => [],
      "event.not-before": () => [],
      "event.not-before-deadline": () => [],
    },
    unknown: (name) => awsError("InvalidParameterValue", `The filter '${name}' is invalid`),
  });
  const { page, nextToken } = paginate(matched, {
    maxResults: max,
    nextToken: p.str("NextToken"),
    key: "DescribeInstanceStatus",
    errors: ec2ParamErrors,
  });
  return prune({ InstanceStatuses: page, NextToken: nextToken });
}

/** StartInstances: validates every instance first, then starts the stopped ones. */
function startInstances(c: OpContext, p: Params): StartInstancesResult {
  const ids = p.strList("InstanceIds");
  if (ids === undefined || ids.length === 0) throw ec2ParamErrors.missing("InstanceId");
  p.str("AdditionalInfo"); // accepted (type-checked), reserved by AWS
  checkIds(ids, RULES.instance, (id) => c.state.instances.has(id));
  dryRun(p);
  const instances = [...new Set(ids)].map((id) => c.state.instances.get(id) as InstanceModel);
  for (const inst of instances) {
    if (inst.state === "stopping" || inst.state === "shutting-down" || inst.state === "terminated") {
      throw awsError(
        "IncorrectInstanceState",
        `The instance '${inst.id}' is not in a state from which it can be started.`,
      );
    }
  }
  const now = c.nowMs();
  // The whole call fails and every instance stays stopped when one of them has no capacity.
  for (const inst of instances) {
    const noCapacity = startCapacityError(c.state, inst, now);
    if (noCapacity !== undefined) throw noCapacity;
  }
  return {
    StartingInstances: instances.map((inst) => {
      const previous = { Code: STATE_CODES[inst.state], Name: inst.state };
      if (inst.state === "stopped") {
        inst.stateReason = { ...STATE_REASONS.pending };
        inst.stateTransitionReason = "";
        inst.launchTime = new Date(now);
        c.state.changeInstanceState(inst, "pending", now, c.emit, {
          to: "running",
          at: now + c.state.behaviour.pendingToRunningMs,
        });
      }
      return {
        InstanceId: inst.id,
        CurrentState: { Code: STATE_CODES[inst.state], Name: inst.state },
        PreviousState: previous,
      };
    }),
  };
}

export type StatusCheckSetting = Exclude<StatusCheckName, "not-applicable">;

/**
 * Test hook (`account.setInstanceStatus`, `POST /__sim/instances/<id>/status`): sets the instance and/or
 * system check of a running instance, e.g. `impaired` (ImpairedSince = now) or back to `ok`.
 */
export function setInstanceStatus(
  state: RegionState,
  instanceId: string,
  checks: Partial<Record<StatusCheckKind, StatusCheckSetting>>,
  now: number,
): InstanceStatusModel {
  const inst = state.instances.get(instanceId);
  if (inst === undefined)
    throw awsError("InvalidInstanceID.NotFound", `The instance ID '${instanceId}' does not exist`);
  if (inst.state !== "running") {
    throw awsError(
      "IncorrectInstanceState",
      `The instance '${instanceId}' is ${inst.state}: status checks apply to running instances only.`,
    );
  }
  const status = statusOf(inst);
  for (const kind of ["instance", "system"] as const) {
    const value = checks[kind];
    if (value !== undefined) setStatusCheck(status, kind, value, now);
  }
  inst.status = status;
  noteStatus(state, inst, now);
  return status;
}

/** Registered in ec2Model (sim/account/ec2.ts). */
export const ec2InstanceStatusOperations: ServiceModel = {
  DescribeInstanceStatus: describeInstanceStatus,
  StartInstances: startInstances,
};
