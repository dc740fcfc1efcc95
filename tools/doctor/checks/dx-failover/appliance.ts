/**
 * The VPN appliance: found exactly once in the group's VPC (by ENI id, or as the one attached ENI carrying
 * the appliance tag), attached to a running instance, with source/destination checking off (an instance
 * forwarding traffic for other addresses needs it off, else EC2 drops that traffic). The failover function
 * never moves routes to an appliance that is not ready: a failover would not happen.
 */
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { describeNetworkInterfaces, type NetworkInterfaceView } from "../../../../shared/observe/interfaces";
import type { Check, DoctorContext, Finding } from "../../types";
import { cachedRead, findingOf, SOURCES } from "../support";
import { DX_READS, type DxGroupView, dxGroups } from "./observe";

interface FoundAppliance {
  view: DxGroupView;
  /** The appliance ENI, when exactly one was found. */
  eni?: NetworkInterfaceView;
  problem?: string;
  instanceState?: string;
}

const READS = [...DX_READS, "ec2:DescribeNetworkInterfaces", "ec2:DescribeInstances"] as const;

const candidatesOf = async (ctx: DoctorContext, view: DxGroupView): Promise<NetworkInterfaceView[]> => {
  const { applianceEniId, applianceTag } = view.group;
  if (applianceEniId !== undefined)
    return describeNetworkInterfaces(ctx.clients.ec2, [
      { Name: "network-interface-id", Values: [applianceEniId] },
    ]);
  const [key = "", value = ""] = (applianceTag ?? "").split(/=(.*)/s);
  const tagged = await describeNetworkInterfaces(ctx.clients.ec2, [
    { Name: `tag:${key}`, Values: [value] },
    ...(view.vpcIds.length > 0 ? [{ Name: "vpc-id", Values: view.vpcIds }] : []),
  ]);
  // The attached one is the appliance; an unattached tagged ENI is an earlier one.
  return tagged.filter((e) => e.attachment?.status === "attached");
};

const instanceState = async (ctx: DoctorContext, instanceId: string): Promise<string | undefined> => {
  const page = await ctx.clients.ec2.send(
    new DescribeInstancesCommand({ Filters: [{ Name: "instance-id", Values: [instanceId] }] }),
  );
  return page.Reservations?.flatMap((r) => r.Instances ?? [])[0]?.State?.Name;
};

const findAppliance = async (ctx: DoctorContext, view: DxGroupView): Promise<FoundAppliance> => {
  const what = view.group.applianceEniId ?? `the attached ENI tagged ${view.group.applianceTag}`;
  const found = await candidatesOf(ctx, view);
  if (found.length === 0) return { view, problem: `no appliance ENI found (${what})` };
  if (found.length > 1)
    return {
      view,
      problem: `${found.length} attached ENIs carry ${view.group.applianceTag} (${found.map((e) => e.id).join(", ")}): none is used`,
    };
  const [eni] = found as [NetworkInterfaceView];
  if (view.vpcIds.length > 0 && !view.vpcIds.includes(eni.vpcId))
    return {
      view,
      eni,
      problem: `appliance ENI ${eni.id} is in ${eni.vpcId}, not in the group's VPC (${view.vpcIds.join(", ")})`,
    };
  if (eni.attachment?.status !== "attached")
    return { view, eni, problem: `appliance ENI ${eni.id} is not attached to an instance` };
  const state = await instanceState(ctx, eni.attachment.instanceId);
  if (state !== "running")
    return {
      view,
      eni,
      problem: `appliance ENI ${eni.id} is attached to ${eni.attachment.instanceId}, which is ${state ?? "gone"}`,
    };
  return { view, eni, instanceState: state };
};

/** The appliance ENI of a group when exactly one was found (the VPN probe's targets should route to it). */
export const applianceEniOf = async (ctx: DoctorContext, view: DxGroupView): Promise<string | undefined> =>
  view.group.applianceEniId ??
  (await appliances(ctx)).find((a) => a.view.group.name === view.group.name)?.eni?.id;

const appliances = (ctx: DoctorContext): Promise<FoundAppliance[]> =>
  cachedRead(ctx, "dx-failover/appliances", async () =>
    Promise.all((await dxGroups(ctx)).map((view) => findAppliance(ctx, view))),
  );

const appliance: Check = {
  id: "dx-failover/appliance",
  capability: "dx-failover",
  title: "Each group's VPN appliance is found exactly once in its VPC, attached to a running instance",
  iamActions: READS,
  run: async (ctx) =>
    (await appliances(ctx)).flatMap((a): Finding[] =>
      a.problem === undefined
        ? []
        : [
            findingOf(appliance, "error", {
              resource: a.view.group.name,
              message: `${a.problem}: the VPN is never ready, so the group would never fail over`,
              fix: "Point dxFailover.groups[].applianceEniId (or applianceTag, on exactly one attached ENI) at the running appliance's ENI in the group's VPC.",
              source: SOURCES.routeTables,
            }),
          ],
    ),
};

const sourceDestCheck: Check = {
  id: "dx-failover/source-dest-check",
  capability: "dx-failover",
  title: "Source/destination checking is off on each group's appliance ENI",
  iamActions: READS,
  run: async (ctx) =>
    (await appliances(ctx)).flatMap((a): Finding[] =>
      a.eni === undefined || !a.eni.sourceDestCheck
        ? []
        : [
            findingOf(sourceDestCheck, "error", {
              resource: a.eni.id,
              message: `group ${a.view.group.name}: source/destination checking is on: EC2 drops the traffic the appliance forwards for on-premises addresses, and the toolkit treats the VPN as not ready`,
              fix: `aws ec2 modify-network-interface-attribute --network-interface-id ${a.eni.id} --no-source-dest-check`,
              source: SOURCES.sourceDestCheck,
            }),
          ],
    ),
};

export const APPLIANCE_CHECKS: readonly Check[] = [appliance, sourceDestCheck];
