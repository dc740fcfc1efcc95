/**
 * Doctor checks of eni-reattach (issue 13): per configured firewall group, is everything in place for the
 * next replacement to get the same ENIs? Each check reads with read-only calls (one shared read per group
 * and run: eni-reattach/read.ts) and judges with the pure functions beside it.
 */
import type { EniReattachGroupConfig } from "../../../functions/eni-reattach/config";
import type { Check, DoctorContext, Finding } from "../types";
import { allowListFindings, interfaceFindings, sourceDestFindings } from "./eni-reattach/enis";
import {
  defaultResultFindings,
  foreignHookFindings,
  heartbeatFindings,
  hookPresenceFindings,
} from "./eni-reattach/hooks";
import { LOCAL_GATEWAY_READ_ACTIONS, localGatewayFindings } from "./eni-reattach/lgw";
import { placementFindings } from "./eni-reattach/placement";
import { FIREWALL_READ_ACTIONS, type FirewallFacts, firewallFacts } from "./eni-reattach/read";
import { groupFindings, replacementOrderFindings } from "./eni-reattach/settings";
import { CHECK } from "./eni-reattach/sources";

type Judge = (
  facts: FirewallFacts,
  group: EniReattachGroupConfig,
  ctx: DoctorContext,
) => Finding[] | Promise<Finding[]>;

/** Runs a judgement on every configured group; `needsGroup`: only where the Auto Scaling group exists. */
const perGroup =
  (judge: Judge, needsGroup: boolean) =>
  async (ctx: DoctorContext): Promise<Finding[]> => {
    const out: Finding[] = [];
    for (const group of ctx.config.eniReattach.groups) {
      const facts = await firewallFacts(ctx, group);
      if (needsGroup && facts.group === undefined) continue;
      out.push(...(await judge(facts, group, ctx)));
    }
    return out;
  };

const check = (
  id: string,
  title: string,
  judge: Judge,
  needsGroup = true,
  extraActions: readonly string[] = [],
): Check => ({
  id,
  capability: "eni-reattach",
  title,
  iamActions: [...FIREWALL_READ_ACTIONS, ...extraActions],
  run: perGroup(judge, needsGroup),
});

const tagKeyOf = (ctx: DoctorContext) => ctx.config.eniReattach.tagKey;

export const ENI_REATTACH_CHECKS: readonly Check[] = [
  check(CHECK.group, "the firewall group exists and holds one firewall", groupFindings, false),
  check(CHECK.hooks, "our lifecycle hooks exist, for launch and for terminate", (f, g) =>
    hookPresenceFindings(g, f.hooks),
  ),
  check(CHECK.heartbeat, "our hooks' heartbeat timeout outlasts the hand-over", (f, g, ctx) =>
    heartbeatFindings(g, f.hooks, {
      ...(ctx.functionTimeouts["eni-reattach"] === undefined
        ? {}
        : { functionTimeoutSeconds: ctx.functionTimeouts["eni-reattach"] }),
      policy: ctx.config.eniReattach,
    }),
  ),
  check(CHECK.defaultResult, "our hooks' DefaultResult never relaunches a firewall", (f, g) =>
    defaultResultFindings(g, f.hooks),
  ),
  check(CHECK.foreignHooks, "other systems' hooks of the group cannot undo the hand-over", (f, g) =>
    foreignHookFindings(g, f.hooks),
  ),
  check(
    CHECK.allowList,
    "every declared ENI exists, is allow-listed, free to move and survives a termination",
    (f, g, ctx) => allowListFindings(f, g, tagKeyOf(ctx)),
    false,
  ),
  check(
    CHECK.placement,
    "the ENIs are in the zone and on the Outpost where the group launches",
    (f, g, ctx) => placementFindings(f, g, tagKeyOf(ctx)),
  ),
  check(
    CHECK.sourceDest,
    "source/destination check is off on the firewall's ENIs",
    (f, g, ctx) => sourceDestFindings(f, g, tagKeyOf(ctx)),
    false,
  ),
  check(CHECK.interfaces, "the firewall's instance type takes every ENI of the set", interfaceFindings),
  check(
    CHECK.order,
    "how Auto Scaling replaces the firewall (maintenance policy, warm pool, health checks)",
    replacementOrderFindings,
  ),
  check(
    CHECK.localGateway,
    "the local gateway routes to the firewall's ENIs exist, target the right ENI and are active",
    (f, g, ctx) => localGatewayFindings(ctx, f, g),
    true,
    LOCAL_GATEWAY_READ_ACTIONS,
  ),
];
