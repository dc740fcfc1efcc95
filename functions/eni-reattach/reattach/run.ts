/**
 * eni-reattach: moves a firewall group's pre-created ENIs to the instance that replaces the old one, on
 * the Auto Scaling lifecycle hooks, and completes the lifecycle action. See README "eni-reattach".
 *
 * Launch: observe (instance, ENI set, owners, limits, hook) → configuration and preflight checks →
 * per ENI: nothing / detach from the leaving instance and wait `available` / attach and wait `attached`
 * → DeleteOnTermination false, source/dest check → CONTINUE when all read attached. A fatal error
 * detaches what this run attached (never deletes an ENI) and ABANDONs. Heartbeats keep the action
 * alive during long waits. Terminate: detach early, then CONTINUE.
 */
import {
  type AutoScalingClient,
  CompleteLifecycleActionCommand,
  RecordLifecycleActionHeartbeatCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  AttachNetworkInterfaceCommand,
  DetachNetworkInterfaceCommand,
  type EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
} from "@aws-sdk/client-ec2";
import { ec2Arn, invocationAccount } from "../../../shared/aws/arn";
import { awsCall, hasAwsCode } from "../../../shared/aws/errors";
import { requireRegion } from "../../../shared/aws/region";
import type { LifecycleAction, ScheduleTick } from "../../../shared/events";
import {
  type EniView,
  loadAsgMembers,
  loadAvailableCapacity,
  loadEnis,
  loadGroups,
  loadLifecycleHooks,
  loadNetworkLimits,
  loadTaggedEnis,
} from "../../../shared/observe/attachments";
import { loadInstances } from "../../../shared/observe/loaders";
import type { InstanceView } from "../../../shared/observe/model";
import { publishActionEvents } from "../../../shared/pipeline/action-events";
import { readUntil } from "../../../shared/pipeline/verify";
import { AwsCallError, isOpsError } from "../../../shared/runtime/errors";
import type { OpsResult } from "../../../shared/runtime/handler";
import { count, Metric } from "../../../shared/runtime/observability";
import type { StageContext } from "../../config";
import { CAPABILITY, type EniReattachConfig, type EniReattachGroupConfig } from "../config";
import { checkLocalGatewayRoutes, type LocalGatewayRouteCheck } from "./lgw";
import type { EniReattachInput } from "./parse";
import { type EniSlot, planSlots, preflight, resolveEniSet, type SlotStep } from "./plan";

export type EniStatus =
  | "already-attached"
  | "attached"
  | "detached"
  | "refused"
  | "failed"
  | "rolled-back"
  | "planned"
  | "permitted";

export interface EniOutcome {
  eniId: string;
  deviceIndex: number;
  step: SlotStep["kind"] | "detach";
  status: EniStatus;
  from?: string;
  detail?: string;
}

export interface LifecycleOutcome {
  trigger: "event" | "reconcile";
  eventId: string;
  groupName: string;
  instanceId: string;
  hookName?: string;
  transition: "launch" | "terminate" | "repair";
  decision: string;
  /** The lifecycle result sent (or that would be sent in plan / dry-run mode). */
  result?: "CONTINUE" | "ABANDON";
  completion?: "completed" | "already-complete" | "not-sent";
  issues: string[];
  enis: EniOutcome[];
  heartbeats: number;
  localGatewayRoutes: LocalGatewayRouteCheck[];
  capacityWarning?: string;
}

export interface EniReattachResult extends OpsResult {
  outcomes: LifecycleOutcome[];
}

/** The lifecycle action being worked on (token from the event; reconcile completes by instance id). */
interface ActionRef {
  groupName: string;
  hookName: string;
  instanceId: string;
  token?: string;
}

interface Session {
  region: string;
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  context: StageContext;
  policy: EniReattachConfig;
  apply: boolean;
}

const groupPolicy = (policy: EniReattachConfig, name: string): EniReattachGroupConfig =>
  policy.groups.find((g) => g.name === name) ?? {
    name,
    sourceDestCheck: false,
    networkCardIndex: 0,
    hookNames: [],
    localGatewayRoutes: [],
    repairLocalGatewayRoutes: false,
  };

/** Retryable AWS failures are thrown (Lambda retries and converges); anything else is fatal for this run. */
const isRetryable = (error: unknown): boolean => isOpsError(error) && error.retryable;

// ---------------------------------------------------------------------------------------------
// Heartbeats

class Heartbeat {
  beats = 0;
  #last: number;
  constructor(
    private readonly session: Session,
    private readonly ref: ActionRef | undefined,
    private readonly timeoutSeconds: number,
    startedAt: number,
  ) {
    this.#last = Math.min(startedAt, session.context.clock.now());
  }

  /** Sends RecordLifecycleActionHeartbeat when less than the margin is left of the heartbeat timeout. */
  async maybeBeat(): Promise<void> {
    if (this.ref === undefined || !this.session.apply) return;
    const margin = Math.min(this.session.policy.heartbeatMarginSeconds, this.timeoutSeconds);
    if (this.session.context.clock.now() < this.#last + (this.timeoutSeconds - margin) * 1000) return;
    const ref = this.ref;
    try {
      await awsCall("autoscaling", "RecordLifecycleActionHeartbeat", () =>
        this.session.autoScaling.send(
          new RecordLifecycleActionHeartbeatCommand({
            AutoScalingGroupName: ref.groupName,
            LifecycleHookName: ref.hookName,
            InstanceId: ref.instanceId,
            LifecycleActionToken: ref.token,
          }),
        ),
      );
      this.beats += 1;
      this.#last = this.session.context.clock.now();
      this.session.context.logger.info("Lifecycle heartbeat sent", {
        instanceId: ref.instanceId,
        beats: this.beats,
      });
    } catch (error) {
      // A heartbeat that fails is logged; the completion reports whether the action was still pending.
      this.session.context.logger.warn("Lifecycle heartbeat failed", { error });
      this.#last = this.session.context.clock.now();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Calls

const completeAction = async (
  session: Session,
  ref: ActionRef,
  result: "CONTINUE" | "ABANDON",
): Promise<"completed" | "already-complete" | "not-sent"> => {
  if (!session.apply) return "not-sent";
  try {
    await awsCall("autoscaling", "CompleteLifecycleAction", () =>
      session.autoScaling.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: ref.groupName,
          LifecycleHookName: ref.hookName,
          InstanceId: ref.instanceId,
          LifecycleActionToken: ref.token,
          LifecycleActionResult: result,
        }),
      ),
    );
    return "completed";
  } catch (error) {
    // "No active Lifecycle Action found": completed already (a repeated event, or the timeout).
    if (error instanceof AwsCallError && error.context.category === "already-done") return "already-complete";
    throw error;
  }
};

const detach = async (session: Session, attachmentId: string, force: boolean): Promise<void> => {
  await awsCall("ec2", "DetachNetworkInterface", () =>
    session.ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId: attachmentId, Force: force })),
  );
};

const waitFor = async (
  session: Session,
  heartbeat: Heartbeat,
  eniIds: readonly string[],
  isDone: (enis: Map<string, EniView>) => boolean,
  timeoutMs: number,
): Promise<{ done: boolean; enis: Map<string, EniView> }> => {
  const waited = await readUntil(
    async () => {
      await heartbeat.maybeBeat();
      return new Map((await loadEnis(session.ec2, eniIds)).map((e) => [e.id, e]));
    },
    isDone,
    {
      deadline: session.context.deadline,
      timeoutMs,
      intervalMs: 250,
      maxIntervalMs: session.policy.pollMaxIntervalMs,
    },
  );
  return { done: waited.done, enis: waited.last };
};

const isAvailable = (eni: EniView | undefined) => eni !== undefined && eni.attachment === undefined;

const attachedAt = (eni: EniView | undefined, instanceId: string, slot: EniSlot, card: number) =>
  eni?.attachment?.instanceId === instanceId &&
  eni.attachment.deviceIndex === slot.deviceIndex &&
  eni.attachment.networkCardIndex === card &&
  eni.attachment.status === "attached";

// ---------------------------------------------------------------------------------------------
// Launch

interface LaunchRequest {
  trigger: "event" | "reconcile";
  eventId: string;
  ref: ActionRef;
  /** Complete a lifecycle action (launch hook) or only repair (an in-service firewall missing an ENI). */
  lifecycle: boolean;
  startedAt: number;
  /** The group's tagged ENIs when already read for this request. */
  tagged?: EniView[];
}

const emptyOutcome = (
  request: LaunchRequest,
  transition: LifecycleOutcome["transition"],
): LifecycleOutcome => ({
  trigger: request.trigger,
  eventId: request.eventId,
  groupName: request.ref.groupName,
  instanceId: request.ref.instanceId,
  ...(request.lifecycle ? { hookName: request.ref.hookName } : {}),
  transition,
  decision: "",
  issues: [],
  enis: [],
  heartbeats: 0,
  localGatewayRoutes: [],
});

const LAUNCH_WAIT_STATES = new Set(["Pending:Wait", "Warmed:Pending:Wait"]);

/** Finishes a launch that cannot go on: reported, nothing moved (or rolled back), ABANDON. */
const abandon = async (
  session: Session,
  request: LaunchRequest,
  outcome: LifecycleOutcome,
  decision: string,
  metric: string,
): Promise<LifecycleOutcome> => {
  outcome.decision = decision;
  count(session.context.metrics, metric);
  session.context.logger.error(`Launch of ${request.ref.instanceId} abandoned: ${decision}`, {
    issues: outcome.issues,
  });
  if (request.lifecycle) {
    outcome.result = "ABANDON";
    outcome.completion = await completeAction(session, request.ref, "ABANDON");
  }
  return outcome;
};

const runLaunch = async (session: Session, request: LaunchRequest): Promise<LifecycleOutcome> => {
  const { ref } = request;
  const group = groupPolicy(session.policy, ref.groupName);
  const card = group.networkCardIndex;
  const outcome = emptyOutcome(request, request.lifecycle ? "launch" : "repair");

  const [taggedEnis, hooks] = await Promise.all([
    request.tagged !== undefined
      ? Promise.resolve(request.tagged)
      : loadTaggedEnis(session.ec2, session.policy.tagKey, ref.groupName),
    request.lifecycle ? loadLifecycleHooks(session.autoScaling, ref.groupName) : Promise.resolve([]),
  ]);
  const set = resolveEniSet(taggedEnis, ref.groupName, session.policy.tagKey, {
    expectedInterfaces: group.expectedInterfaces,
    maxInterfaces: session.policy.maxInterfacesPerGroup,
  });
  if (set.slots.length === 0 && set.issues.length === 0) {
    outcome.decision = "ignored-no-tagged-enis";
    count(session.context.metrics, Metric.IgnoredEvents);
    return outcome;
  }
  const hook = hooks.find((h) => h.name === ref.hookName);
  const heartbeat = new Heartbeat(
    session,
    request.lifecycle ? ref : undefined,
    hook?.heartbeatTimeoutSeconds ?? 3600,
    request.startedAt,
  );
  const finish = () => {
    outcome.heartbeats = heartbeat.beats;
    return outcome;
  };

  // Configuration errors are reported before anything moves.
  if (set.issues.length > 0) {
    outcome.issues.push(...set.issues);
    finish();
    return abandon(session, request, outcome, "abandoned-configuration-error", Metric.ConfigurationErrors);
  }

  const enis = new Map(taggedEnis.map((e) => [e.id, e]));
  const ownerIds = [
    ref.instanceId,
    ...set.slots.flatMap((s) => {
      const owner = enis.get(s.eniId)?.attachment?.instanceId;
      return owner !== undefined ? [owner] : [];
    }),
  ];
  const [instances, members] = await Promise.all([
    loadInstances(session.ec2, ownerIds),
    loadAsgMembers(session.autoScaling, ownerIds),
  ]);
  const instanceMap = new Map(instances.map((i) => [i.id, i]));
  const instance = instanceMap.get(ref.instanceId);
  const member = members.get(ref.instanceId);
  if (instance === undefined || (instance.state !== "running" && instance.state !== "stopped")) {
    outcome.decision = "ignored-instance-gone";
    outcome.issues.push(`${ref.instanceId} is ${instance?.state ?? "gone"}: nothing to attach to`);
    count(session.context.metrics, Metric.IgnoredEvents);
    return finish();
  }
  if (request.lifecycle && member !== undefined && !LAUNCH_WAIT_STATES.has(member.lifecycleState)) {
    // A repeated or late event: the action is over. Converge the ENIs only if the instance serves.
    if (member.lifecycleState !== "InService") {
      outcome.decision = "ignored-not-pending";
      outcome.issues.push(`${ref.instanceId} is ${member.lifecycleState}, not waiting on the launch hook`);
      count(session.context.metrics, Metric.IgnoredEvents);
      return finish();
    }
  }

  const [limitsByType, capacityWarning] = await Promise.all([
    loadNetworkLimits(session.ec2, [instance.instanceType]),
    capacityCheckOnLaunch(session, instance),
  ]);
  if (capacityWarning !== undefined) outcome.capacityWarning = capacityWarning;

  const instanceEnis =
    instance.networkInterfaceIds.length > 0 ? await loadEnis(session.ec2, instance.networkInterfaceIds) : [];
  const issues = preflight({
    instance,
    limits: limitsByType.get(instance.instanceType),
    slots: set.slots,
    enis,
    instanceEnis,
    networkCardIndex: card,
  });
  if (issues.length > 0) {
    outcome.issues.push(...issues);
    finish();
    return abandon(session, request, outcome, "abandoned-preflight-failed", Metric.PreconditionFailures);
  }

  const steps = planSlots(ref.instanceId, set.slots, enis, { instances: instanceMap, members }, card);
  const refused = steps.filter((s): s is Extract<SlotStep, { kind: "refuse" }> => s.kind === "refuse");
  if (refused.length > 0) {
    for (const step of steps) {
      outcome.enis.push({
        eniId: step.slot.eniId,
        deviceIndex: step.slot.deviceIndex,
        step: step.kind,
        status: step.kind === "refuse" ? "refused" : "planned",
        ...(step.kind === "refuse" ? { from: step.from, detail: step.reason } : {}),
      });
    }
    outcome.issues.push(...refused.map((s) => s.reason));
    finish();
    return abandon(session, request, outcome, "abandoned-eni-in-use", Metric.Conflicts);
  }

  session.context.logger.info("Plan", { instanceId: ref.instanceId, steps });
  if (!session.apply) {
    for (const step of steps) {
      outcome.enis.push({
        eniId: step.slot.eniId,
        deviceIndex: step.slot.deviceIndex,
        step: step.kind,
        status: step.kind === "in-place" ? "already-attached" : "planned",
        ...(step.kind === "move" ? { from: step.from } : {}),
      });
    }
    if (session.context.mode === "dry-run") await dryRunAttach(session, steps, ref.instanceId, card, outcome);
    outcome.decision = steps.every((s) => s.kind === "in-place") ? "already-attached" : "planned";
    if (request.lifecycle) {
      outcome.result = "CONTINUE";
      outcome.completion = "not-sent";
    }
    return finish();
  }

  // Apply. Attachments made by this run, for the rollback.
  const attachedByUs: { eniId: string; attachmentId: string; deviceIndex: number }[] = [];
  try {
    const moves = steps.filter((s): s is Extract<SlotStep, { kind: "move" }> => s.kind === "move");
    await Promise.all(moves.filter((m) => !m.detaching).map((m) => detach(session, m.attachmentId, m.force)));
    if (moves.length > 0) {
      const ids = moves.map((m) => m.slot.eniId);
      const waited = await waitFor(
        session,
        heartbeat,
        ids,
        (read) => ids.every((id) => isAvailable(read.get(id))),
        session.policy.detachTimeoutMs,
      );
      if (!waited.done) {
        const stuck = ids.filter((id) => !isAvailable(waited.enis.get(id)));
        throw new FatalStep(
          `${stuck.join(", ")} did not become available within the wait (detach from the old instance)`,
        );
      }
      for (const m of moves)
        outcome.enis.push({
          eniId: m.slot.eniId,
          deviceIndex: m.slot.deviceIndex,
          step: "detach",
          status: "detached",
          from: m.from,
          detail: m.force ? "forced" : "",
        });
    }
    for (const step of steps) {
      if (step.kind !== "attach" && step.kind !== "move") continue;
      await heartbeat.maybeBeat();
      const answer = await awsCall("ec2", "AttachNetworkInterface", () =>
        session.ec2.send(
          new AttachNetworkInterfaceCommand({
            NetworkInterfaceId: step.slot.eniId,
            InstanceId: ref.instanceId,
            DeviceIndex: step.slot.deviceIndex,
            NetworkCardIndex: card,
          }),
        ),
      );
      attachedByUs.push({
        eniId: step.slot.eniId,
        attachmentId: answer.AttachmentId ?? "",
        deviceIndex: step.slot.deviceIndex,
      });
      count(session.context.metrics, Metric.ActionsTaken);
    }
    const ids = set.slots.map((s) => s.eniId);
    const waited = await waitFor(
      session,
      heartbeat,
      ids,
      (read) => set.slots.every((s) => attachedAt(read.get(s.eniId), ref.instanceId, s, card)),
      session.policy.attachTimeoutMs,
    );
    if (!waited.done) {
      const stuck = set.slots.filter((s) => !attachedAt(waited.enis.get(s.eniId), ref.instanceId, s, card));
      throw new FatalStep(`${stuck.map((s) => s.eniId).join(", ")} did not read attached within the wait`);
    }
    for (const slot of set.slots) {
      const eni = waited.enis.get(slot.eniId);
      const attachmentId = eni?.attachment?.attachmentId ?? "";
      if (eni?.attachment?.deleteOnTermination !== false) {
        await awsCall("ec2", "ModifyNetworkInterfaceAttribute", () =>
          session.ec2.send(
            new ModifyNetworkInterfaceAttributeCommand({
              NetworkInterfaceId: slot.eniId,
              Attachment: { AttachmentId: attachmentId, DeleteOnTermination: false },
            }),
          ),
        );
      }
      if (eni?.sourceDestCheck !== group.sourceDestCheck) {
        await awsCall("ec2", "ModifyNetworkInterfaceAttribute", () =>
          session.ec2.send(
            new ModifyNetworkInterfaceAttributeCommand({
              NetworkInterfaceId: slot.eniId,
              SourceDestCheck: { Value: group.sourceDestCheck },
            }),
          ),
        );
      }
      const step = steps.find((s) => s.slot.eniId === slot.eniId);
      outcome.enis.push({
        eniId: slot.eniId,
        deviceIndex: slot.deviceIndex,
        step: step?.kind ?? "in-place",
        status: step?.kind === "in-place" ? "already-attached" : "attached",
      });
    }
  } catch (error) {
    if (isRetryable(error)) throw error;
    outcome.issues.push(error instanceof Error ? error.message : String(error));
    await rollback(session, attachedByUs, outcome);
    finish();
    return abandon(session, request, outcome, "abandoned-attach-failed", Metric.ActionsFailed);
  }

  outcome.localGatewayRoutes = await checkLocalGatewayRoutes(session.ec2, {
    outpostArn: instance.outpostArn,
    slots: set.slots,
    group,
    apply: session.apply,
    logger: session.context.logger,
  });
  const changed = steps.some((s) => s.kind !== "in-place");
  outcome.decision = changed ? "attached" : "already-attached";
  if (request.lifecycle) {
    outcome.result = "CONTINUE";
    outcome.completion = await completeAction(session, ref, "CONTINUE");
    if (outcome.completion === "already-complete" && !changed) outcome.decision = "already-complete";
  }
  return finish();
};

class FatalStep extends Error {}

const rollback = async (
  session: Session,
  attached: readonly { eniId: string; attachmentId: string; deviceIndex: number }[],
  outcome: LifecycleOutcome,
): Promise<void> => {
  for (const a of attached) {
    try {
      // Detach only; a pre-created ENI is never deleted.
      await detach(session, a.attachmentId, false);
      outcome.enis.push({
        eniId: a.eniId,
        deviceIndex: a.deviceIndex,
        step: "detach",
        status: "rolled-back",
      });
    } catch (error) {
      outcome.issues.push(
        `rollback of ${a.eniId} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      outcome.enis.push({ eniId: a.eniId, deviceIndex: a.deviceIndex, step: "detach", status: "failed" });
    }
  }
};

const dryRunAttach = async (
  session: Session,
  steps: readonly SlotStep[],
  instanceId: string,
  card: number,
  outcome: LifecycleOutcome,
): Promise<void> => {
  for (const step of steps) {
    if (step.kind !== "attach") continue;
    try {
      await session.ec2.send(
        new AttachNetworkInterfaceCommand({
          NetworkInterfaceId: step.slot.eniId,
          InstanceId: instanceId,
          DeviceIndex: step.slot.deviceIndex,
          NetworkCardIndex: card,
          DryRun: true,
        }),
      );
    } catch (error) {
      const entry = outcome.enis.find((e) => e.eniId === step.slot.eniId);
      if (entry === undefined) continue;
      if (hasAwsCode(error, "DryRunOperation")) entry.status = "permitted";
      else entry.detail = `dry run: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
};

/** Outposts capacity on the launch path: a warning (never a refusal) when the type has none left. */
const capacityCheckOnLaunch = async (
  session: Session,
  instance: InstanceView,
): Promise<string | undefined> => {
  const outpostId = instance.outpostArn?.split("/").pop();
  if (outpostId === undefined || outpostId === "") return undefined;
  try {
    const counts = await loadAvailableCapacity(
      session.context.clients.cloudWatch(session.region),
      outpostId,
      [instance.instanceType],
      new Date(session.context.clock.now()),
    );
    if (counts.get(instance.instanceType) === 0) {
      const warning = `Outpost ${outpostId} has no ${instance.instanceType} capacity left: a further replacement would not launch`;
      session.context.logger.warn(warning);
      return warning;
    }
  } catch (error) {
    session.context.logger.warn("Outposts capacity check failed", { error });
  }
  return undefined;
};

// ---------------------------------------------------------------------------------------------
// Terminate

const runTerminate = async (session: Session, request: LaunchRequest): Promise<LifecycleOutcome> => {
  const { ref } = request;
  const outcome = emptyOutcome(request, "terminate");
  const [tagged, hooks] = await Promise.all([
    request.tagged !== undefined
      ? Promise.resolve(request.tagged)
      : loadTaggedEnis(session.ec2, session.policy.tagKey, ref.groupName),
    loadLifecycleHooks(session.autoScaling, ref.groupName),
  ]);
  const hook = hooks.find((h) => h.name === ref.hookName);
  const heartbeat = new Heartbeat(session, ref, hook?.heartbeatTimeoutSeconds ?? 3600, request.startedAt);
  const set = resolveEniSet(tagged, ref.groupName, session.policy.tagKey, {
    maxInterfaces: session.policy.maxInterfacesPerGroup,
  });
  // Only the leaving instance's ENIs of this group; a configuration error does not hold a termination.
  const leaving = tagged.filter(
    (e) => set.slots.some((s) => s.eniId === e.id) && e.attachment?.instanceId === ref.instanceId,
  );
  outcome.issues.push(...set.issues);
  if (session.apply) {
    await Promise.all(
      leaving
        .filter((e) => e.attachment !== undefined && e.attachment.status !== "detaching")
        .map((e) => detach(session, e.attachment?.attachmentId ?? "", false)),
    );
    if (leaving.length > 0) {
      const ids = leaving.map((e) => e.id);
      const waited = await waitFor(
        session,
        heartbeat,
        ids,
        (read) => ids.every((id) => isAvailable(read.get(id))),
        session.policy.detachTimeoutMs,
      );
      if (!waited.done) outcome.issues.push("some ENIs were still detaching; the termination releases them");
    }
  }
  for (const e of leaving) {
    const slot = set.slots.find((s) => s.eniId === e.id);
    outcome.enis.push({
      eniId: e.id,
      deviceIndex: slot?.deviceIndex ?? e.attachment?.deviceIndex ?? 0,
      step: "detach",
      status: session.apply ? "detached" : "planned",
    });
    if (session.apply) count(session.context.metrics, Metric.ActionsTaken);
  }
  outcome.decision = leaving.length > 0 ? "detached-early" : "nothing-attached";
  outcome.result = "CONTINUE";
  outcome.completion = await completeAction(session, ref, "CONTINUE");
  outcome.heartbeats = heartbeat.beats;
  return outcome;
};

// ---------------------------------------------------------------------------------------------
// Entry points

const ignored = (
  session: Session,
  request: LaunchRequest,
  decision: string,
  detail: string,
): LifecycleOutcome => {
  const outcome = emptyOutcome(request, "launch");
  outcome.decision = decision;
  outcome.issues.push(detail);
  count(session.context.metrics, Metric.IgnoredEvents);
  session.context.logger.info(`Lifecycle action ignored: ${detail}`, { decision });
  return outcome;
};

const lifecycleOutcome = async (session: Session, action: LifecycleAction): Promise<LifecycleOutcome> => {
  const request: LaunchRequest = {
    trigger: "event",
    eventId: action.eventId,
    ref: {
      groupName: action.groupName,
      hookName: action.hookName,
      instanceId: action.instanceId,
      token: action.token,
    },
    lifecycle: true,
    startedAt: action.time.getTime(),
  };
  // Only groups with tagged ENIs, and only their hooks: never complete another system's lifecycle action.
  const group = groupPolicy(session.policy, action.groupName);
  if (group.hookNames.length > 0 && !group.hookNames.includes(action.hookName)) {
    return ignored(session, request, "ignored-foreign-hook", `hook ${action.hookName} is not in hookNames`);
  }
  const tagged = await loadTaggedEnis(session.ec2, session.policy.tagKey, action.groupName);
  if (tagged.length === 0) {
    return ignored(
      session,
      request,
      "ignored-no-tagged-enis",
      `no ENI is tagged ${session.policy.tagKey}=${action.groupName}/…`,
    );
  }
  if (action.transition === "autoscaling:EC2_INSTANCE_TERMINATING") {
    if (action.origin === "WarmPool") {
      // A pooled instance is terminated: it never held the ENIs.
      const outcome = emptyOutcome(request, "terminate");
      outcome.decision = "warm-pool-continue";
      outcome.result = "CONTINUE";
      outcome.completion = await completeAction(session, request.ref, "CONTINUE");
      return outcome;
    }
    return runTerminate(session, { ...request, tagged });
  }
  if (action.destination === "WarmPool") {
    // Into the warm pool: the instance will be stopped and wait; the ENIs stay with the serving
    // firewall. They are attached when the instance leaves the pool (Origin WarmPool → group).
    const outcome = emptyOutcome(request, "launch");
    outcome.decision = "warm-pool-continue";
    outcome.result = "CONTINUE";
    outcome.completion = await completeAction(session, request.ref, "CONTINUE");
    return outcome;
  }
  return runLaunch(session, { ...request, tagged });
};

/**
 * Reconcile (schedule): lifecycle events are best-effort. For every group with tagged ENIs: members
 * waiting in Pending:Wait are handled as if their event had arrived; an in-service firewall (the only
 * one of its group) missing an ENI gets it back.
 */
const reconcile = async (session: Session, tick: ScheduleTick): Promise<LifecycleOutcome[]> => {
  const tagged = await loadTaggedEnis(session.ec2, session.policy.tagKey);
  const groups = [
    ...new Set(
      tagged.flatMap((e) => {
        const value = e.tags[session.policy.tagKey] ?? "";
        const slash = value.lastIndexOf("/");
        return slash > 0 ? [value.slice(0, slash)] : [];
      }),
    ),
  ].sort();
  if (groups.length === 0) return [];
  const views = await loadGroups(session.autoScaling, groups);
  const outcomes: LifecycleOutcome[] = [];
  for (const view of views) {
    const waiting = view.members.filter((m) => m.lifecycleState === "Pending:Wait");
    const hooks = waiting.length > 0 ? await loadLifecycleHooks(session.autoScaling, view.name) : [];
    const launchHook = hooks.find((h) => h.transition === "autoscaling:EC2_INSTANCE_LAUNCHING");
    for (const member of waiting) {
      if (launchHook === undefined) continue;
      outcomes.push(
        await runLaunch(session, {
          trigger: "reconcile",
          eventId: tick.eventId,
          ref: { groupName: view.name, hookName: launchHook.name, instanceId: member.instanceId },
          lifecycle: true,
          // Unknown: the event was lost. Assume the worst, so the first wait sends a heartbeat.
          startedAt: 0,
        }),
      );
    }
    const serving = view.members.filter((m) => m.lifecycleState === "InService");
    const only = serving.length === 1 ? serving[0] : undefined;
    if (only === undefined) continue;
    const groupEnis = tagged.filter((e) => (e.tags[session.policy.tagKey] ?? "").startsWith(`${view.name}/`));
    const missing = groupEnis.some((e) => e.attachment?.instanceId !== only.instanceId);
    if (!missing) continue;
    outcomes.push(
      await runLaunch(session, {
        trigger: "reconcile",
        eventId: tick.eventId,
        ref: { groupName: view.name, hookName: "", instanceId: only.instanceId },
        lifecycle: false,
        startedAt: session.context.clock.now(),
      }),
    );
  }
  return outcomes;
};

export const runEniReattach = async (
  input: EniReattachInput,
  context: StageContext,
): Promise<EniReattachResult> => {
  if (input.kind === "test-notification") {
    count(context.metrics, Metric.IgnoredEvents, input.events.length);
    context.logger.info("Auto Scaling test notification ignored", {
      groups: input.events.map((e) => e.groupName),
    });
    return {
      capability: CAPABILITY,
      decision: "ignored-test-notification",
      mode: context.mode,
      outcomes: [],
    };
  }
  const regionSource = input.kind === "lifecycle" ? (input.actions[0]?.region ?? "") : input.tick.region;
  const region = requireRegion(regionSource, CAPABILITY);
  const session: Session = {
    region,
    ec2: context.clients.ec2(region),
    autoScaling: context.clients.autoScaling(region),
    context,
    policy: context.config.eniReattach,
    apply: context.mode === "apply",
  };
  const outcomes: LifecycleOutcome[] = [];
  if (input.kind === "lifecycle") {
    for (const action of input.actions) outcomes.push(await lifecycleOutcome(session, action));
  } else {
    outcomes.push(...(await reconcile(session, input.tick)));
  }
  await report(
    session,
    outcomes,
    invocationAccount(
      context.lambda,
      input.kind === "lifecycle" ? input.actions[0]?.accountId : input.tick.accountId,
    ),
  );
  const decision =
    outcomes.length === 0
      ? "nothing-to-do"
      : outcomes.length === 1
        ? (outcomes[0]?.decision ?? "nothing-to-do")
        : [...new Set(outcomes.map((o) => o.decision))].join(",");
  return { capability: CAPABILITY, decision, mode: context.mode, outcomes };
};

const report = async (
  session: Session,
  outcomes: readonly LifecycleOutcome[],
  accountId: string,
): Promise<void> => {
  const details = outcomes
    .filter(
      (o) =>
        o.enis.some(
          (e) => e.status === "attached" || e.status === "detached" || e.status === "rolled-back",
        ) || o.completion === "completed",
    )
    .map((o) => ({
      capability: CAPABILITY,
      action: o.transition === "terminate" ? "detach-enis" : "reattach-enis",
      status: o.decision,
      resources: [
        ec2Arn(session.region, accountId, "instance", o.instanceId),
        ...new Set(o.enis.map((e) => ec2Arn(session.region, accountId, "network-interface", e.eniId))),
      ],
      description: `${o.groupName}: ${o.decision}${o.result !== undefined ? ` (${o.result})` : ""}`,
      mode: session.context.mode,
      triggerEventId: o.eventId,
      region: session.region,
      details: { result: o.result, completion: o.completion, issues: o.issues, heartbeats: o.heartbeats },
    }));
  await publishActionEvents(
    session.context.clients.eventBridge(session.region),
    session.context.config.actionEvents,
    details,
    session.context,
  );
};
