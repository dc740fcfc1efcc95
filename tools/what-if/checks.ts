/**
 * The checks of a what-if: the capability invariants of the chaos campaign (tools/chaos/invariants/*.ts),
 * built on the account's own configuration instead of the campaign's fixtures, as a chaos `Checker` (after
 * every invocation, every step) plus the checks that need the run to be over (`final`).
 */
import type { StageConfig } from "../../functions/config";
import type { Capability } from "../../functions/index";
import type { SimulatedAccount } from "../../sim/account/index";
import { type CheckState, checkDxStep, directConnectWorks, dxView } from "../chaos/invariants/dx-failover";
import { checkEniReattachSettled, checkEniReattachStep } from "../chaos/invariants/eni-reattach";
import { checkIdleHibernate } from "../chaos/invariants/idle-hibernate";
import {
  checkVfxtInvariants,
  checkVfxtMoves,
  type VfxtView,
  vfxtView,
} from "../chaos/invariants/vfxt-ip-move";
import type { Checker, Violation } from "../chaos/types";
import { historyMs, SAMPLE_MS, vpnAnswers } from "./dx-probes";

/** Each capability's invariants, in words (the names the invariant modules report). */
export const INVARIANTS: Record<Capability, Record<string, string>> = {
  "dx-failover": {
    path: "every CIDR of every group table has a working path whenever one path works (after the 150 s detection)",
    flap: "a failback only after DX worked for the (backed-off) restore window",
    "only-our-routes":
      "only static routes the toolkit created (its ownership tag, to the appliance ENI) are moved or deleted",
    "outside-configuration": "nothing changes in a table no group names; only ops:dx-failover:* tags change",
  },
  "eni-reattach": {
    "never-detach-serving": "no ENI is detached from a serving instance",
    "only-our-hooks": "only the configured groups' configured lifecycle hooks are completed",
    "abandon-only-when-impossible": "ABANDON only for an instance that could never take the ENIs",
    "nothing-outside-configuration": "writes only on the configured groups' allow-listed ENIs",
    settled: "once the group is quiet, every ENI is attached to its one serving member at its index",
  },
  "vfxt-ip-move": {
    "one-eni-per-vpc": "a configured address is never on two ENIs of one VPC",
    served: "once quiet, every configured address is on exactly one healthy node of its cluster",
    "no-move-from-healthy": "no address is taken from a healthy node",
  },
  "idle-hibernate": {
    "stops-only-eligible": "only eligible instances are stopped",
    "hibernation-proven-or-reported": "every hibernation request is reported with what the API showed",
    "nothing-outside-configuration": "no alarm outside the prefix, no start outside the start policy",
    "only-owned-alarms-changed": "only alarms with the toolkit's ownership tag are updated or deleted",
    "paused-alarm-stays-paused": "an alarm whose actions someone disabled stays disabled",
  },
};

export interface WhatIfChecker extends Checker {
  /** The checks that hold only once the run is quiet (settled ENIs, served addresses). */
  final(): Violation[];
}

/** DX works as the account's interfaces say, the VPN while its appliance runs; the appliance is its ENI. */
const dxChecker = (account: SimulatedAccount, config: StageConfig): WhatIfChecker => {
  const section = config.dxFailover;
  // DX has worked as long as the probes' history says (the run cannot know longer); asked at the first
  // step, since reading the interfaces settles the account.
  const since = account.clock.nowMs() - historyMs(section);
  const initial = (): CheckState => ({
    brokenSince: {},
    workingSince: {},
    dxUpSince: Object.fromEntries(
      section.groups.filter((g) => directConnectWorks(account, g)).map((g) => [g.name, since]),
    ),
  });
  let state: CheckState | undefined;
  return {
    invocation: () => [],
    step: () => {
      const view = dxView(account, section, (g) => ({
        directConnectUp: directConnectWorks(account, g),
        vpnUp: vpnAnswers(account, g),
        applianceEnis: g.applianceEniId === undefined ? [] : [g.applianceEniId],
      }));
      const checked = checkDxStep(state ?? initial(), view, section, {
        detectionMs: 150_000,
        toleranceMs: SAMPLE_MS,
      });
      state = checked.state;
      return checked.violations;
    },
    final: () => [],
  };
};

const subnetsOf = (account: SimulatedAccount) =>
  Object.fromEntries(
    [...account.state().subnets.values()].map((s) => [
      s.id,
      {
        vpcId: s.vpcId,
        availabilityZone: s.availabilityZone,
        ...(s.outpostArn ? { outpostArn: s.outpostArn } : {}),
      },
    ]),
  );

const eniChecker = (account: SimulatedAccount, config: StageConfig): WhatIfChecker => {
  const maxInterfaces = (type: string, card: number) =>
    account
      .state()
      .instanceTypes.get(type)
      ?.networkCards.find((c) => c.index === card)?.maximumNetworkInterfaces;
  return {
    invocation: (report) =>
      checkEniReattachStep({ ...report, subnets: subnetsOf(account), maxInterfaces }, config.eniReattach),
    step: () => [],
    final: () => checkEniReattachSettled(account.snapshot(), subnetsOf(account), config.eniReattach),
  };
};

const vfxtChecker = (account: SimulatedAccount, config: StageConfig): WhatIfChecker => {
  const section = config.vfxtIpMove;
  const now = () => account.clock.nowMs();
  let before: VfxtView = vfxtView(account.state(), section, now());
  return {
    beforeInvocation: () => {
      before = vfxtView(account.state(), section, now());
    },
    invocation: (report) => checkVfxtMoves(before, report.calls, section),
    step: () => checkVfxtInvariants(account.state(), section, { now: now() }),
    final: () => checkVfxtInvariants(account.state(), section, { now: now(), settled: true }),
  };
};

const idleChecker = (config: StageConfig): WhatIfChecker => ({
  invocation: (report) =>
    checkIdleHibernate({
      config: config.idleHibernate,
      before: report.before,
      after: report.after,
      calls: report.calls,
      results: report.function === "idle-hibernate" && report.result !== undefined ? [report.result] : [],
    }).map((v) => ({ invariant: v.invariant, message: `${v.resource}: ${v.message}` })),
  step: () => [],
  final: () => [],
});

export const checkerOf = (
  capability: Capability,
  account: SimulatedAccount,
  config: StageConfig,
): WhatIfChecker => {
  if (capability === "dx-failover") return dxChecker(account, config);
  if (capability === "eni-reattach") return eniChecker(account, config);
  if (capability === "vfxt-ip-move") return vfxtChecker(account, config);
  return idleChecker(config);
};
