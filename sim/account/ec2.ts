/**
 * EC2 operations of the simulated account: instances and hibernation, ENIs, route tables, local
 * gateway routes, instance types, tags. Inputs and outputs are SDK v3 shaped.
 *
 * Faithfulness notes (details and sources in docs/simulated-account.md):
 * - `StopInstances` validates the whole batch first and fails the whole call on the first instance
 *   that cannot be stopped (no partial result), as EC2 does;
 * - `DryRun` is answered after parameter and id validation, before state checks;
 * - routes to an ENI or instance are `blackhole` unless the ENI is attached to a running instance.
 */

import type {
  DescribeInstancesResult,
  DescribeInstanceTypesResult,
  DescribeLocalGatewayRouteTablesResult,
  DescribeNetworkInterfacesResult,
  DescribeRouteTablesResult,
  DescribeTagsResult,
  Instance,
  InstanceNetworkInterface,
  InstanceTypeInfo,
  LocalGatewayRoute,
  LocalGatewayRouteTable,
  NetworkInterface,
  Reservation,
  ResourceType,
  Route,
  RouteTable,
  SearchLocalGatewayRoutesResult,
  TagDescription,
} from "@aws-sdk/client-ec2";
import { cidrWithin, parseCidr } from "../../shared/net/cidr";
import type { SimAwsError } from "../types";
import type { OpContext, ServiceModel } from "./context";
import { listedRoutes } from "./dx";
import { ec2AddressOperations } from "./ec2-addresses";
import { ec2AttachmentModel } from "./ec2-attachments";
import { goneAfterTermination } from "./ec2-checks";
import { deleteNetworkInterfaceModel } from "./ec2-delete-network-interface";
import { ec2InstanceAttributeOperations } from "./ec2-instance-attribute";
import {
  checkFilterValueLimit,
  INSTANCE_STORAGE_FILTERS,
  instanceTypeDetailFields,
  LAUNCH_DETAIL_FILTERS,
  launchDetailFields,
} from "./ec2-instance-details";
import { ec2InstanceStatusOperations } from "./ec2-instance-status";
import { createNetworkInterfaceWith } from "./ec2-network-interfaces";
import { ec2RouteOperations } from "./ec2-routes";
import { ec2StopModel } from "./ec2-stop";
import { ec2TerminateModel } from "./ec2-terminate";
import { ec2VolumeOperations } from "./ec2-volumes";
import { ec2VpcOperations } from "./ec2-vpcs";
import { awsError, dryRunOperation, ec2ParamErrors } from "./errors";
import { ID_PATTERNS, type IdKind } from "./ids";
import type { InstanceTypeSpec } from "./instance-types";
import { prefixListOperations } from "./prefix-lists";
import {
  applyFilters,
  compareStrings,
  type Filter,
  type FilterFields,
  type Params,
  paginate,
  readFilters,
  toTagList,
} from "./query";
import { destinationMember } from "./route-destination";
import {
  type EniModel,
  type InstanceModel,
  type LgwRouteModel,
  type LgwRouteTableModel,
  prune,
  type RegionState,
  type RouteModel,
  type RouteTableModel,
  STATE_CODES,
} from "./state";
import { tagPolicyRefusal } from "./tag-policy";
import { elasticIpOn } from "./vpc-addresses";

// ---------------------------------------------------------------------------------------------
// Ids, validation, common checks

interface IdRule {
  kind: IdKind;
  malformed: string;
  notFound: string;
  /** The noun EC2 uses in its "does not exist" messages. */
  noun: string;
}

const ID_RULES = {
  instance: {
    kind: "instance",
    malformed: "InvalidInstanceID.Malformed",
    notFound: "InvalidInstanceID.NotFound",
    noun: "instance",
  },
  networkInterface: {
    kind: "networkInterface",
    malformed: "InvalidNetworkInterfaceId.Malformed",
    notFound: "InvalidNetworkInterfaceID.NotFound",
    noun: "networkInterface",
  },
  routeTable: {
    kind: "routeTable",
    malformed: "InvalidRouteTableId.Malformed",
    notFound: "InvalidRouteTableID.NotFound",
    noun: "routeTable",
  },
  localGatewayRouteTable: {
    kind: "localGatewayRouteTable",
    malformed: "InvalidLocalGatewayRouteTableID.Malformed",
    notFound: "InvalidLocalGatewayRouteTableID.NotFound",
    noun: "localGatewayRouteTable",
  },
  vpc: { kind: "vpc", malformed: "InvalidVpcID.Malformed", notFound: "InvalidVpcID.NotFound", noun: "vpc" },
  subnet: {
    kind: "subnet",
    malformed: "InvalidSubnetID.Malformed",
    notFound: "InvalidSubnetID.NotFound",
    noun: "subnet",
  },
} as const satisfies Record<string, IdRule>;

type IdRuleName = keyof typeof ID_RULES;

/** Checks id formats (first malformed id wins), then existence (all missing ids in one message). */
function checkIds(ids: readonly string[], rule: IdRule, exists: (id: string) => boolean): void {
  const pattern = ID_PATTERNS[rule.kind];
  const malformed = ids.find((id) => !pattern.test(id));
  if (malformed !== undefined) throw awsError(rule.malformed, `Invalid id: "${malformed}"`);
  const missing = [...new Set(ids.filter((id) => !exists(id)))];
  if (missing.length === 1)
    throw awsError(rule.notFound, `The ${rule.noun} ID '${missing[0]}' does not exist`);
  if (missing.length > 1)
    throw awsError(rule.notFound, `The ${rule.noun} IDs '${missing.join(", ")}' do not exist`);
}

function unknownFilter(name: string): SimAwsError {
  return awsError("InvalidParameterValue", `The filter '${name}' is invalid`);
}

/** MaxResults bounds; EC2 says "Expecting a value greater than 5" for small values. */
function maxResults(p: Params, min: number, max: number): number | undefined {
  const value = p.int("MaxResults");
  if (value === undefined) return undefined;
  if (value < min) {
    throw awsError(
      "InvalidParameterValue",
      `Value ( ${value} ) for parameter maxResults is invalid. Expecting a value greater than ${min}.`,
    );
  }
  if (value > max) {
    throw awsError(
      "InvalidParameterValue",
      `Value ( ${value} ) for parameter maxResults is invalid. Expecting a value less than ${max}.`,
    );
  }
  return value;
}

function noIdsWithMaxResults(
  ids: readonly string[] | undefined,
  max: number | undefined,
  setName: string,
): void {
  if (ids !== undefined && ids.length > 0 && max !== undefined) {
    throw awsError(
      "InvalidParameterCombination",
      `The parameter ${setName} cannot be used with the parameter maxResults`,
    );
  }
}

function dryRun(p: Params): void {
  if (p.bool("DryRun") === true) throw dryRunOperation();
}

function sortedById<T extends { id: string }>(items: Iterable<T>): T[] {
  return [...items].sort((a, b) => compareStrings(a.id, b.id));
}

function privateDnsName(region: string, ip: string): string {
  const host = `ip-${ip.replaceAll(".", "-")}`;
  return region === "us-east-1" ? `${host}.ec2.internal` : `${host}.${region}.compute.internal`;
}

function eniStatus(eni: EniModel): "in-use" | "available" {
  return eni.attachment === undefined ? "available" : "in-use";
}

// ---------------------------------------------------------------------------------------------
// Instances

function instanceState(inst: InstanceModel) {
  return { Code: STATE_CODES[inst.state], Name: inst.state };
}

function toInstanceNetworkInterface(c: OpContext, eni: EniModel): InstanceNetworkInterface {
  const a = eni.attachment;
  return prune({
    Attachment:
      a === undefined
        ? undefined
        : {
            AttachTime: a.attachTime,
            AttachmentId: a.attachmentId,
            DeleteOnTermination: a.deleteOnTermination,
            DeviceIndex: a.deviceIndex,
            Status: a.status,
            NetworkCardIndex: a.networkCardIndex,
          },
    Description: eni.description,
    Groups: [],
    MacAddress: eni.macAddress,
    NetworkInterfaceId: eni.id,
    OwnerId: c.accountId,
    PrivateDnsName: privateDnsName(c.region, eni.privateIpAddress),
    PrivateIpAddress: eni.privateIpAddress,
    PrivateIpAddresses: privateIps(c, eni),
    SourceDestCheck: eni.sourceDestCheck,
    Status: eniStatus(eni),
    SubnetId: eni.subnetId,
    VpcId: eni.vpcId,
    InterfaceType: eni.interfaceType,
  });
}

/** The Elastic IP of one address of an ENI, as `PrivateIpAddresses[].Association` shows it. */
function association(c: OpContext, eni: EniModel, ip: string) {
  const e = elasticIpOn(c.state, eni.id, ip);
  if (e?.association === undefined) return undefined;
  return {
    AllocationId: e.allocationId,
    AssociationId: e.association.associationId,
    IpOwnerId: c.accountId,
    PublicDnsName: "",
    PublicIp: e.publicIp,
  };
}

function privateIps(c: OpContext, eni: EniModel) {
  return [eni.privateIpAddress, ...eni.secondaryPrivateIpAddresses].map((ip, i) =>
    prune({
      Association: association(c, eni, ip),
      Primary: i === 0,
      PrivateDnsName: privateDnsName(c.region, ip),
      PrivateIpAddress: ip,
    }),
  );
}

function toInstance(c: OpContext, inst: InstanceModel): Instance {
  const terminated = inst.state === "terminated";
  const enis = c.state.enisOf(inst.id);
  const primary = c.state.primaryEni(inst.id);
  const windows = inst.platform === "windows";
  return prune({
    AmiLaunchIndex: inst.amiLaunchIndex,
    ImageId: inst.imageId,
    InstanceId: inst.id,
    InstanceType: inst.instanceType as Instance["InstanceType"],
    KeyName: inst.keyName,
    LaunchTime: inst.launchTime,
    Monitoring: { State: inst.monitoring },
    Placement: { AvailabilityZone: inst.availabilityZone, GroupName: "", Tenancy: "default" },
    Platform: windows ? ("windows" as Instance["Platform"]) : undefined,
    PrivateDnsName: terminated ? "" : privateDnsName(c.region, inst.privateIpAddress),
    PrivateIpAddress: terminated ? undefined : inst.privateIpAddress,
    ProductCodes: [],
    PublicDnsName: "",
    State: instanceState(inst),
    StateTransitionReason: inst.stateTransitionReason,
    SubnetId: terminated ? undefined : inst.subnetId,
    VpcId: terminated ? undefined : inst.vpcId,
    Architecture: inst.architecture as Instance["Architecture"],
    ClientToken: "",
    EbsOptimized: false,
    EnaSupport: true,
    Hypervisor: "xen",
    InstanceLifecycle: inst.instanceLifecycle as Instance["InstanceLifecycle"],
    NetworkInterfaces: terminated ? [] : enis.map((eni) => toInstanceNetworkInterface(c, eni)),
    OutpostArn: inst.outpostArn,
    SecurityGroups: [],
    SourceDestCheck: terminated ? undefined : (primary?.sourceDestCheck ?? true),
    StateReason:
      inst.stateReason === undefined
        ? undefined
        : { Code: inst.stateReason.code, Message: inst.stateReason.message },
    Tags: toTagList(inst.tags),
    VirtualizationType: "hvm",
    HibernationOptions: { Configured: inst.hibernationConfigured },
    EnclaveOptions: { Enabled: false },
    PlatformDetails: windows ? "Windows" : "Linux/UNIX",
    UsageOperation: windows ? "RunInstances:0002" : "RunInstances",
    UsageOperationUpdateTime: inst.launchTime,
    ...launchDetailFields(inst),
  });
}

const INSTANCE_FILTERS = (state: RegionState): FilterFields<InstanceModel> => ({
  "instance-id": (i) => [i.id],
  "instance-state-name": (i) => [i.state],
  "instance-state-code": (i) => [STATE_CODES[i.state]],
  "instance-type": (i) => [i.instanceType],
  "instance-lifecycle": (i) => [i.instanceLifecycle],
  "image-id": (i) => [i.imageId],
  "key-name": (i) => [i.keyName],
  "launch-time": (i) => [i.launchTime.toISOString()],
  "availability-zone": (i) => [i.availabilityZone],
  "subnet-id": (i) => [i.subnetId],
  "vpc-id": (i) => [i.vpcId],
  "private-ip-address": (i) => [i.privateIpAddress],
  "reservation-id": (i) => [i.reservationId],
  "hibernation-options.configured": (i) => [i.hibernationConfigured],
  "state-reason-code": (i) => [i.stateReason?.code],
  "state-reason-message": (i) => [i.stateReason?.message],
  reason: (i) => [i.stateTransitionReason],
  "source-dest-check": (i) => [state.primaryEni(i.id)?.sourceDestCheck],
  "outpost-arn": (i) => [i.outpostArn],
  platform: (i) => [i.platform],
  "network-interface.network-interface-id": (i) => state.enisOf(i.id).map((n) => n.id),
  "network-interface.subnet-id": (i) => state.enisOf(i.id).map((n) => n.subnetId),
  "network-interface.vpc-id": (i) => state.enisOf(i.id).map((n) => n.vpcId),
  "network-interface.status": (i) => state.enisOf(i.id).map(eniStatus),
  "network-interface.source-dest-check": (i) => state.enisOf(i.id).map((n) => n.sourceDestCheck),
  "network-interface.attachment.device-index": (i) =>
    state.enisOf(i.id).map((n) => n.attachment?.deviceIndex),
  "network-interface.attachment.status": (i) => state.enisOf(i.id).map((n) => n.attachment?.status),
  "network-interface.addresses.private-ip-address": (i) =>
    state.enisOf(i.id).flatMap((n) => [n.privateIpAddress, ...n.secondaryPrivateIpAddresses]),
  ...LAUNCH_DETAIL_FILTERS,
});

function describeInstances(c: OpContext, p: Params): DescribeInstancesResult {
  const ids = p.strList("InstanceIds");
  const max = maxResults(p, 5, 1000);
  noIdsWithMaxResults(ids, max, "instancesSet");
  const filters = readFilters(p);
  checkFilterValueLimit(filters);
  // Terminated instances "remain visible after termination (for approximately one hour)".
  const visible = (i: InstanceModel | undefined): i is InstanceModel =>
    i !== undefined && !goneAfterTermination(i, c.nowMs());
  if (ids !== undefined && ids.length > 0)
    checkIds(ids, ID_RULES.instance, (id) => visible(c.state.instances.get(id)));
  dryRun(p);
  const candidates =
    ids !== undefined && ids.length > 0
      ? [...new Set(ids)].map((id) => c.state.instances.get(id)).filter(visible)
      : [...c.state.instances.values()].filter(visible);
  const matched = applyFilters(candidates, filters, {
    fields: INSTANCE_FILTERS(c.state),
    tags: (i) => i.tags,
    unknown: unknownFilter,
  });
  const { page, nextToken } = paginate(matched, {
    maxResults: max,
    nextToken: p.str("NextToken"),
    key: "DescribeInstances",
    errors: ec2ParamErrors,
  });
  const reservations = new Map<string, Reservation>();
  for (const inst of page) {
    let r = reservations.get(inst.reservationId);
    if (r === undefined) {
      r = { ReservationId: inst.reservationId, OwnerId: c.accountId, Groups: [], Instances: [] };
      reservations.set(inst.reservationId, r);
    }
    r.Instances?.push(toInstance(c, inst));
  }
  return prune({ Reservations: [...reservations.values()], NextToken: nextToken });
}

// ---------------------------------------------------------------------------------------------
// Instance types

function toInstanceTypeInfo(t: InstanceTypeSpec): InstanceTypeInfo {
  return {
    InstanceType: t.name as InstanceTypeInfo["InstanceType"],
    CurrentGeneration: t.currentGeneration,
    FreeTierEligible: false,
    SupportedUsageClasses: ["on-demand", "spot"],
    SupportedVirtualizationTypes: ["hvm"],
    BareMetal: t.bareMetal,
    Hypervisor: t.bareMetal ? undefined : "nitro",
    ProcessorInfo: { SupportedArchitectures: [t.architecture] },
    VCpuInfo: { DefaultVCpus: t.vcpus },
    MemoryInfo: { SizeInMiB: t.memoryMiB },
    NetworkInfo: {
      NetworkPerformance: t.networkPerformance,
      MaximumNetworkInterfaces: t.maximumNetworkInterfaces,
      MaximumNetworkCards: t.networkCards.length,
      DefaultNetworkCardIndex: 0,
      NetworkCards: t.networkCards.map((card) => ({
        NetworkCardIndex: card.index,
        NetworkPerformance: card.networkPerformance,
        MaximumNetworkInterfaces: card.maximumNetworkInterfaces,
      })),
      Ipv4AddressesPerInterface: t.ipv4AddressesPerInterface,
      Ipv6AddressesPerInterface: t.ipv6AddressesPerInterface,
      Ipv6Supported: true,
      EnaSupport: "required",
      EfaSupported: false,
      EncryptionInTransitSupported: false,
    },
    HibernationSupported: t.hibernationSupported,
    BurstablePerformanceSupported: t.name.startsWith("t"),
    DedicatedHostsSupported: !t.name.startsWith("t"),
    AutoRecoverySupported: !t.bareMetal,
    SupportedBootModes: ["legacy-bios", "uefi"],
    ...instanceTypeDetailFields(t),
  };
}

function describeInstanceTypes(c: OpContext, p: Params): DescribeInstanceTypesResult {
  const names = p.strList("InstanceTypes");
  const max = maxResults(p, 5, 100);
  const filters = readFilters(p);
  if (names !== undefined && names.length > 0) {
    const unknown = names.filter((n) => !c.state.instanceTypes.has(n));
    if (unknown.length > 0) {
      throw awsError(
        "InvalidInstanceType",
        `The following supplied instance types do not exist: [${unknown.join(", ")}]`,
      );
    }
  }
  dryRun(p);
  const all = [...c.state.instanceTypes.values()].sort((a, b) => compareStrings(a.name, b.name));
  const candidates =
    names !== undefined && names.length > 0 ? all.filter((t) => names.includes(t.name)) : all;
  const matched = applyFilters(candidates, filters, {
    fields: {
      "instance-type": (t) => [t.name],
      "hibernation-supported": (t) => [t.hibernationSupported],
      "bare-metal": (t) => [t.bareMetal],
      "current-generation": (t) => [t.currentGeneration],
      "memory-info.size-in-mib": (t) => [t.memoryMiB],
      "vcpu-info.default-vcpus": (t) => [t.vcpus],
      "network-info.maximum-network-interfaces": (t) => [t.maximumNetworkInterfaces],
      "network-info.maximum-network-cards": (t) => [t.networkCards.length],
      "network-info.ipv4-addresses-per-interface": (t) => [t.ipv4AddressesPerInterface],
      "processor-info.supported-architecture": (t) => [t.architecture],
      ...INSTANCE_STORAGE_FILTERS,
    },
    unknown: unknownFilter,
  });
  const { page, nextToken } = paginate(matched, {
    maxResults: max,
    nextToken: p.str("NextToken"),
    key: "DescribeInstanceTypes",
    errors: ec2ParamErrors,
  });
  return prune({ InstanceTypes: page.map(toInstanceTypeInfo), NextToken: nextToken });
}

// ---------------------------------------------------------------------------------------------
// Network interfaces

function toNetworkInterface(c: OpContext, eni: EniModel): NetworkInterface {
  const a = eni.attachment;
  return prune({
    Attachment:
      a === undefined
        ? undefined
        : {
            AttachTime: a.attachTime,
            AttachmentId: a.attachmentId,
            DeleteOnTermination: a.deleteOnTermination,
            DeviceIndex: a.deviceIndex,
            NetworkCardIndex: a.networkCardIndex,
            InstanceId: a.instanceId,
            InstanceOwnerId: c.accountId,
            Status: a.status,
          },
    Association: association(c, eni, eni.privateIpAddress),
    AvailabilityZone: eni.availabilityZone,
    Description: eni.description,
    Groups: [],
    InterfaceType: eni.interfaceType as NetworkInterface["InterfaceType"],
    Ipv6Addresses: [],
    MacAddress: eni.macAddress,
    NetworkInterfaceId: eni.id,
    OutpostArn: eni.outpostArn,
    OwnerId: c.accountId,
    PrivateDnsName: privateDnsName(c.region, eni.privateIpAddress),
    PrivateIpAddress: eni.privateIpAddress,
    PrivateIpAddresses: privateIps(c, eni),
    RequesterManaged: eni.requesterManaged,
    SourceDestCheck: eni.sourceDestCheck,
    Status: eniStatus(eni),
    SubnetId: eni.subnetId,
    TagSet: toTagList(eni.tags) ?? [],
    VpcId: eni.vpcId,
  });
}

/** `private-ip-address` matches the primary address only (seen: awslabs/mcp #3495, #4526). */
const ENI_FILTERS = (state: RegionState): FilterFields<EniModel> => ({
  "network-interface-id": (n) => [n.id],
  "attachment.instance-id": (n) => [n.attachment?.instanceId],
  "attachment.attachment-id": (n) => [n.attachment?.attachmentId],
  "attachment.status": (n) => [n.attachment?.status],
  "attachment.device-index": (n) => [n.attachment?.deviceIndex],
  "attachment.delete-on-termination": (n) => [n.attachment?.deleteOnTermination],
  "availability-zone": (n) => [n.availabilityZone],
  description: (n) => [n.description],
  "interface-type": (n) => [n.interfaceType],
  "mac-address": (n) => [n.macAddress],
  "private-ip-address": (n) => [n.privateIpAddress],
  "addresses.private-ip-address": (n) => [n.privateIpAddress, ...n.secondaryPrivateIpAddresses],
  "addresses.primary": (n) => [true, ...(n.secondaryPrivateIpAddresses.length > 0 ? [false] : [])],
  "association.public-ip": (n) => elasticIpsOf(state, n).map((e) => e.publicIp),
  "association.allocation-id": (n) => elasticIpsOf(state, n).map((e) => e.allocationId),
  "association.association-id": (n) => elasticIpsOf(state, n).map((e) => e.association?.associationId),
  "addresses.association.public-ip": (n) => elasticIpsOf(state, n).map((e) => e.publicIp),
  "requester-managed": (n) => [n.requesterManaged],
  "source-dest-check": (n) => [n.sourceDestCheck],
  status: (n) => [eniStatus(n)],
  "subnet-id": (n) => [n.subnetId],
  "vpc-id": (n) => [n.vpcId],
});

function elasticIpsOf(state: RegionState, eni: EniModel) {
  return [...state.elasticIps.values()].filter((e) => e.association?.networkInterfaceId === eni.id);
}

function describeNetworkInterfaces(c: OpContext, p: Params): DescribeNetworkInterfacesResult {
  const ids = p.strList("NetworkInterfaceIds");
  const max = maxResults(p, 5, 1000);
  noIdsWithMaxResults(ids, max, "networkInterfaceIdSet");
  const filters = readFilters(p);
  if (ids !== undefined && ids.length > 0)
    checkIds(ids, ID_RULES.networkInterface, (id) => c.state.networkInterfaces.has(id));
  dryRun(p);
  const candidates =
    ids !== undefined && ids.length > 0
      ? [...new Set(ids)]
          .map((id) => c.state.networkInterfaces.get(id))
          .filter((n): n is EniModel => n !== undefined)
      : sortedById(c.state.networkInterfaces.values());
  const matched = applyFilters(candidates, filters, {
    fields: { ...ENI_FILTERS(c.state), "owner-id": () => [c.accountId] },
    tags: (n) => n.tags,
    unknown: unknownFilter,
  });
  const { page, nextToken } = paginate(matched, {
    maxResults: max,
    nextToken: p.str("NextToken"),
    key: "DescribeNetworkInterfaces",
    errors: ec2ParamErrors,
  });
  return prune({ NetworkInterfaces: page.map((n) => toNetworkInterface(c, n)), NextToken: nextToken });
}

// ---------------------------------------------------------------------------------------------
// Route tables

function toRoute(c: OpContext, route: RouteModel): Route {
  const out: Route = destinationMember(route.destinationCidrBlock);
  const t = route.target;
  if (t === "local" || t.startsWith("igw-") || t.startsWith("vgw-")) out.GatewayId = t;
  else if (t.startsWith("eigw-")) out.EgressOnlyInternetGatewayId = t;
  else if (t.startsWith("nat-")) out.NatGatewayId = t;
  else if (t.startsWith("tgw-")) out.TransitGatewayId = t;
  else if (t.startsWith("pcx-")) out.VpcPeeringConnectionId = t;
  else if (t.startsWith("lgw-")) out.LocalGatewayId = t;
  else {
    const instanceId = c.state.routeInstance(route);
    if (instanceId !== undefined) {
      out.InstanceId = instanceId;
      out.InstanceOwnerId = c.accountId;
    }
    const eniId = c.state.routeEni(route);
    if (eniId !== undefined) out.NetworkInterfaceId = eniId;
  }
  out.Origin = route.origin;
  out.State = c.state.routeState(route);
  return out;
}

function toRouteTable(c: OpContext, rt: RouteTableModel): RouteTable {
  return prune({
    Associations: rt.associations.map((a) =>
      prune({
        Main: a.subnetId === undefined && a.gatewayId === undefined,
        RouteTableAssociationId: a.id,
        RouteTableId: rt.id,
        SubnetId: a.subnetId,
        GatewayId: a.gatewayId,
        AssociationState: { State: "associated" as const },
      }),
    ),
    PropagatingVgws: rt.propagatingVgws.map((GatewayId) => ({ GatewayId })),
    RouteTableId: rt.id,
    Routes: listedRoutes(c.state, rt).map((r) => toRoute(c, r)),
    Tags: toTagList(rt.tags) ?? [],
    VpcId: rt.vpcId,
    OwnerId: c.accountId,
  });
}

function routeTableFilters(c: OpContext): FilterFields<RouteTableModel> {
  const routes = (rt: RouteTableModel) => listedRoutes(c.state, rt).map((r) => toRoute(c, r));
  return {
    "route-table-id": (rt) => [rt.id],
    "vpc-id": (rt) => [rt.vpcId],
    "owner-id": () => [c.accountId],
    "association.main": (rt) => [rt.main],
    "association.subnet-id": (rt) => rt.associations.map((a) => a.subnetId),
    "association.gateway-id": (rt) => rt.associations.map((a) => a.gatewayId),
    "association.route-table-association-id": (rt) => rt.associations.map((a) => a.id),
    "association.route-table-id": (rt) => (rt.associations.length > 0 ? [rt.id] : []),
    "route.destination-cidr-block": (rt) => routes(rt).map((r) => r.DestinationCidrBlock),
    "route.destination-ipv6-cidr-block": (rt) => routes(rt).map((r) => r.DestinationIpv6CidrBlock),
    "route.destination-prefix-list-id": (rt) => routes(rt).map((r) => r.DestinationPrefixListId),
    "route.gateway-id": (rt) => routes(rt).map((r) => r.GatewayId),
    "route.instance-id": (rt) => routes(rt).map((r) => r.InstanceId),
    "route.network-interface-id": (rt) => routes(rt).map((r) => r.NetworkInterfaceId),
    "route.nat-gateway-id": (rt) => routes(rt).map((r) => r.NatGatewayId),
    "route.transit-gateway-id": (rt) => routes(rt).map((r) => r.TransitGatewayId),
    "route.vpc-peering-connection-id": (rt) => routes(rt).map((r) => r.VpcPeeringConnectionId),
    "route.local-gateway-id": (rt) => routes(rt).map((r) => r.LocalGatewayId),
    "route.origin": (rt) => listedRoutes(c.state, rt).map((r) => r.origin),
    "route.state": (rt) => routes(rt).map((r) => r.State),
  };
}

function describeRouteTables(c: OpContext, p: Params): DescribeRouteTablesResult {
  const ids = p.strList("RouteTableIds");
  const max = maxResults(p, 5, 100);
  const filters = readFilters(p);
  if (ids !== undefined && ids.length > 0)
    checkIds(ids, ID_RULES.routeTable, (id) => c.state.routeTables.has(id));
  dryRun(p);
  const candidates =
    ids !== undefined && ids.length > 0
      ? [...new Set(ids)]
          .map((id) => c.state.routeTables.get(id))
          .filter((t): t is RouteTableModel => t !== undefined)
      : sortedById(c.state.routeTables.values());
  const matched = applyFilters(candidates, filters, {
    fields: routeTableFilters(c),
    tags: (rt) => rt.tags,
    unknown: unknownFilter,
  });
  const { page, nextToken } = paginate(matched, {
    maxResults: max,
    nextToken: p.str("NextToken"),
    key: "DescribeRouteTables",
    errors: ec2ParamErrors,
  });
  return prune({ RouteTables: page.map((rt) => toRouteTable(c, rt)), NextToken: nextToken });
}

// ---------------------------------------------------------------------------------------------
// Local gateway route tables (Outposts)

function lgwRouteTableArn(c: OpContext, id: string): string {
  return `arn:aws:ec2:${c.region}:${c.accountId}:local-gateway-route-table/${id}`;
}

function toLocalGatewayRouteTable(c: OpContext, t: LgwRouteTableModel): LocalGatewayRouteTable {
  return prune({
    LocalGatewayRouteTableId: t.id,
    LocalGatewayRouteTableArn: lgwRouteTableArn(c, t.id),
    LocalGatewayId: t.localGatewayId,
    OutpostArn: t.outpostArn,
    OwnerId: c.accountId,
    State: t.state,
    Tags: toTagList(t.tags) ?? [],
    Mode: t.mode,
  });
}

function describeLocalGatewayRouteTables(c: OpContext, p: Params): DescribeLocalGatewayRouteTablesResult {
  const ids = p.strList("LocalGatewayRouteTableIds");
  const max = maxResults(p, 5, 1000);
  const filters = readFilters(p);
  if (ids !== undefined && ids.length > 0) {
    checkIds(ids, ID_RULES.localGatewayRouteTable, (id) => c.state.localGatewayRouteTables.has(id));
  }
  dryRun(p);
  const candidates =
    ids !== undefined && ids.length > 0
      ? [...new Set(ids)]
          .map((id) => c.state.localGatewayRouteTables.get(id))
          .filter((t): t is LgwRouteTableModel => t !== undefined)
      : sortedById(c.state.localGatewayRouteTables.values());
  const matched = applyFilters(candidates, filters, {
    fields: {
      "local-gateway-route-table-id": (t) => [t.id],
      "local-gateway-route-table-arn": (t) => [lgwRouteTableArn(c, t.id)],
      "local-gateway-id": (t) => [t.localGatewayId],
      "outpost-arn": (t) => [t.outpostArn],
      "owner-id": () => [c.accountId],
      state: (t) => [t.state],
    },
    tags: (t) => t.tags,
    unknown: unknownFilter,
  });
  const { page, nextToken } = paginate(matched, {
    maxResults: max,
    nextToken: p.str("NextToken"),
    key: "DescribeLocalGatewayRouteTables",
    errors: ec2ParamErrors,
  });
  return prune({
    LocalGatewayRouteTables: page.map((t) => toLocalGatewayRouteTable(c, t)),
    NextToken: nextToken,
  });
}

function parseSearchCidr(value: string): ReturnType<typeof parseCidr> {
  const cidr = parseCidr(value.includes("/") ? value : `${value}/32`, { version: 4 });
  if (cidr === undefined) throw awsError("InvalidParameterValue", `The CIDR '${value}' is invalid.`);
  return cidr;
}

/** `route-search.*` filters take CIDRs, not wildcard patterns. */
function applyRouteSearch(
  routes: LgwRouteModel[],
  filters: Filter[],
): { routes: LgwRouteModel[]; rest: Filter[] } {
  let out = routes;
  const rest: Filter[] = [];
  for (const f of filters) {
    if (!f.name.startsWith("route-search.")) {
      rest.push(f);
      continue;
    }
    const cidrs = f.values.map(parseSearchCidr).filter((x) => x !== undefined);
    const dest = (r: LgwRouteModel) => parseCidr(r.destinationCidrBlock, { version: 4 });
    switch (f.name) {
      case "route-search.exact-match":
        out = out.filter((r) =>
          cidrs.some((q) => dest(r)?.network === q.network && dest(r)?.prefix === q.prefix),
        );
        break;
      case "route-search.subnet-of-match":
        out = out.filter((r) => {
          const d = dest(r);
          return d !== undefined && cidrs.some((q) => cidrWithin(d, q));
        });
        break;
      case "route-search.supernet-of-match":
        out = out.filter((r) => {
          const d = dest(r);
          return d !== undefined && cidrs.some((q) => cidrWithin(q, d));
        });
        break;
      case "route-search.longest-prefix-match": {
        const winners = new Set<LgwRouteModel>();
        for (const q of cidrs) {
          let best: LgwRouteModel | undefined;
          for (const r of out) {
            const d = dest(r);
            if (
              d !== undefined &&
              cidrWithin(q, d) &&
              (best === undefined || d.prefix > (dest(best)?.prefix ?? -1))
            )
              best = r;
          }
          if (best !== undefined) winners.add(best);
        }
        out = out.filter((r) => winners.has(r));
        break;
      }
      default:
        rest.push(f);
    }
  }
  return { routes: out, rest };
}

function searchLocalGatewayRoutes(c: OpContext, p: Params): SearchLocalGatewayRoutesResult {
  const tableId = p.reqStr("LocalGatewayRouteTableId");
  const max = maxResults(p, 5, 1000);
  const filters = readFilters(p);
  checkIds([tableId], ID_RULES.localGatewayRouteTable, (id) => c.state.localGatewayRouteTables.has(id));
  dryRun(p);
  const table = c.state.localGatewayRouteTables.get(tableId);
  if (table === undefined) return { Routes: [] };
  const searched = applyRouteSearch(table.routes, filters);
  const matched = applyFilters(searched.routes, searched.rest, {
    fields: {
      state: (r) => [c.state.lgwRouteState(r)],
      type: (r) => [r.type],
      "prefix-list-id": () => [],
    },
    unknown: unknownFilter,
  });
  const { page, nextToken } = paginate(matched, {
    maxResults: max,
    nextToken: p.str("NextToken"),
    key: `SearchLocalGatewayRoutes/${tableId}`,
    errors: ec2ParamErrors,
  });
  return prune({
    Routes: page.map(
      (r): LocalGatewayRoute =>
        prune({
          DestinationCidrBlock: r.destinationCidrBlock,
          NetworkInterfaceId: r.networkInterfaceId,
          LocalGatewayVirtualInterfaceGroupId: r.localGatewayVirtualInterfaceGroupId,
          Type: r.type,
          State: c.state.lgwRouteState(r),
          LocalGatewayRouteTableId: table.id,
          LocalGatewayRouteTableArn: lgwRouteTableArn(c, table.id),
          OwnerId: c.accountId,
          SubnetId:
            r.networkInterfaceId !== undefined
              ? c.state.networkInterfaces.get(r.networkInterfaceId)?.subnetId
              : undefined,
        }),
    ),
    NextToken: nextToken,
  });
}

// ---------------------------------------------------------------------------------------------
// Tags

interface Taggable {
  id: string;
  type: ResourceType;
  tags: Map<string, string>;
}

const TAGGABLE_PREFIXES: { prefix: string; rule: IdRuleName; type: ResourceType }[] = [
  { prefix: "i-", rule: "instance", type: "instance" },
  { prefix: "eni-", rule: "networkInterface", type: "network-interface" },
  { prefix: "lgw-rtb-", rule: "localGatewayRouteTable", type: "local-gateway-route-table" },
  { prefix: "rtb-", rule: "routeTable", type: "route-table" },
  { prefix: "vpc-", rule: "vpc", type: "vpc" },
  { prefix: "subnet-", rule: "subnet", type: "subnet" },
];

function taggables(state: RegionState): Taggable[] {
  return [
    ...[...state.instances.values()].map((r) => ({ id: r.id, type: "instance" as const, tags: r.tags })),
    ...[...state.networkInterfaces.values()].map((r) => ({
      id: r.id,
      type: "network-interface" as const,
      tags: r.tags,
    })),
    ...[...state.routeTables.values()].map((r) => ({ id: r.id, type: "route-table" as const, tags: r.tags })),
    ...[...state.localGatewayRouteTables.values()].map((r) => ({
      id: r.id,
      type: "local-gateway-route-table" as const,
      tags: r.tags,
    })),
    ...[...state.vpcs.values()].map((r) => ({ id: r.id, type: "vpc" as const, tags: r.tags })),
    ...[...state.subnets.values()].map((r) => ({ id: r.id, type: "subnet" as const, tags: r.tags })),
  ];
}

function resolveTaggable(state: RegionState, id: string): Taggable {
  const entry = TAGGABLE_PREFIXES.find((e) => id.startsWith(e.prefix));
  if (entry === undefined) throw awsError("InvalidID", `The ID '${id}' is not valid`);
  const rule = ID_RULES[entry.rule];
  const found = taggables(state).find((t) => t.id === id);
  checkIds([id], rule, () => found !== undefined);
  if (found === undefined) throw awsError(rule.notFound, `The ${rule.noun} ID '${id}' does not exist`);
  return found;
}

function readTags(p: Params, required: boolean): { key: string; value: string | undefined }[] | undefined {
  const raw = p.objList("Tags");
  if (raw === undefined || raw.length === 0) {
    if (required) throw ec2ParamErrors.missing("Tag");
    return undefined;
  }
  return raw.map((t, i) => {
    const key = t.Key;
    const value = t.Value;
    if (typeof key !== "string" || key === "") throw ec2ParamErrors.missing(`Tag.${i + 1}.Key`);
    if (value !== undefined && value !== null && typeof value !== "string") {
      throw ec2ParamErrors.invalid(`Tag.${i + 1}.Value`, value, "Expected a string.");
    }
    if (key.toLowerCase().startsWith("aws:")) {
      throw awsError(
        "InvalidParameterValue",
        `Value ( ${key} ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use`,
      );
    }
    // Lengths in Unicode characters (EC2 User Guide, "Tag restrictions"), not UTF-16 units.
    if ([...key].length > 128)
      throw awsError("InvalidParameterValue", `Tag key exceeds the maximum length of 128 characters`);
    if (typeof value === "string" && [...value].length > 256) {
      throw awsError("InvalidParameterValue", `Tag value exceeds the maximum length of 256 characters`);
    }
    return { key, value: typeof value === "string" ? value : undefined };
  });
}

function createTags(c: OpContext, p: Params): Record<string, never> {
  const resources = p.strList("Resources");
  if (resources === undefined || resources.length === 0) throw ec2ParamErrors.missing("ResourceId");
  const tags = readTags(p, true) ?? [];
  const targets = resources.map((id) => resolveTaggable(c.state, id));
  for (const target of targets) {
    const refusal = tagPolicyRefusal(c.state.tagPolicies, target.type, tags);
    if (refusal !== undefined) throw refusal;
  }
  dryRun(p);
  for (const target of targets) {
    const keys = new Set([...target.tags.keys(), ...tags.map((t) => t.key)]);
    if ([...keys].filter((k) => !k.startsWith("aws:")).length > 50) {
      throw awsError(
        "TagLimitExceeded",
        `The maximum number of Tags for a resource has been reached. (${target.id})`,
      );
    }
  }
  for (const target of targets) for (const t of tags) target.tags.set(t.key, t.value ?? "");
  return {};
}

function deleteTags(c: OpContext, p: Params): Record<string, never> {
  const resources = p.strList("Resources");
  if (resources === undefined || resources.length === 0) throw ec2ParamErrors.missing("ResourceId");
  const tags = readTags(p, false);
  const targets = resources.map((id) => resolveTaggable(c.state, id));
  dryRun(p);
  for (const target of targets) {
    if (tags === undefined) {
      for (const key of [...target.tags.keys()]) if (!key.startsWith("aws:")) target.tags.delete(key);
      continue;
    }
    for (const t of tags) {
      if (t.value === undefined || target.tags.get(t.key) === t.value) target.tags.delete(t.key);
    }
  }
  return {};
}

function describeTags(c: OpContext, p: Params): DescribeTagsResult {
  const max = maxResults(p, 5, 1000);
  const filters = readFilters(p);
  dryRun(p);
  const rows: TagDescription[] = [];
  for (const t of taggables(c.state).sort((a, b) => compareStrings(a.id, b.id))) {
    for (const [Key, Value] of [...t.tags.entries()].sort(([a], [b]) => compareStrings(a, b))) {
      rows.push({ Key, ResourceId: t.id, ResourceType: t.type, Value });
    }
  }
  const matched = applyFilters(rows, filters, {
    fields: {
      key: (r) => [r.Key],
      value: (r) => [r.Value],
      "resource-id": (r) => [r.ResourceId],
      "resource-type": (r) => [r.ResourceType],
    },
    unknown: unknownFilter,
  });
  const { page, nextToken } = paginate(matched, {
    maxResults: max,
    nextToken: p.str("NextToken"),
    key: "DescribeTags",
    errors: ec2ParamErrors,
  });
  return prune({ Tags: page, NextToken: nextToken });
}

export const ec2Model: ServiceModel = {
  ...ec2AttachmentModel,
  DescribeInstances: describeInstances,
  ...ec2StopModel,
  ...ec2TerminateModel,
  DescribeInstanceTypes: describeInstanceTypes,
  DescribeNetworkInterfaces: describeNetworkInterfaces,
  DescribeRouteTables: describeRouteTables,
  DescribeLocalGatewayRouteTables: describeLocalGatewayRouteTables,
  SearchLocalGatewayRoutes: searchLocalGatewayRoutes,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeTags: describeTags,
  ...ec2AddressOperations,
  ...ec2VpcOperations,
  ...ec2InstanceStatusOperations,
  CreateNetworkInterface: createNetworkInterfaceWith(toNetworkInterface),
  ...deleteNetworkInterfaceModel,
  ...ec2RouteOperations,
  ...prefixListOperations,
  ...ec2VolumeOperations,
  ...ec2InstanceAttributeOperations,
};
