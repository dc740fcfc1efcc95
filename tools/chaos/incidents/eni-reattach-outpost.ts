/**
 * eni-reattach incidents of the Outpost and of the group's configuration (issue 14), each a real AWS
 * condition, generated through the simulated account's APIs and control endpoints:
 * - `capacity-shortage`: the group's instance type has no capacity left on the Outpost for a while
 *   (`AvailableInstanceType_Count` 0: launches of it are refused, sim/account/asg-launch-failures.ts), with
 *   or without a replacement starting during it (a member's status check impaired);
 * - the ABANDON paths of the capability (plan/preflight.ts: an instance that can never take the set): a new
 *   launch template version rolled out by an instance refresh with a type whose network card takes fewer
 *   ENIs (`template-smaller-type`: c5.large, 3 ENIs) or with a network interface of its own at a device index
 *   of the set (`template-extra-eni`); the operator puts the previous version back `minutes` later;
 * - `eni-deleted`: an operator force-detaches an ENI of the set and deletes it (DeleteNetworkInterface): the
 *   set is incomplete for good, which only an alarm can tell.
 */
import type { SimulatedAccount } from "../../../sim/account/index";
import { valueAt } from "../../../sim/account/outpost-slots";
import type { IncidentKind, Params } from "../types";

const GROUP = "fw-asg";
const OUTPOST = "op-0a1b2c3d4e5f60001";
const TYPE = "c5.xlarge";
const ENIS = ["eni-0e1d2c3b4a5f60001", "eni-0e1d2c3b4a5f60002", "eni-0e1d2c3b4a5f60003"];

type Json = Record<string, unknown>;

const call = (account: SimulatedAccount, service: "autoscaling" | "ec2", operation: string, input: Json) =>
  account.dispatch({ service, operation, region: account.region, requestId: "chaos" }, input);

/** Runs `then` at `at` on the account's clock (an operator's later action, applied when the clock gets there). */
const later = (account: SimulatedAccount, at: number, then: () => void): void => {
  account.state().scheduled.push({ at, run: then });
};

const setTemplate = (account: SimulatedAccount, body: Json) =>
  account.control("POST", `/__sim/autoscaling-groups/${GROUP}/launch-template`, body);

const refresh = (account: SimulatedAccount) =>
  call(account, "autoscaling", "StartInstanceRefresh", {
    AutoScalingGroupName: GROUP,
    Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 200, InstanceWarmup: 60 },
  });

const inService = (account: SimulatedAccount): string[] =>
  [...(account.state().autoScalingGroups.get(GROUP)?.instances ?? [])]
    .filter((m) => m.lifecycleState === "InService")
    .map((m) => m.instanceId)
    .sort();

/** The capacity of the group's type on the Outpost drops to 0 for `minutes`, then comes back. */
const capacityShortage: IncidentKind = {
  name: "capacity-shortage",
  weight: 2,
  draw: (rng) => ({ minutes: rng.int(10, 180), impair: rng.pick([true, false]), pick: rng.int(0, 7) }),
  apply: async ({ account }, params: Params) => {
    const answer = await account.control("POST", `/__sim/outposts/${OUTPOST}/capacity-shortage`, {
      instanceType: TYPE,
      shortage: "start",
    });
    if (answer.status !== 200) return `no shortage: ${JSON.stringify(answer.body)}`;
    // Its end, recorded ahead of its time (the Outpost's count is a series of changes in time).
    const entry = account
      .state()
      .outposts.get(OUTPOST)
      ?.instanceTypes.find((t) => t.instanceType === TYPE);
    const end = account.clock.nowMs() + Number(params.minutes) * 60_000;
    entry?.changes?.push({ at: end, value: entry.availableCount });
    const ids = inService(account);
    const id = ids[Number(params.pick) % Math.max(1, ids.length)];
    if (params.impair === true && id !== undefined) account.setInstanceStatus(id, { system: "impaired" });
    return `${TYPE} at 0 on ${OUTPOST} for ${params.minutes} min${params.impair === true && id ? `, ${id} impaired` : ""}`;
  },
};

/** A launch template version that can never take the set, rolled out by an instance refresh, then reverted. */
const badTemplate = (name: string, version: Json, revert: Json): IncidentKind => ({
  name,
  weight: 1,
  draw: (rng) => ({ minutes: rng.int(5, 30) }),
  apply: async ({ account }, params: Params) => {
    const answer = await setTemplate(account, version);
    if (answer.status !== 200) return `template refused: ${JSON.stringify(answer.body)}`;
    await refresh(account);
    later(account, account.clock.nowMs() + Number(params.minutes) * 60_000, () => {
      const policies = account.state().autoScalingGroups.get(GROUP)?.policies;
      if (policies === undefined) return;
      if (typeof revert.instanceType === "string") policies.launchInstanceType = revert.instanceType;
      if (Array.isArray(revert.networkInterfaces)) policies.launchInterfaces = [];
    });
    return `${JSON.stringify(version)} rolled out by an instance refresh, reverted after ${params.minutes} min`;
  },
});

/** An operator force-detaches an ENI of the set and deletes it once it is available. */
const eniDeleted: IncidentKind = {
  name: "eni-deleted",
  weight: 1,
  draw: (rng) => ({ index: rng.int(1, 3) }),
  apply: async ({ account }, params: Params) => {
    const id = ENIS[Number(params.index) - 1] ?? "";
    const eni = account.state().networkInterfaces.get(id);
    if (eni === undefined) return `${id} already deleted`;
    if (eni.attachment !== undefined)
      await call(account, "ec2", "DetachNetworkInterface", {
        AttachmentId: eni.attachment.attachmentId,
        Force: true,
      });
    // The operator deletes it as soon as the detach is done (before any reconcile could re-attach it);
    // DeleteNetworkInterface refuses an ENI still attached (sim/account/ec2-delete-network-interface.ts).
    later(account, account.clock.nowMs() + account.state().behaviour.eniDetachMs, () => {
      if (account.state().networkInterfaces.get(id)?.attachment === undefined)
        account.state().networkInterfaces.delete(id);
    });
    return `${id} force-detached and deleted`;
  },
};

export const outpostIncidents: IncidentKind[] = [
  capacityShortage,
  badTemplate("template-smaller-type", { instanceType: "c5.large" }, { instanceType: TYPE }),
  badTemplate("template-extra-eni", { networkInterfaces: [{ deviceIndex: 1 }] }, { networkInterfaces: [] }),
  eniDeleted,
];

/** Whether the group's type has no capacity on the Outpost now (the measure's capacity-shortage variant). */
export const shortageNow = (account: SimulatedAccount): boolean => {
  const entry = account
    .state()
    .outposts.get(OUTPOST)
    ?.instanceTypes.find((t) => t.instanceType === TYPE);
  return (
    entry !== undefined && valueAt(entry.availableCount, entry.changes ?? [], account.clock.nowMs()) === 0
  );
};
