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

export const checkLocalGatewayRoutes = async (
  ec2: EC2Client,
  input: {
    outpostArn: string | undefined;
    slots: readonly EniSlot[];
    group: EniReattachGroupConfig;
    apply: boolean;
    logger: Logger;
  },
): Promise<LocalGatewayRouteCheck[]> => {
  const configured = input.group.localGatewayRoutes;
  if (input.outpostArn === undefined && configured.length === 0) return [];
  const tableIds = new Set(configured.map((r) => r.localGatewayRouteTableId));
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
  const ours = new Map(input.slots.map((s) => [s.eniId, s]));
  const checks: LocalGatewayRouteCheck[] = [];
  for (const tableId of [...tableIds].sort()) {
    const routes = await searchStaticLocalGatewayRoutes(ec2, tableId);
    const wanted = configured.filter((r) => r.localGatewayRouteTableId === tableId);
    for (const route of routes) {
      const destination = route.DestinationCidrBlock ?? route.DestinationPrefixListId ?? "";
      const target = route.NetworkInterfaceId;
      const spec = wanted.find((w) => w.destinationCidrBlock === destination);
      const expected =
        spec !== undefined ? input.slots.find((s) => s.deviceIndex === spec.deviceIndex)?.eniId : undefined;
      if (spec === undefined && (target === undefined || !ours.has(target))) continue;
      const base = {
        localGatewayRouteTableId: tableId,
        destination,
        ...(target !== undefined ? { networkInterfaceId: target } : {}),
        state: route.State ?? "unknown",
      };
      if (expected !== undefined && target !== expected) {
        const detail = `targets ${target ?? "no ENI"}${target !== undefined && !ours.has(target) ? " (not one of the group's ENIs; it may no longer exist)" : ""}, expected ${expected}`;
        if (input.group.repairLocalGatewayRoutes && input.apply) {
          try {
            const modified = await awsCall("ec2", "ModifyLocalGatewayRoute", () =>
              ec2.send(
                new ModifyLocalGatewayRouteCommand({
                  LocalGatewayRouteTableId: tableId,
                  DestinationCidrBlock: destination,
                  NetworkInterfaceId: expected,
                }),
              ),
            );
            checks.push({
              ...base,
              networkInterfaceId: expected,
              state: modified.Route?.State ?? "unknown",
              finding: "repaired",
              detail,
            });
          } catch (error) {
            checks.push({ ...base, finding: "repair-failed", detail: `${detail}: ${String(error)}` });
          }
        } else {
          checks.push({ ...base, finding: "wrong-target", detail });
        }
      } else {
        checks.push({ ...base, finding: route.State === "active" ? "ok" : "blackhole" });
      }
    }
    for (const spec of wanted) {
      if (!routes.some((r) => r.DestinationCidrBlock === spec.destinationCidrBlock)) {
        checks.push({
          localGatewayRouteTableId: tableId,
          destination: spec.destinationCidrBlock,
          state: "missing",
          finding: "missing",
          detail: "configured but not in the route table (the toolkit does not create routes)",
        });
      }
    }
  }
  const bad = checks.filter((c) => c.finding !== "ok" && c.finding !== "repaired");
  if (bad.length > 0) input.logger.warn("Local gateway routes need attention", { routes: bad });
  return checks;
};
