/**
 * The local gateway routes of a firewall group (Outposts), read and judged by the capability's own check
 * (functions/eni-reattach/reattach/lgw.ts) with `apply` off, so nothing is modified: every static route of
 * the Outpost's local gateway route tables that targets an ENI of the set, and every configured
 * `localGatewayRoutes` entry.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import type { EniReattachGroupConfig } from "../../../../functions/eni-reattach/config";
import {
  checkLocalGatewayRoutes,
  type LocalGatewayRouteCheck,
} from "../../../../functions/eni-reattach/reattach/lgw";
import { resolveEniSet } from "../../../../functions/eni-reattach/reattach/plan/eni-set";
import type { DoctorContext, Finding } from "../../types";
import type { FirewallFacts } from "./read";
import { CHECK, finding, SOURCES } from "./sources";

/** The capability logs what needs attention; the doctor reports it as findings instead. */
const quiet = new Logger({ serviceName: "doctor", logLevel: "SILENT" });

const routeFinding = (group: EniReattachGroupConfig, c: LocalGatewayRouteCheck): Finding | undefined => {
  const resource = `${c.localGatewayRouteTableId} ${c.destination}`;
  const target = c.networkInterfaceId ?? "no ENI";
  if (c.finding === "blackhole") {
    return finding(
      CHECK.localGateway,
      "warning",
      resource,
      `local gateway route ${c.destination} in ${c.localGatewayRouteTableId} to ${target} is ${c.state}: on-premises traffic to it is dropped until the ENI is attached to a running firewall`,
      "check that the group has a running firewall holding the ENI (the function attaches it at the next launch or reconcile)",
      SOURCES.localGatewayRoutes,
    );
  }
  if (c.finding === "missing") {
    return finding(
      CHECK.localGateway,
      "error",
      resource,
      `local gateway route ${c.destination} (eniReattach.groups[${group.name}].localGatewayRoutes) is not in ${c.localGatewayRouteTableId}: the toolkit never creates routes`,
      `aws ec2 create-local-gateway-route --local-gateway-route-table-id ${c.localGatewayRouteTableId} --destination-cidr-block ${c.destination} --network-interface-id <the ENI at its device index>`,
      SOURCES.localGatewayRoutes,
    );
  }
  if (c.finding !== "wrong-target") return undefined;
  const repairs = group.repairLocalGatewayRoutes;
  return finding(
    CHECK.localGateway,
    repairs ? "warning" : "error",
    resource,
    `local gateway route ${c.destination} in ${c.localGatewayRouteTableId} ${c.detail ?? `targets ${target}`}: ${repairs ? "the function repairs it after its next attach" : "the function only reports it (repairLocalGatewayRoutes is off)"}`,
    `aws ec2 modify-local-gateway-route --local-gateway-route-table-id ${c.localGatewayRouteTableId} --destination-cidr-block ${c.destination} --network-interface-id <the ENI at its device index>`,
    SOURCES.localGatewayRoutes,
  );
};

export const localGatewayFindings = async (
  ctx: DoctorContext,
  facts: FirewallFacts,
  group: EniReattachGroupConfig,
): Promise<Finding[]> => {
  const outpostArn = (facts.group?.subnetIds ?? [])
    .map((id) => facts.subnets.get(id)?.outpostArn)
    .find((arn) => arn !== undefined);
  const { slots } = resolveEniSet(facts.enis, group, ctx.config.eniReattach.tagKey);
  const checks = await checkLocalGatewayRoutes(ctx.clients.ec2, {
    outpostArn,
    slots,
    group,
    apply: false,
    logger: quiet,
  });
  return checks.flatMap((c) => routeFinding(group, c) ?? []);
};

export const LOCAL_GATEWAY_READ_ACTIONS = [
  "ec2:DescribeLocalGatewayRouteTables",
  "ec2:SearchLocalGatewayRoutes",
] as const;
