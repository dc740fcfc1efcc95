import type { AccountRead } from "./read/account";
import { toCidrReservation, toElasticIp, toPrefixList } from "./to-fixture/addresses";
import { toCompositeAlarm, toMetricAlarm } from "./to-fixture/alarms";
import { byId, type FixtureOut, type KeepTag } from "./to-fixture/common";
import { toInstance, toInstanceType } from "./to-fixture/compute";
import { toVirtualInterface, toVirtualPrivateGateways } from "./to-fixture/dx";
import { toGroup, toHook, toLifecycleActions } from "./to-fixture/groups";
import {
  toLocalGatewayRouteTable,
  toNetworkInterface,
  toRouteTable,
  toSubnet,
  toVpc,
} from "./to-fixture/network";
import { toOutpost } from "./to-fixture/outposts";

const ownerOf = (read: AccountRead): string =>
  read.vpcs[0]?.OwnerId ??
  read.networkInterfaces[0]?.OwnerId ??
  read.routeTables[0]?.OwnerId ??
  "000000000000";

/** A terminated instance is shown for about an hour without its subnet and address: it is left out. */
const shown = (i: AccountRead["instances"][number]): boolean =>
  i.State?.Name !== "terminated" && i.SubnetId !== undefined && i.PrivateIpAddress !== undefined;

const sorted = <T>(items: T[], id: (item: T) => string): T[] => items.sort(byId(id));

/** Groups within the snapshot: their subnets in scope (`--vpc`), their members read; a group with neither is left out. */
const closeGroups = (f: FixtureOut, instances: Set<string>): void => {
  const subnets = new Set((f.subnets ?? []).map((s) => s.id));
  for (const g of f.autoScalingGroups ?? []) {
    g.vpcZoneIdentifier = (g.vpcZoneIdentifier ?? []).filter((s) => subnets.has(s));
    g.instances = (g.instances ?? []).filter((m) => instances.has(m.instanceId));
  }
  f.autoScalingGroups = (f.autoScalingGroups ?? []).filter(
    (g) => (g.vpcZoneIdentifier ?? []).length > 0 || (g.instances ?? []).length > 0,
  );
  const groups = new Set(f.autoScalingGroups.map((g) => g.name));
  f.lifecycleHooks = (f.lifecycleHooks ?? []).filter((h) => groups.has(h.autoScalingGroupName));
  f.lifecycleActions = (f.lifecycleActions ?? []).filter(
    (a) => groups.has(a.autoScalingGroupName) && instances.has(a.instanceId),
  );
  for (const i of f.instances ?? [])
    if (i.autoScalingGroup !== undefined && !groups.has(i.autoScalingGroup)) delete i.autoScalingGroup;
};

/**
 * References to what was not read (out of scope) are dropped, so the fixture stands on its own: an
 * instance's group, an ENI's attachment, a group's member or subnet.
 */
const closeReferences = (f: FixtureOut): FixtureOut => {
  const instances = new Set((f.instances ?? []).map((i) => i.id));
  closeGroups(f, instances);
  for (const n of f.networkInterfaces ?? []) {
    if (n.attachment !== undefined && !instances.has(n.attachment.instanceId)) {
      delete n.attachment;
      delete n.status;
    }
  }
  // An Elastic IP associated with an ENI out of scope is out of scope too.
  const enis = new Set((f.networkInterfaces ?? []).map((n) => n.id));
  f.elasticIps = (f.elasticIps ?? []).filter(
    (a) => a.association === undefined || enis.has(a.association.networkInterfaceId),
  );
  return f;
};

/** The account as read, in the simulated account's fixture format (pure: no calls, no clock). */
export const toFixture = (read: AccountRead, keep: KeepTag, description: string): FixtureOut => {
  const status = new Map(read.instanceStatus.map((s) => [s.InstanceId ?? "", s]));
  const vgws = toVirtualPrivateGateways(read.virtualInterfaces, read.routeTables);
  const modelled = new Set(vgws.map((g) => g.id));
  const metric = read.metricAlarms.map((a) => toMetricAlarm(a, read.alarmTags.get(a.AlarmArn ?? ""), keep));
  const composite = read.compositeAlarms.map((a) =>
    toCompositeAlarm(a, read.alarmTags.get(a.AlarmArn ?? ""), keep),
  );
  return closeReferences({
    description,
    accountId: ownerOf(read),
    region: read.region,
    clock: { start: read.readAt.toISOString() },
    instanceTypes: sorted(read.instanceTypes.map(toInstanceType), (t) => t.name),
    outposts: sorted(read.outposts.map(toOutpost), (o) => o.id),
    vpcs: sorted(
      read.vpcs.map((v) => toVpc(v, keep)),
      (v) => v.id,
    ),
    subnets: sorted(
      read.subnets.map((s) => toSubnet(s, keep)),
      (s) => s.id,
    ),
    virtualPrivateGateways: vgws,
    virtualInterfaces: sorted(
      read.virtualInterfaces.map((v) => toVirtualInterface(v, keep)),
      (v) => v.id,
    ),
    instances: sorted(
      read.instances.filter(shown).map((i) => toInstance(i, status.get(i.InstanceId ?? ""), keep)),
      (i) => i.id,
    ),
    networkInterfaces: sorted(
      read.networkInterfaces.map((n) => toNetworkInterface(n, keep)),
      (n) => n.id,
    ),
    routeTables: sorted(
      read.routeTables.map((t) => toRouteTable(t, keep, modelled)),
      (t) => t.id,
    ),
    localGatewayRouteTables: sorted(
      read.localGatewayTables.map((t) => toLocalGatewayRouteTable(t, keep)),
      (t) => t.id,
    ),
    autoScalingGroups: sorted(
      read.groups.map((g) => toGroup(g, keep)),
      (g) => g.name,
    ),
    lifecycleHooks: read.groups.flatMap((g) => g.hooks.map(toHook)),
    lifecycleActions: read.groups.flatMap(toLifecycleActions),
    elasticIps: sorted(
      read.elasticIps.filter((a) => a.AllocationId !== undefined).map((a) => toElasticIp(a, keep)),
      (a) => a.allocationId,
    ),
    subnetCidrReservations: read.cidrReservations.map((r) => toCidrReservation(r, keep)),
    managedPrefixLists: sorted(
      read.prefixLists.map((l) => toPrefixList(l, keep)),
      (l) => l.id,
    ),
    alarms: sorted(metric, (a) => a.name),
    compositeAlarms: sorted(composite, (a) => a.name),
  });
};
