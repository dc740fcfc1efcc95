/**
 * The ENI executors: release (detach, bounded wait, `Force` only where the plan allows it), attach (explicit
 * DeviceIndex and NetworkCardIndex, bounded wait for `attached`, then DeleteOnTermination false and the
 * source/destination check) and attributes. Asynchronous in EC2: every change is read back. A wait cut
 * short by the deadline leaves the change `unverified` (retryable); nothing is ever rolled back.
 */
import {
  AttachNetworkInterfaceCommand,
  DetachNetworkInterfaceCommand,
  ModifyNetworkInterfaceAttributeCommand,
} from "@aws-sdk/client-ec2";
import { awsCall } from "../../../../shared/aws/errors";
import { type EniView, loadEnis } from "../../../../shared/observe/attachments";
import { dryRunOutcome, notAttemptedOutcome, refusedOutcome } from "../../../../shared/pipeline/outcome";
import { runPool } from "../../../../shared/pipeline/pool";
import type { ActionExecutor, PlannedAction, ResourceOutcome } from "../../../../shared/pipeline/types";
import { readUntil } from "../../../../shared/pipeline/verify";
import { POLL_LATE_FRACTION } from "../../config";
import {
  ACTION_KINDS,
  type AttachParams,
  type AttributesParams,
  type EniActionParams,
  type EniSlot,
  type ReleaseParams,
} from "../plan";
import type { ApplyDeps } from "./deps";

/** EC2 throttles bursts of mutating calls: a few at a time. */
const CONCURRENCY = 4;

const paramsOf = <K extends EniActionParams["kind"]>(action: PlannedAction<EniActionParams>, kind: K) => {
  if (action.params.kind !== kind) throw new Error(`${action.kind}: unexpected params ${action.params.kind}`);
  return action.params as Extract<EniActionParams, { kind: K }>;
};

/** Reads the ENIs until `done` holds for all (or the wait / the deadline ends); heartbeats meanwhile. */
const waitFor = async (
  deps: ApplyDeps,
  ids: readonly string[],
  done: (eni: EniView | undefined) => boolean,
  timeoutMs: number,
) => {
  const waited = await readUntil(
    async () => {
      await deps.heartbeat.maybeBeat();
      return new Map((await loadEnis(deps.ec2, ids)).map((e) => [e.id, e]));
    },
    (read) => ids.every((id) => done(read.get(id))),
    {
      deadline: deps.deadline,
      timeoutMs,
      intervalMs: 250,
      maxIntervalMs: deps.policy.pollMaxIntervalMs,
      lateFraction: POLL_LATE_FRACTION,
    },
  );
  return waited.last;
};

const isReleased = (eni: EniView | undefined) =>
  eni === undefined || eni.attachment === undefined || eni.attachment.status === "detached";

const detach = (deps: ApplyDeps, attachmentId: string, force: boolean, dryRun = false) =>
  awsCall("ec2", "DetachNetworkInterface", () =>
    deps.ec2.send(
      new DetachNetworkInterfaceCommand({ AttachmentId: attachmentId, Force: force, DryRun: dryRun }),
    ),
  );

/** Plain detaches (in parallel), then the bounded wait. Returns the refusals by ENI. */
const plainDetach = async (deps: ApplyDeps, params: ReleaseParams): Promise<Map<string, ResourceOutcome>> => {
  const refused = new Map<string, ResourceOutcome>();
  const report = await runPool(
    params.enis.filter((e) => !e.detaching),
    { concurrency: CONCURRENCY, deadline: deps.deadline },
    async (e) => {
      try {
        await detach(deps, e.attachmentId, false);
      } catch (error) {
        const outcome = refusedOutcome(e.eniId, "DetachNetworkInterface", error);
        if (outcome.status !== "already-done") refused.set(e.eniId, outcome);
      }
    },
  );
  for (const e of report.notStarted)
    refused.set(e.eniId, notAttemptedOutcome(e.eniId, "DetachNetworkInterface"));
  return refused;
};

/**
 * The hand-over takes the ENIs off their holder; started without the time its waits are sized for, the
 * deadline would cut it short and leave them on no instance until Lambda's retry (a minute later). Then
 * nothing is detached: `NotAttempted` (the retry does it), and the lifecycle action is kept alive.
 */
const deferRelease = async (
  deps: ApplyDeps,
  params: ReleaseParams,
): Promise<ResourceOutcome[] | undefined> => {
  const neededMs = deps.policy.detachTimeoutMs + deps.policy.attachTimeoutMs;
  const leftMs = deps.deadline.remainingMs();
  if (leftMs >= neededMs || params.enis.every((e) => e.detaching)) return undefined;
  await deps.heartbeat.keepAlive();
  const detail = `${leftMs} ms left of the ${neededMs} ms the detach and attach waits need: left for the retry`;
  return params.enis.map((e) =>
    notAttemptedOutcome(e.eniId, "DetachNetworkInterface", `${detail} on ${e.from}`),
  );
};

/**
 * Force, a last resort, only after the plain detach's wait lasted its whole `detachTimeoutMs` (a wait cut
 * short by the deadline is never a verdict: DESIGN rule 7), and never started after the deadline.
 */
const forceStuck = async (
  deps: ApplyDeps,
  stuck: readonly ReleaseParams["enis"][number][],
  read: Map<string, EniView>,
  refused: Map<string, ResourceOutcome>,
): Promise<ReleaseParams["enis"][number][]> => {
  const forced: ReleaseParams["enis"][number][] = [];
  for (const e of stuck.filter((x) => x.forceAllowed)) {
    if (deps.deadline.expired()) break;
    const attachmentId = read.get(e.eniId)?.attachment?.attachmentId ?? e.attachmentId;
    forced.push(e);
    try {
      await detach(deps, attachmentId, true);
    } catch (error) {
      refused.set(e.eniId, refusedOutcome(e.eniId, "DetachNetworkInterface", error));
    }
  }
  return forced;
};

const releasedOutcome = (
  e: ReleaseParams["enis"][number],
  eni: EniView | undefined,
  force: boolean,
): ResourceOutcome => {
  if (!isReleased(eni)) {
    return {
      resource: e.eniId,
      status: "unverified",
      detail: `still ${eni?.attachment?.status ?? "attached"} on ${e.from}${force ? " after Force" : e.forceAllowed ? "" : " (its holder is running and not impaired: no Force)"}`,
    };
  }
  return {
    resource: e.eniId,
    status: e.detaching ? "already-done" : "applied",
    detail: `detached from ${e.from}${force ? " with Force after the bounded wait" : ""}`,
  };
};

const release = async (
  deps: ApplyDeps,
  action: PlannedAction<EniActionParams>,
): Promise<ResourceOutcome[]> => {
  const params = paramsOf(action, "release");
  const deferred = await deferRelease(deps, params);
  if (deferred !== undefined) return deferred;
  const refused = await plainDetach(deps, params);
  const waiting = params.enis.filter((e) => !refused.has(e.eniId)).map((e) => e.eniId);
  const waitEndsBy = deps.deadline.clock.now() + deps.policy.detachTimeoutMs;
  let read = await waitFor(deps, waiting, isReleased, deps.policy.detachTimeoutMs);
  const stuck = params.enis.filter((e) => waiting.includes(e.eniId) && !isReleased(read.get(e.eniId)));
  // The deadline ended the wait before detachTimeoutMs: the holder may yet let go; the retry waits again.
  const forced = deps.deadline.at < waitEndsBy ? [] : await forceStuck(deps, stuck, read, refused);
  if (forced.length > 0)
    read = await waitFor(
      deps,
      forced.map((e) => e.eniId),
      isReleased,
      deps.policy.detachTimeoutMs,
    );
  return params.enis.map(
    (e) => refused.get(e.eniId) ?? releasedOutcome(e, read.get(e.eniId), forced.includes(e)),
  );
};

const attachedAt = (eni: EniView | undefined, params: AttachParams, slot: EniSlot) =>
  eni?.attachment?.instanceId === params.instanceId &&
  eni.attachment.deviceIndex === slot.deviceIndex &&
  eni.attachment.networkCardIndex === params.networkCardIndex &&
  eni.attachment.status === "attached";

const attachOne = (deps: ApplyDeps, params: AttachParams, slot: EniSlot, dryRun = false) =>
  awsCall("ec2", "AttachNetworkInterface", () =>
    deps.ec2.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: slot.eniId,
        InstanceId: params.instanceId,
        DeviceIndex: slot.deviceIndex,
        NetworkCardIndex: params.networkCardIndex,
        DryRun: dryRun,
      }),
    ),
  );

/**
 * EC2 answers an attach of an ENI that is already attached `InvalidNetworkInterface.InUse`: also the SDK's
 * retry of an attach that landed although its first answer was a 5xx or lost ("Ensuring idempotency in
 * Amazon EC2 API requests"). Such a refusal is read back: attached (or attaching) to the target at the
 * slot's device index is our own attach.
 */
const IN_USE = "InvalidNetworkInterface.InUse";
const mayHaveLanded = (refusal: ResourceOutcome | undefined) => refusal?.code === IN_USE;

const attach = async (
  deps: ApplyDeps,
  action: PlannedAction<EniActionParams>,
): Promise<ResourceOutcome[]> => {
  const params = paramsOf(action, "attach");
  const refused = new Map<string, ResourceOutcome>();
  const report = await runPool(
    params.enis,
    { concurrency: CONCURRENCY, deadline: deps.deadline },
    async (slot) => {
      try {
        await attachOne(deps, params, slot);
      } catch (error) {
        refused.set(slot.eniId, refusedOutcome(slot.eniId, "AttachNetworkInterface", error));
      }
    },
  );
  for (const slot of report.notStarted)
    refused.set(slot.eniId, notAttemptedOutcome(slot.eniId, "AttachNetworkInterface"));
  const sent = params.enis.filter((s) => !refused.has(s.eniId) || mayHaveLanded(refused.get(s.eniId)));
  const settled = (eni: EniView | undefined, slot: EniSlot) =>
    attachedAt(eni, params, slot) ||
    (mayHaveLanded(refused.get(slot.eniId)) && eni?.attachment?.instanceId !== params.instanceId);
  const read = await waitFor(
    deps,
    sent.map((s) => s.eniId),
    (eni) => sent.some((s) => s.eniId === eni?.id && settled(eni, s)),
    deps.policy.attachTimeoutMs,
  );
  const outcomes: ResourceOutcome[] = [];
  for (const slot of params.enis) {
    const known = refused.get(slot.eniId);
    const eni = read.get(slot.eniId);
    if (known !== undefined && !(mayHaveLanded(known) && attachedAt(eni, params, slot))) outcomes.push(known);
    else if (!attachedAt(eni, params, slot))
      outcomes.push({
        resource: slot.eniId,
        status: "unverified",
        detail: `not yet attached to ${params.instanceId}`,
      });
    else outcomes.push(await settleAttributes(deps, eni, params.sourceDestCheck, slot));
  }
  return outcomes;
};

/** DeleteOnTermination false and the configured source/dest check on a freshly attached ENI. */
const settleAttributes = async (
  deps: ApplyDeps,
  eni: EniView | undefined,
  sourceDestCheck: boolean,
  slot: EniSlot,
): Promise<ResourceOutcome> => {
  try {
    await setAttributes(
      deps,
      {
        eniId: slot.eniId,
        attachmentId: eni?.attachment?.attachmentId ?? "",
        deleteOnTermination: eni?.attachment?.deleteOnTermination ?? true,
        sourceDestCheck: eni?.sourceDestCheck ?? true,
      },
      sourceDestCheck,
    );
  } catch (error) {
    return refusedOutcome(
      slot.eniId,
      "ModifyNetworkInterfaceAttribute",
      error,
      `attached at ${slot.deviceIndex}; attributes not set: ${String(error)}`,
    );
  }
  return { resource: slot.eniId, status: "applied", detail: `attached at device index ${slot.deviceIndex}` };
};

const setAttributes = async (
  deps: ApplyDeps,
  e: AttributesParams["enis"][number],
  sourceDestCheck: boolean,
): Promise<void> => {
  if (e.deleteOnTermination) {
    await awsCall("ec2", "ModifyNetworkInterfaceAttribute", () =>
      deps.ec2.send(
        new ModifyNetworkInterfaceAttributeCommand({
          NetworkInterfaceId: e.eniId,
          Attachment: { AttachmentId: e.attachmentId, DeleteOnTermination: false },
        }),
      ),
    );
  }
  if (e.sourceDestCheck !== sourceDestCheck) {
    await awsCall("ec2", "ModifyNetworkInterfaceAttribute", () =>
      deps.ec2.send(
        new ModifyNetworkInterfaceAttributeCommand({
          NetworkInterfaceId: e.eniId,
          SourceDestCheck: { Value: sourceDestCheck },
        }),
      ),
    );
  }
};

const attributes = async (
  deps: ApplyDeps,
  action: PlannedAction<EniActionParams>,
): Promise<ResourceOutcome[]> => {
  const params = paramsOf(action, "attributes");
  const outcomes: ResourceOutcome[] = [];
  for (const e of params.enis) {
    try {
      await setAttributes(deps, e, params.sourceDestCheck);
      outcomes.push({ resource: e.eniId, status: "applied", detail: "attributes set" });
    } catch (error) {
      outcomes.push(refusedOutcome(e.eniId, "ModifyNetworkInterfaceAttribute", error));
    }
  }
  return outcomes;
};

/** EC2 DryRun of each detach and attach: proves the permissions, changes nothing. */
const dryRunEach = async <T>(
  items: readonly T[],
  id: (item: T) => string,
  operation: string,
  call: (item: T) => Promise<unknown>,
): Promise<ResourceOutcome[]> => {
  const out: ResourceOutcome[] = [];
  for (const item of items) {
    try {
      await call(item);
      out.push({ resource: id(item), status: "permitted" });
    } catch (error) {
      out.push(dryRunOutcome(id(item), operation, error, `${operation} would be authorised`));
    }
  }
  return out;
};

export const eniExecutors = (deps: ApplyDeps): ActionExecutor<EniActionParams>[] => [
  {
    kind: ACTION_KINDS.release,
    dryRun: (action) =>
      dryRunEach(
        paramsOf(action, "release").enis,
        (e) => e.eniId,
        "DetachNetworkInterface",
        (e) => detach(deps, e.attachmentId, false, true),
      ),
    apply: (action) => release(deps, action),
  },
  {
    kind: ACTION_KINDS.attach,
    dryRun: (action) => {
      const params = paramsOf(action, "attach");
      return dryRunEach(
        params.enis,
        (s) => s.eniId,
        "AttachNetworkInterface",
        (s) => attachOne(deps, params, s, true),
      );
    },
    apply: (action) => attach(deps, action),
  },
  {
    kind: ACTION_KINDS.attributes,
    dryRun: async (action) =>
      paramsOf(action, "attributes").enis.map((e) => ({ resource: e.eniId, status: "planned" as const })),
    apply: (action) => attributes(deps, action),
  },
];
