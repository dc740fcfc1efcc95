/**
 * EC2 static route operations: `CreateRoute`, `ReplaceRoute`, `DeleteRoute`, SDK v3 shaped.
 *
 * Faithfulness notes (sources in docs/simulated-account.md, "Routes"):
 * - exactly one destination: `DestinationCidrBlock`, `DestinationIpv6CidrBlock` (kept in canonical form)
 *   or `DestinationPrefixListId` (the list must exist);
 * - a destination strictly inside one of the VPC's blocks (primary, secondary or IPv6) is accepted only
 *   towards an interface, an instance or a NAT gateway, and only when it is exactly a subnet's block;
 * - an instance target needs exactly one attached interface (`InvalidInstanceID`);
 * - `CreateRoute` on a destination with a static or local route → `RouteAlreadyExists` (a propagated
 *   route of the same destination is no obstacle: the static one is created beside it); past the quota of
 *   non-propagated routes of the destination's family (`behaviour.routesPerTable`, a prefix list counting
 *   its `MaxEntries`) → `RouteLimitExceeded`;
 * - `ReplaceRoute` with no static route → `InvalidParameterValue`; `DeleteRoute` of a missing route →
 *   `InvalidRoute.NotFound`; neither touches a propagated route.
 */
import type { CreateRouteResult } from "@aws-sdk/client-ec2";
import { type Cidr, parseCidr } from "../../shared/net/cidr";
import type { OpContext, ServiceModel } from "./context";
import { checkId, dryRun, eniOf, routeTableOf } from "./ec2-addresses";
import { awsError, ec2ParamErrors } from "./errors";
import { ID_PATTERNS, type IdKind } from "./ids";
import { prefixListOf } from "./prefix-lists";
import type { Params } from "./query";
import {
  canonicalDestination,
  DESTINATION_FILTERS,
  DESTINATION_MEMBERS,
  destinationCidr,
  destinationKind,
  moreSpecificRouteRefusal,
  type RouteDestinationKind,
  targetKindOf,
} from "./route-destination";
import type { RegionState, RouteModel, RouteTableModel } from "./state";

const TARGET_PARAMS: ReadonlyArray<{ param: string; kind?: IdKind }> = [
  { param: "NetworkInterfaceId", kind: "networkInterface" },
  { param: "InstanceId", kind: "instance" },
  { param: "GatewayId" },
  { param: "NatGatewayId", kind: "natGateway" },
  { param: "TransitGatewayId", kind: "transitGateway" },
  { param: "VpcPeeringConnectionId", kind: "vpcPeeringConnection" },
  { param: "LocalGatewayId", kind: "localGateway" },
  { param: "EgressOnlyInternetGatewayId" },
];

const CIDR_VERSION = { ipv4: 4, ipv6: 6 } as const;

/** Reads exactly one destination; returns its stored text (an IPv6 block in canonical form). */
function destinationOf(c: OpContext, p: Params): string {
  const given = (Object.entries(DESTINATION_MEMBERS) as [RouteDestinationKind, string][]).flatMap(
    ([kind, member]) => {
      const value = p.str(member);
      return value === undefined || value === "" ? [] : [{ kind, member, value }];
    },
  );
  if (given.length === 0) throw ec2ParamErrors.missing(Object.values(DESTINATION_MEMBERS).join(", "));
  if (given.length > 1) {
    throw awsError(
      "InvalidParameterCombination",
      `The parameters ${given.map((g) => g.member).join(" and ")} cannot be used together: specify exactly one route destination.`,
    );
  }
  const { kind, member, value } = given[0] as { kind: RouteDestinationKind; member: string; value: string };
  if (kind === "prefix-list") return prefixListOf(c.state, value).id;
  if (parseCidr(value, { version: CIDR_VERSION[kind] }) === undefined) {
    const name = member.charAt(0).toLowerCase() + member.slice(1);
    throw awsError(
      "InvalidParameterValue",
      `Value (${value}) for parameter ${name} is invalid. This is not a valid CIDR block.`,
    );
  }
  return canonicalDestination(value);
}

/** Reads exactly one target and checks it exists and lives in the table's VPC. */
function targetOf(c: OpContext, p: Params, table: RouteTableModel): string {
  const given = TARGET_PARAMS.flatMap((t) => {
    const value = p.str(t.param);
    return value === undefined || value === "" ? [] : [{ ...t, value }];
  });
  if (given.length === 0) {
    throw ec2ParamErrors.missing(
      "gatewayId, natGatewayId, networkInterfaceId, instanceId, transitGatewayId, vpcPeeringConnectionId or localGatewayId",
    );
  }
  if (given.length > 1) {
    throw awsError(
      "InvalidParameterCombination",
      "The parameter combination is not valid: specify exactly one route target.",
    );
  }
  const target = given[0] as { param: string; kind?: IdKind; value: string };
  if (target.param === "NetworkInterfaceId") {
    const eni = eniOf(c, target.value);
    if (eni.vpcId !== table.vpcId) {
      throw awsError(
        "InvalidParameterValue",
        `Route table ${table.id} and network interface ${eni.id} belong to different networks`,
      );
    }
  } else if (target.param === "InstanceId") {
    checkInstanceTarget(c, target.value, table);
  } else if (target.kind !== undefined && !ID_PATTERNS[target.kind].test(target.value)) {
    throw awsError("InvalidParameterValue", `Invalid id: "${target.value}"`);
  }
  return target.value;
}

/** An instance target exists, is in the table's VPC and has exactly one interface (CreateRoute docs). */
function checkInstanceTarget(c: OpContext, instanceId: string, table: RouteTableModel): void {
  const instance = c.state.instances.get(instanceId);
  checkId(
    instanceId,
    "instance",
    "InvalidInstanceID.Malformed",
    "InvalidInstanceID.NotFound",
    "instance",
    instance !== undefined && instance.state !== "terminated",
  );
  if (instance?.vpcId !== table.vpcId) {
    throw awsError(
      "InvalidParameterValue",
      `Route table ${table.id} and instance ${instanceId} belong to different networks`,
    );
  }
  if (c.state.enisOf(instanceId).length > 1) {
    throw awsError(
      "InvalidInstanceID",
      `There are multiple interfaces attached to instance '${instanceId}'. Please specify an interface ID for the operation instead.`,
    );
  }
}

function blocks(texts: readonly (string | undefined)[]): Cidr[] {
  return texts.flatMap((t) => (t === undefined ? [] : (parseCidr(t) ?? [])));
}

/** Refuses a destination inside the VPC's blocks that EC2 refuses (route-destination.ts). */
function checkMoreSpecific(c: OpContext, table: RouteTableModel, destination: string, target: string): void {
  const cidr = destinationCidr(destination);
  const vpc = c.state.vpcs.get(table.vpcId);
  if (cidr === undefined || vpc === undefined) return;
  const vpcBlocks = blocks([vpc.cidrBlock, ...vpc.secondaryCidrBlocks, ...vpc.ipv6CidrBlocks]);
  const subnetBlocks = blocks(
    [...c.state.subnets.values()]
      .filter((s) => s.vpcId === table.vpcId)
      .flatMap((s) => [s.cidrBlock, s.ipv6CidrBlock]),
  );
  const refusal = moreSpecificRouteRefusal(cidr, vpcBlocks, subnetBlocks, targetKindOf(target));
  if (refusal !== undefined) throw awsError("InvalidParameterValue", refusal);
}

/** How many routes a route counts for, and in which family (a prefix list counts its MaxEntries). */
function routeWeight(state: RegionState, destination: string): { family: 4 | 6; count: number } {
  const kind = destinationKind(destination);
  if (kind !== "prefix-list") return { family: CIDR_VERSION[kind], count: 1 };
  const list = state.managedPrefixLists.get(destination);
  return { family: list?.addressFamily === "IPv6" ? 6 : 4, count: list?.maxEntries ?? 1 };
}

/** Quota "Routes per route table (non-propagated routes)", per family; local routes not counted. */
function checkQuota(c: OpContext, table: RouteTableModel, destination: string): void {
  const quota = c.state.behaviour.routesPerTable;
  const added = routeWeight(c.state, destination);
  const used = table.routes
    .filter((r) => r.origin === "CreateRoute")
    .map((r) => routeWeight(c.state, r.destinationCidrBlock))
    .filter((w) => w.family === added.family)
    .reduce((sum, w) => sum + w.count, 0);
  if (used + added.count > quota) {
    throw awsError(
      "RouteLimitExceeded",
      `The maximum number of routes (${quota}) for IPv${added.family} destinations in route table ${table.id} has been reached.`,
    );
  }
}

const isStatic = (route: RouteModel): boolean => route.origin === "CreateRoute";

function createRoute(c: OpContext, p: Params): CreateRouteResult {
  const table = routeTableOf(c, p.reqStr("RouteTableId"));
  const destination = destinationOf(c, p);
  const target = targetOf(c, p, table);
  checkMoreSpecific(c, table, destination, target);
  dryRun(p);
  const existing = table.routes.find(
    (r) => r.destinationCidrBlock === destination && r.origin !== "EnableVgwRoutePropagation",
  );
  if (existing !== undefined) {
    throw awsError("RouteAlreadyExists", `The route identified by ${destination} already exists.`);
  }
  checkQuota(c, table, destination);
  table.routes.push({ destinationCidrBlock: destination, target, origin: "CreateRoute" });
  return { Return: true };
}

function replaceRoute(c: OpContext, p: Params): Record<string, never> {
  const table = routeTableOf(c, p.reqStr("RouteTableId"));
  const destination = destinationOf(c, p);
  const target = targetOf(c, p, table);
  checkMoreSpecific(c, table, destination, target);
  dryRun(p);
  const route = table.routes.find((r) => r.destinationCidrBlock === destination && isStatic(r));
  if (route === undefined) {
    throw awsError(
      "InvalidParameterValue",
      `There is no route defined for '${destination}' in the route table. Use CreateRoute instead.`,
    );
  }
  route.target = target;
  route.fixedState = undefined;
  return {};
}

function deleteRoute(c: OpContext, p: Params): Record<string, never> {
  const table = routeTableOf(c, p.reqStr("RouteTableId"));
  const destination = destinationOf(c, p);
  dryRun(p);
  const index = table.routes.findIndex((r) => r.destinationCidrBlock === destination && isStatic(r));
  if (index < 0) {
    throw awsError(
      "InvalidRoute.NotFound",
      `no route with ${DESTINATION_FILTERS[destinationKind(destination)]} ${destination} in route table ${table.id}`,
    );
  }
  table.routes.splice(index, 1);
  return {};
}

/** Registered in ec2Model (sim/account/ec2.ts). */
export const ec2RouteOperations: ServiceModel = {
  CreateRoute: createRoute,
  ReplaceRoute: replaceRoute,
  DeleteRoute: deleteRoute,
};
