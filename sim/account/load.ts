/**
 * Builds the state of the fixture's region: every resource as the models hold it, with the defaults AWS
 * would show (primary ENIs, local routes, group membership, alarm timestamps), then the Auto Scaling
 * lifecycle, Outposts and Direct Connect resources through their own loaders.
 */
import type { CompositeAlarm, MetricAlarm } from "@aws-sdk/client-cloudwatch";
import type { AsgPolicies } from "./asg-model";
import { loadDxFixture } from "./dx";
import { loadAddressFixture } from "./ec2-vpcs";
import { loadEventsFixture } from "./event-buses";
import { type AccountFixture, type AutoScalingGroupFixture, instanceTypeCatalogue } from "./fixture";
import { routeDestinationOf } from "./fixture-routes";
import { derivedId, derivedMac, derivedUuid } from "./ids";
import { loadLifecycleFixture } from "./lifecycle";
import { launchDetailsFromFixture, loadHibernationFixture } from "./load-hibernation";
import { outpostSlotListener } from "./outpost-slots";
import { canonicalDestination } from "./route-destination";
import {
  type AsgMemberModel,
  alarmArn,
  type EniModel,
  type InstanceModel,
  prune,
  RegionState,
  type RouteModel,
  STATE_REASONS,
  userInitiatedReason,
} from "./state";
import { loadedStatus } from "./status-checks";
import { loadStatusTimelines, STATUS_HISTORY_MS, statusTracker } from "./status-metrics";

const tagMap = (tags: Record<string, string>): Map<string, string> => new Map(Object.entries(tags));

export function regionFromFixture(f: AccountFixture): RegionState {
  const state = new RegionState(f.accountId, f.region, instanceTypeCatalogue(f), f.behaviour);
  const start = Date.parse(f.clock.start);
  loadNetwork(state, f);
  loadInstances(state, f, start);
  loadPrimaryInterfaces(state, f);
  loadInterfaces(state, f, start);
  loadRouteTables(state, f);
  loadLocalGatewayRouteTables(state, f);
  loadGroups(state, f, start);
  loadMetricAlarms(state, f, start);
  loadCompositeAlarms(state, f, start);
  loadLifecycleFixture(state, f, start);
  loadDxFixture(state, f);
  loadHibernationFixture(state, f, start);
  // Outposts slots follow instance starts, stops and terminations (outpost-slots.ts).
  state.instanceStateListeners.push(outpostSlotListener(state));
  // Status check metrics: every instance, with an hour of history (status-metrics.ts).
  state.instanceStateListeners.push(statusTracker(state));
  loadStatusTimelines(state, (inst) => Math.max(inst.stateSince, start - STATUS_HISTORY_MS));
  loadAddressFixture(state, f);
  loadPrefixListsAndTagPolicies(state, f);
  loadEventsFixture(state, f);
  return state;
}

function loadNetwork(state: RegionState, f: AccountFixture): void {
  for (const v of f.vpcs)
    state.vpcs.set(v.id, {
      id: v.id,
      cidrBlock: v.cidrBlock,
      secondaryCidrBlocks: [...v.secondaryCidrBlocks],
      ipv6CidrBlocks: v.ipv6CidrBlocks.map(canonicalDestination),
      isDefault: v.isDefault,
      tags: tagMap(v.tags),
    });
  for (const s of f.subnets) {
    state.subnets.set(s.id, {
      id: s.id,
      vpcId: s.vpcId,
      availabilityZone: s.availabilityZone,
      cidrBlock: s.cidrBlock,
      ipv6CidrBlock: s.ipv6CidrBlock === undefined ? undefined : canonicalDestination(s.ipv6CidrBlock),
      outpostArn: s.outpostArn,
      tags: tagMap(s.tags),
    });
  }
}

function loadInstances(state: RegionState, f: AccountFixture, start: number): void {
  const groupOf = new Map<string, string>();
  for (const g of f.autoScalingGroups) for (const m of g.instances) groupOf.set(m.instanceId, g.name);
  for (const i of f.instances) if (i.autoScalingGroup !== undefined) groupOf.set(i.id, i.autoScalingGroup);

  f.instances.forEach((i, index) => {
    const subnet = state.subnets.get(i.subnetId);
    const launch = Date.parse(i.launchTime);
    const since =
      i.stateSince !== undefined
        ? Date.parse(i.stateSince)
        : i.state === "running" || i.state === "pending"
          ? launch
          : start;
    const tags = tagMap(i.tags);
    const group = groupOf.get(i.id);
    if (group !== undefined && !tags.has("aws:autoscaling:groupName"))
      tags.set("aws:autoscaling:groupName", group);
    const type = state.instanceTypes.get(i.instanceType);
    const model: InstanceModel = {
      id: i.id,
      instanceType: i.instanceType,
      imageId: i.imageId ?? derivedId("ami", `image|${i.instanceType}`),
      state: i.state,
      stateSince: since,
      stateReason:
        i.stateReason ??
        (i.state === "stopping" || i.state === "stopped"
          ? { ...STATE_REASONS.userShutdown }
          : i.state === "pending"
            ? { ...STATE_REASONS.pending }
            : undefined),
      stateTransitionReason:
        i.stateTransitionReason ??
        (i.state === "running" || i.state === "pending" ? "" : userInitiatedReason(since)),
      launchTime: new Date(launch),
      subnetId: i.subnetId,
      vpcId: subnet?.vpcId ?? "",
      availabilityZone: subnet?.availabilityZone ?? "",
      outpostArn: subnet?.outpostArn,
      privateIpAddress: i.privateIpAddress,
      tags,
      hibernationConfigured: i.hibernationConfigured,
      disableApiStop: i.disableApiStop,
      disableApiTermination: i.disableApiTermination,
      instanceLifecycle: i.instanceLifecycle ?? (i.spot !== undefined ? "spot" : undefined),
      platform: i.platform,
      keyName: i.keyName,
      reservationId: i.reservationId ?? derivedId("r", `reservation|${i.id}`),
      monitoring: i.monitoring,
      architecture: type?.architecture ?? "x86_64",
      amiLaunchIndex: index,
      launchDetails: launchDetailsFromFixture(i, type?.memoryMiB),
      status: loadedStatus(i.state === "running", since, start, f.behaviour.statusInitializingMs, i.status),
    };
    const hibernating = model.stateReason?.code === STATE_REASONS.userHibernate.code;
    const delay = {
      pending: f.behaviour.pendingToRunningMs,
      stopping: hibernating ? f.behaviour.hibernatingToStoppedMs : f.behaviour.stoppingToStoppedMs,
      "shutting-down": f.behaviour.shuttingDownToTerminatedMs,
    } as const;
    if (i.state === "pending") model.transition = { to: "running", at: since + delay.pending };
    if (i.state === "stopping") model.transition = { to: "stopped", at: since + delay.stopping };
    if (i.state === "shutting-down")
      model.transition = { to: "terminated", at: since + delay["shutting-down"] };
    state.instances.set(i.id, model);
  });
}

/** An instance without a listed primary ENI gets one, as EC2 always creates it. */
function loadPrimaryInterfaces(state: RegionState, f: AccountFixture): void {
  const hasListedPrimary = new Set(
    f.networkInterfaces
      .filter((n) => n.attachment?.deviceIndex === 0 && n.attachment.status !== "detached")
      .map((n) => n.attachment?.instanceId),
  );
  for (const i of f.instances) {
    if (hasListedPrimary.has(i.id) || i.state === "terminated") continue;
    const subnet = state.subnets.get(i.subnetId);
    const id = i.primaryNetworkInterfaceId ?? derivedId("eni", `primary|${i.id}`);
    state.networkInterfaces.set(id, {
      id,
      subnetId: i.subnetId,
      vpcId: subnet?.vpcId ?? "",
      availabilityZone: subnet?.availabilityZone ?? "",
      outpostArn: subnet?.outpostArn,
      description: "",
      interfaceType: "interface",
      privateIpAddress: i.privateIpAddress,
      secondaryPrivateIpAddresses: [],
      sourceDestCheck: i.sourceDestCheck,
      requesterManaged: false,
      macAddress: derivedMac(id),
      tags: new Map(),
      attachment: {
        attachmentId: derivedId("eni-attach", `attach|${id}|${i.id}`),
        instanceId: i.id,
        deviceIndex: 0,
        networkCardIndex: 0,
        status: "attached",
        deleteOnTermination: true,
        attachTime: new Date(Date.parse(i.launchTime)),
      },
    });
  }
}

function loadInterfaces(state: RegionState, f: AccountFixture, start: number): void {
  for (const n of f.networkInterfaces) {
    const subnet = state.subnets.get(n.subnetId);
    const a = n.attachment;
    const instance = a !== undefined ? state.instances.get(a.instanceId) : undefined;
    const model: EniModel = {
      id: n.id,
      subnetId: n.subnetId,
      vpcId: subnet?.vpcId ?? "",
      availabilityZone: subnet?.availabilityZone ?? "",
      outpostArn: subnet?.outpostArn,
      description: n.description,
      interfaceType: n.interfaceType,
      privateIpAddress: n.privateIpAddress,
      secondaryPrivateIpAddresses: [...n.secondaryPrivateIpAddresses],
      sourceDestCheck: n.sourceDestCheck,
      requesterManaged: n.requesterManaged,
      macAddress: n.macAddress ?? derivedMac(n.id),
      tags: tagMap(n.tags),
    };
    if (a !== undefined && a.status !== "detached") {
      const attachTime =
        a.attachTime !== undefined ? Date.parse(a.attachTime) : (instance?.launchTime.getTime() ?? start);
      model.attachment = {
        attachmentId: a.attachmentId ?? derivedId("eni-attach", `attach|${n.id}|${a.instanceId}`),
        instanceId: a.instanceId,
        deviceIndex: a.deviceIndex,
        networkCardIndex: a.networkCardIndex,
        status: a.status,
        deleteOnTermination: a.deleteOnTermination ?? a.deviceIndex === 0,
        attachTime: new Date(attachTime),
      };
      if (a.status === "attaching")
        model.attachment.transition = { to: "attached", at: start + f.behaviour.eniAttachMs };
      if (a.status === "detaching")
        model.attachment.transition = { to: "detached", at: start + f.behaviour.eniDetachMs };
    }
    state.networkInterfaces.set(n.id, model);
  }
}

function loadRouteTables(state: RegionState, f: AccountFixture): void {
  for (const rt of f.routeTables) {
    const vpc = state.vpcs.get(rt.vpcId);
    const routes: RouteModel[] = rt.routes.map((r) => ({
      destinationCidrBlock: routeDestinationOf(r) ?? "",
      target: r.target,
      origin: r.target === "local" ? "CreateRouteTable" : r.origin,
      fixedState: r.state,
    }));
    // One local route per VPC block (VPC User Guide, "Route tables"), unless the fixture lists it; the
    // fixture's local route for the primary block may be written with any destination.
    const blocks =
      vpc === undefined ? [] : [vpc.cidrBlock, ...vpc.secondaryCidrBlocks, ...vpc.ipv6CidrBlocks];
    const isLocal = (r: RouteModel, block?: string) =>
      r.target === "local" && (block === undefined || r.destinationCidrBlock === block);
    const missing = blocks.filter((b, i) => !routes.some((r) => isLocal(r, i === 0 ? undefined : b)));
    routes.unshift(
      ...missing.map(
        (b): RouteModel => ({ destinationCidrBlock: b, target: "local", origin: "CreateRouteTable" }),
      ),
    );
    state.routeTables.set(rt.id, {
      id: rt.id,
      vpcId: rt.vpcId,
      main: rt.main,
      associations: [
        ...(rt.main ? [{ id: derivedId("rtbassoc", `main|${rt.id}`) }] : []),
        ...rt.associations.map((a) => ({
          id: a.id ?? derivedId("rtbassoc", `assoc|${rt.id}|${a.subnetId ?? a.gatewayId ?? ""}`),
          subnetId: a.subnetId,
          gatewayId: a.gatewayId,
        })),
      ],
      routes,
      propagatingVgws: [...rt.propagatingVgws],
      tags: tagMap(rt.tags),
    });
  }
}

function loadLocalGatewayRouteTables(state: RegionState, f: AccountFixture): void {
  for (const t of f.localGatewayRouteTables) {
    state.localGatewayRouteTables.set(t.id, {
      id: t.id,
      localGatewayId: t.localGatewayId,
      outpostArn: t.outpostArn,
      mode: t.mode,
      state: t.state,
      routes: t.routes.map((r) => ({
        destinationCidrBlock: r.destinationCidrBlock,
        networkInterfaceId: r.networkInterfaceId,
        localGatewayVirtualInterfaceGroupId: r.localGatewayVirtualInterfaceGroupId,
        type: r.type,
        fixedState: r.state,
      })),
      tags: tagMap(t.tags),
    });
  }
}

function loadGroups(state: RegionState, f: AccountFixture, start: number): void {
  for (const g of f.autoScalingGroups) {
    const members: AsgMemberModel[] = g.instances.map((m) => ({
      instanceId: m.instanceId,
      lifecycleState: m.lifecycleState,
      healthStatus: m.healthStatus,
      protectedFromScaleIn: m.protectedFromScaleIn,
    }));
    for (const i of f.instances) {
      if (i.autoScalingGroup === g.name && !members.some((m) => m.instanceId === i.id)) {
        members.push({ instanceId: i.id, lifecycleState: "InService", protectedFromScaleIn: false });
      }
    }
    const zones = new Set<string>();
    for (const s of g.vpcZoneIdentifier) {
      const zone = state.subnets.get(s)?.availabilityZone;
      if (zone !== undefined) zones.add(zone);
    }
    for (const m of members) {
      const zone = state.instances.get(m.instanceId)?.availabilityZone;
      if (zone) zones.add(zone);
    }
    state.autoScalingGroups.set(g.name, {
      name: g.name,
      arn: `arn:aws:autoscaling:${f.region}:${f.accountId}:autoScalingGroup:${derivedUuid(`asg|${g.name}`)}:autoScalingGroupName/${g.name}`,
      minSize: g.minSize,
      maxSize: g.maxSize ?? Math.max(1, members.length),
      desiredCapacity: g.desiredCapacity ?? members.length,
      vpcZoneIdentifier: [...g.vpcZoneIdentifier],
      availabilityZones: [...zones].sort(),
      launchTemplate:
        g.launchTemplate === undefined
          ? undefined
          : {
              LaunchTemplateId: g.launchTemplate.launchTemplateId,
              LaunchTemplateName: g.launchTemplate.launchTemplateName,
              Version: g.launchTemplate.version,
            },
      healthCheckType: g.healthCheckType,
      healthCheckGracePeriod: g.healthCheckGracePeriod,
      defaultCooldown: g.defaultCooldown,
      createdTime: new Date(g.createdTime !== undefined ? Date.parse(g.createdTime) : start),
      instances: members,
      tags: tagMap(g.tags),
      policies: policiesOf(g),
    });
  }
}

/** Maintenance, retention and warm pool policies, warmup and launch template ENIs of a group. */
function policiesOf(g: AutoScalingGroupFixture): AsgPolicies {
  const pool = g.warmPool;
  return {
    instanceMaintenancePolicy: g.instanceMaintenancePolicy,
    terminateHookAbandon: g.instanceLifecyclePolicy?.retentionTriggers.terminateHookAbandon,
    warmPool:
      pool === undefined
        ? undefined
        : {
            minSize: pool.minSize,
            maxGroupPreparedCapacity: pool.maxGroupPreparedCapacity,
            poolState: pool.poolState,
            reuseOnScaleIn: pool.instanceReusePolicy.reuseOnScaleIn,
          },
    defaultInstanceWarmup: g.defaultInstanceWarmup,
    launchInstanceType: g.launchTemplate?.instanceType,
    launchInterfaces: (g.launchTemplate?.networkInterfaces ?? []).map((n) => ({ ...n })),
  };
}

function loadMetricAlarms(state: RegionState, f: AccountFixture, start: number): void {
  for (const a of f.alarms) {
    const updated = new Date(
      a.stateUpdatedTimestamp !== undefined ? Date.parse(a.stateUpdatedTimestamp) : start,
    );
    const configured =
      a.configurationUpdatedTimestamp !== undefined
        ? new Date(Date.parse(a.configurationUpdatedTimestamp))
        : updated;
    const alarm: MetricAlarm = {
      AlarmName: a.name,
      AlarmArn: alarmArn(f.region, f.accountId, a.name),
      AlarmDescription: a.description,
      AlarmConfigurationUpdatedTimestamp: configured,
      ActionsEnabled: a.actionsEnabled,
      OKActions: [...a.okActions],
      AlarmActions: [...a.alarmActions],
      InsufficientDataActions: [...a.insufficientDataActions],
      StateValue: a.state,
      StateReason: a.stateReason,
      StateReasonData: a.stateReasonData,
      StateUpdatedTimestamp: updated,
      StateTransitionedTimestamp: updated,
      MetricName: a.metricName,
      Namespace: a.namespace,
      Statistic: a.statistic,
      ExtendedStatistic: a.extendedStatistic,
      Dimensions:
        a.metrics === undefined
          ? Object.entries(a.dimensions).map(([Name, Value]) => ({ Name, Value }))
          : undefined,
      Period: a.period,
      Unit: a.unit as MetricAlarm["Unit"],
      EvaluationPeriods: a.evaluationPeriods,
      DatapointsToAlarm: a.datapointsToAlarm,
      Threshold: a.threshold,
      ComparisonOperator: a.comparisonOperator,
      TreatMissingData: a.treatMissingData,
      Metrics: a.metrics?.map((m) => ({
        Id: m.id,
        Expression: m.expression,
        Label: m.label,
        ReturnData: m.returnData,
        Period: m.period,
        MetricStat:
          m.metricStat === undefined
            ? undefined
            : {
                Metric: {
                  Namespace: m.metricStat.namespace,
                  MetricName: m.metricStat.metricName,
                  Dimensions: Object.entries(m.metricStat.dimensions).map(([Name, Value]) => ({
                    Name,
                    Value,
                  })),
                },
                Period: m.metricStat.period,
                Stat: m.metricStat.stat,
                Unit: m.metricStat.unit as MetricAlarm["Unit"],
              },
      })),
      ThresholdMetricId: a.thresholdMetricId,
      EvaluationState: a.evaluationState,
    };
    state.metricAlarms.set(a.name, { alarm: prune(alarm), tags: tagMap(a.tags) });
  }
}

function loadCompositeAlarms(state: RegionState, f: AccountFixture, start: number): void {
  for (const a of f.compositeAlarms) {
    const updated = new Date(
      a.stateUpdatedTimestamp !== undefined ? Date.parse(a.stateUpdatedTimestamp) : start,
    );
    const alarm: CompositeAlarm = {
      AlarmName: a.name,
      AlarmArn: alarmArn(f.region, f.accountId, a.name),
      AlarmDescription: a.description,
      AlarmRule: a.alarmRule,
      AlarmConfigurationUpdatedTimestamp:
        a.configurationUpdatedTimestamp !== undefined
          ? new Date(Date.parse(a.configurationUpdatedTimestamp))
          : updated,
      ActionsEnabled: a.actionsEnabled,
      AlarmActions: [...a.alarmActions],
      OKActions: [...a.okActions],
      InsufficientDataActions: [...a.insufficientDataActions],
      StateValue: a.state,
      StateReason: a.stateReason,
      StateReasonData: a.stateReasonData,
      StateUpdatedTimestamp: updated,
      StateTransitionedTimestamp: updated,
      ActionsSuppressor: a.actionsSuppressor,
      ActionsSuppressorWaitPeriod: a.actionsSuppressorWaitPeriod,
      ActionsSuppressorExtensionPeriod: a.actionsSuppressorExtensionPeriod,
    };
    state.compositeAlarms.set(a.name, { alarm: prune(alarm), tags: tagMap(a.tags) });
  }
}

function loadPrefixListsAndTagPolicies(state: RegionState, f: AccountFixture): void {
  for (const pl of f.managedPrefixLists) {
    const entries = pl.entries.map((e) =>
      prune({ cidr: canonicalDestination(e.cidr), description: e.description }),
    );
    state.managedPrefixLists.set(pl.id, {
      id: pl.id,
      name: pl.name,
      addressFamily: pl.addressFamily,
      maxEntries: pl.maxEntries,
      ownerId: pl.ownerId ?? f.accountId,
      versions: new Map([[pl.version, entries]]),
      version: pl.version,
      tags: tagMap(pl.tags),
    });
  }
  for (const p of f.tagPolicies) state.tagPolicies.push(prune({ ...p, enforcedFor: [...p.enforcedFor] }));
}
