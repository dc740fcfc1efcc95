/**
 * Local gateway routes of a firewall group (Outposts): after the ENIs are attached, every static route
 * of the Outpost's local gateway route tables that targets one of the group's ENIs must be `active`.
 * A blackhole is reported. A configured route (`localGatewayRoutes`) whose target is not the ENI at its
 * device index (for instance an ENI that no longer exists) is reported and, when the group allows it,
 * repaired with ModifyLocalGatewayRoute.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import {
  DescribeLocalGatewayRouteTablesCommand,
  type EC2Client,
  ModifyLocalGatewayRouteCommand,
} from "@aws-sdk/client-ec2";
import { awsCall } from "../../../shared/aws/errors";
import { searchStaticLocalGatewayRoutes } from "../../../shared/observe/loaders";
import type { EniReattachGroupConfig } from "../config";
import type { EniSlot } from "./plan";

export interface LocalGatewayRouteCheck {
  localGatewayRouteTableId: string;
  destination: string;
  networkInterfaceId?: string;
  state: string;
  /** ok: active to the right ENI; blackhole; wrong-target; missing (configured, not found); repaired. */
  finding: "ok" | "blackhole" | "wrong-target" | "missing" | "repaired" | "repair-failed";
  detail?: string;
}

interface CheckInput {
  outpostArn: string | undefined;
  slots: readonly EniSlot[];
  group: EniReattachGroupConfig;
  apply: boolean;
  logger: Logger;
}

/** The configured tables and every local gateway route table of the instance's Outpost. */
const tablesToCheck = async (ec2: EC2Client, input: CheckInput): Promise<string[]> => {
  const tableIds = new Set(input.group.localGatewayRoutes.map((r) => r.localGatewayRouteTableId));
  if (input.outpostArn !== undefined) {
    const tables = await awsCall("ec2", "DescribeLocalGatewayRouteTables", () =>
      ec2.send(
        new DescribeLocalGatewayRouteTablesCommand({
          Filters: [{ Name: "outpost-arn", Values: [input.outpostArn ?? ""] }],
        }),
      ),
    );
    for (const t of tables.LocalGatewayRouteTables ?? [])
      if (t.LocalGatewayRouteTableId !== undefined) tableIds.add(t.LocalGatewayRouteTableId);
  }
  return [...tableIds].sort();
};

type RouteBase = Omit<LocalGatewayRouteCheck, "finding" | "detail">;

/** ModifyLocalGatewayRoute to the ENI at the configured index (when the group allows it and in apply mode). */
const repair = async (
  ec2: EC2Client,
  input: CheckInput,
  base: RouteBase,
  expected: string,
  detail: string,
): Promise<LocalGatewayRouteCheck> => {
  if (!input.group.repairLocalGatewayRoutes || !input.apply)
    return { ...base, finding: "wrong-target", detail };
  try {
    const modified = await awsCall("ec2", "ModifyLocalGatewayRoute", () =>
      ec2.send(
        new ModifyLocalGatewayRouteCommand({
          LocalGatewayRouteTableId: base.localGatewayRouteTableId,
          DestinationCidrBlock: base.destination,
          NetworkInterfaceId: expected,
        }),
      ),
    );
    return {
      ...base,
      networkInterfaceId: expected,
      state: modified.Route?.State ?? "unknown",
      finding: "repaired",
      detail,
    };
  } catch (error) {
    return { ...base, finding: "repair-failed", detail: `${detail}: ${String(error)}` };
  }
};

/** The routes of one table that target the group's ENIs or are configured, each with its finding. */
const checkTable = async (
  ec2: EC2Client,
  input: CheckInput,
  tableId: string,
): Promise<LocalGatewayRouteCheck[]> => {
  const routes = await searchStaticLocalGatewayRoutes(ec2, tableId);
  const wanted = input.group.localGatewayRoutes.filter((r) => r.localGatewayRouteTableId === tableId);
  const ours = new Set(input.slots.map((s) => s.eniId));
  const checks: LocalGatewayRouteCheck[] = [];
  for (const route of routes) {
    const destination = route.DestinationCidrBlock ?? route.DestinationPrefixListId ?? "";
    const target = route.NetworkInterfaceId;
    const spec = wanted.find((w) => w.destinationCidrBlock === destination);
    if (spec === undefined && (target === undefined || !ours.has(target))) continue;
    const expected =
      spec === undefined ? undefined : input.slots.find((s) => s.deviceIndex === spec.deviceIndex)?.eniId;
    const base: RouteBase = {
      localGatewayRouteTableId: tableId,
      destination,
      ...(target !== undefined ? { networkInterfaceId: target } : {}),
      state: route.State ?? "unknown",
    };
    if (expected === undefined || target === expected) {
      checks.push({ ...base, finding: route.State === "active" ? "ok" : "blackhole" });
      continue;
    }
    const foreign =
      target !== undefined && !ours.has(target)
        ? " (not one of the group's ENIs; it may no longer exist)"
        : "";
    checks.push(
      await repair(
        ec2,
        input,
        base,
        expected,
        `targets ${target ?? "no ENI"}${foreign}, expected ${expected}`,
      ),
    );
  }
  for (const spec of wanted.filter(
    (w) => !routes.some((r) => r.DestinationCidrBlock === w.destinationCidrBlock),
  )) {
    checks.push({
      localGatewayRouteTableId: tableId,
      destination: spec.destinationCidrBlock,
      state: "missing",
      finding: "missing",
      detail: "configured but not in the route table (the toolkit does not create routes)",
    });
  }
  return checks;
};

export const checkLocalGatewayRoutes = async (
  ec2: EC2Client,
  input: CheckInput,
): Promise<LocalGatewayRouteCheck[]> => {
  if (input.outpostArn === undefined && input.group.localGatewayRoutes.length === 0) return [];
  const checks: LocalGatewayRouteCheck[] = [];
  for (const tableId of await tablesToCheck(ec2, input))
    checks.push(...(await checkTable(ec2, input, tableId)));
  const bad = checks.filter((c) => c.finding !== "ok" && c.finding !== "repaired");
  if (bad.length > 0) input.logger.warn("Local gateway routes need attention", { routes: bad });
  return checks;
};
