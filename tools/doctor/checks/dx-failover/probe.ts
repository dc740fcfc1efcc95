/**
 * Where the probes run and what they reach. A Region group's authoritative probe is the Lambda probe in
 * `probeVpc`: its subnets must be in the group's VPC, on a table that keeps the propagated Direct Connect
 * route (never a production table of the group), and reach EventBridge for the trigger (a NAT gateway, or
 * the `events` interface endpoint the stack creates). A Local Zone group's probe is the agent, whose role
 * the trigger bus policy must list.
 */
import { probedByOf } from "../../../../functions/dx-failover/config";
import type { Check, DoctorContext, Finding } from "../../types";
import { findingOf, SOURCES } from "../support";
import { applianceEniOf } from "./appliance";
import { DX_READS, type DxGroupView, dxGroups, type ProbeSubnet, probeSubnets } from "./observe";
import { targetProblems } from "./probe-targets";

const lambdaGroups = (groups: readonly DxGroupView[]) =>
  groups.filter((g) => probedByOf(g.group) === "lambda");

/** A Region's own Availability Zone (`us-east-1a`); Local Zones and Wavelength Zones are named on (`us-west-2-lax-1a`). */
const isRegionZone = (zone: string | undefined, region: string): boolean =>
  zone === undefined || new RegExp(`^${region}[a-z]$`).test(zone);

/** What is wrong with one probe subnet for one group. */
const subnetProblems = (
  p: ProbeSubnet,
  view: DxGroupView,
  vpcId: string | undefined,
  region: string,
): string[] => {
  if (p.subnet === undefined) return [`subnet ${p.subnetId} does not exist`];
  const problems: string[] = [];
  if (!isRegionZone(p.subnet.availabilityZone, region))
    problems.push(
      `subnet ${p.subnetId} is in ${p.subnet.availabilityZone}, not an Availability Zone of ${region}: Lambda does not run in Local Zone or Wavelength subnets`,
    );
  if (view.vpcIds.length > 0 && !view.vpcIds.includes(p.subnet.vpcId))
    problems.push(
      `subnet ${p.subnetId} is in ${p.subnet.vpcId}, not in the group's VPC (${view.vpcIds.join(", ")})`,
    );
  if (vpcId !== undefined && p.subnet.vpcId !== vpcId)
    problems.push(`subnet ${p.subnetId} is not in probeVpc.vpcId ${vpcId}`);
  if (p.table === undefined) return [...problems, `subnet ${p.subnetId} has no route table`];
  const gateways = view.gateways.length > 0 ? view.gateways : p.table.propagatingVgws;
  if (gateways.length === 0 || !gateways.some((g) => p.table?.propagatingVgws.includes(g)))
    problems.push(
      `its table ${p.table.routeTableId} does not propagate routes from the group's gateway (${view.gateways.join(", ") || "none"}): the probe would not test Direct Connect`,
    );
  return problems;
};

/** The findings of a Lambda-probed group: its probe subnets, then where its targets go from each. */
const lambdaGroupFindings = async (
  ctx: DoctorContext,
  view: DxGroupView,
  subnets: readonly ProbeSubnet[],
): Promise<Finding[]> => {
  const name = view.group.name;
  if (subnets.length === 0)
    return [
      findingOf(probePlacement, "error", {
        resource: name,
        message:
          "probed by the Lambda probe, but dxFailover.probeVpc.subnetIds is empty: the probe runs outside any VPC and cannot reach the on-premises targets",
        fix: "Set dxFailover.probeVpc.subnetIds (subnets of the group's VPC whose table keeps the propagated DX route, never a production table) and securityGroupIds, then deploy.",
        source: SOURCES.lambdaVpc,
      }),
    ];
  const appliance = await applianceEniOf(ctx, view);
  return subnets.flatMap((p) => [
    ...subnetProblems(p, view, ctx.config.dxFailover.probeVpc.vpcId, ctx.region).map((problem) =>
      findingOf(probePlacement, "error", {
        resource: `${name} ${p.subnetId}`,
        message: problem,
        fix: "Put the probe in subnets of the group's VPC whose route table propagates from the group's virtual private gateway and carries no group tag (dxFailover.probeVpc).",
        source: SOURCES.routePropagation,
      }),
    ),
    ...targetProblems(view.group, p, view.gateways, appliance).map((t) =>
      findingOf(probePlacement, t.severity, {
        resource: `${name} ${p.subnetId}`,
        message: t.message,
        fix: `From the probe subnets' table (${p.table?.routeTableId}), a Direct Connect target must go to a route the group's gateway propagates, a VPN target to the appliance: fix the table's static routes, or choose targets that do.`,
        source: SOURCES.routePriority,
      }),
    ),
  ]);
};

const agentFindings = (ctx: DoctorContext, view: DxGroupView): Finding[] =>
  ctx.config.dxFailover.agentRoleArns.length > 0
    ? []
    : [
        findingOf(probePlacement, "error", {
          resource: view.group.name,
          message:
            "probed by the agent, but dxFailover.agentRoleArns is empty: the trigger bus policy refuses the agent's trigger (only the probe's role and the listed agent roles may put events)",
          fix: "List the agent instance profile's role ARN in dxFailover.agentRoleArns and deploy.",
          source: SOURCES.eventBusPermissions,
        }),
      ];

const enrolledFindings = (ctx: DoctorContext, view: DxGroupView): Finding[] =>
  view.probeTablesEnrolled.map((table) =>
    findingOf(probePlacement, "warning", {
      resource: `${view.group.name} ${table}`,
      message:
        "a probe subnet's table carries the group tag: the failover function leaves it out of the group (its routes never fail over)",
      fix: `Remove the tag ${ctx.config.dxFailover.groupTagKey} from ${table}, or move the probe to a table of its own.`,
      source: SOURCES.routePropagation,
    }),
  );

const probePlacement: Check = {
  id: "dx-failover/probe-placement",
  capability: "dx-failover",
  title:
    "Each group's authoritative probe is placed where its Direct Connect traffic runs, its targets on the right paths",
  iamActions: [...DX_READS, "ec2:DescribeNetworkInterfaces", "ec2:DescribeInstances"],
  run: async (ctx) => {
    const groups = await dxGroups(ctx);
    const subnets = await probeSubnets(ctx);
    const findings: Finding[] = [];
    for (const view of groups)
      findings.push(
        ...(probedByOf(view.group) === "agent"
          ? agentFindings(ctx, view)
          : await lambdaGroupFindings(ctx, view, subnets)),
      );
    for (const view of groups) findings.push(...enrolledFindings(ctx, view));
    return findings;
  },
};

/** How a probe subnet's table reaches the Region's public endpoints, or why not. */
const egressProblem = (p: ProbeSubnet): { severity: "error" | "warning"; message: string } | undefined => {
  const route = p.table?.routes.find(
    (r) => r.kind === "ipv4" && r.destination === "0.0.0.0/0" && r.state === "active",
  );
  const target = route?.targets[0]?.id ?? "";
  if (target.startsWith("nat-")) return undefined;
  const table = p.table?.routeTableId ?? "(no table)";
  if (route === undefined)
    return {
      severity: "error",
      message: `${table} has no active default route: the probe cannot reach EventBridge`,
    };
  if (target.startsWith("igw-"))
    return {
      severity: "error",
      message: `${table} routes to the internet gateway ${target}: a Lambda function's ENIs get no public IP, so it has no internet access there`,
    };
  if (target.startsWith("vgw-"))
    return {
      severity: "error",
      message: `${table} reaches the internet through ${target}: the trigger would depend on the DX path it reports`,
    };
  return {
    severity: "warning",
    message: `${table} sends its default route to ${target}: EventBridge is reachable only if that path leads to a NAT (not checked)`,
  };
};

const probeReachability: Check = {
  id: "dx-failover/probe-reachability",
  capability: "dx-failover",
  title:
    "The Lambda probe reaches EventBridge for its trigger (a NAT gateway, or the events interface endpoint)",
  iamActions: DX_READS,
  run: async (ctx) => {
    const probeVpc = ctx.config.dxFailover.probeVpc;
    if (lambdaGroups(await dxGroups(ctx)).length === 0) return [];
    const subnets = (await probeSubnets(ctx)).filter((p) => p.subnet !== undefined);
    if (probeVpc.network === "endpoints") {
      if (probeVpc.vpcId !== undefined) return [];
      return [
        findingOf(probeReachability, "error", {
          resource: "dxFailover.probeVpc",
          message:
            "network is endpoints but probeVpc.vpcId is not set: the stack creates no events interface endpoint, so the probe cannot put its trigger",
          fix: "Set dxFailover.probeVpc.vpcId to the probe subnets' VPC, or use network nat with a NAT gateway route.",
          source: SOURCES.eventBridgeEndpoint,
        }),
      ];
    }
    return subnets.flatMap((p) => {
      const problem = egressProblem(p);
      if (problem === undefined) return [];
      return [
        findingOf(probeReachability, problem.severity, {
          resource: p.subnetId,
          message: problem.message,
          fix: "Route 0.0.0.0/0 of the probe subnets' table to a NAT gateway (in a public subnet), or set probeVpc.network to endpoints (with vpcId) so the stack creates the events interface endpoint.",
          source: SOURCES.lambdaInternet,
        }),
      ];
    });
  },
};

export const PROBE_CHECKS: readonly Check[] = [probePlacement, probeReachability];
