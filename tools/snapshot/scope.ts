import type { Filter } from "@aws-sdk/client-ec2";
import { type StageConfig, StageConfigSchema } from "../../functions/config";
import { DEFAULT_MANAGED_FLEET_TAG_PREFIXES } from "../../functions/idle-hibernate/config";
import * as z from "../../shared/runtime/zod";

/** One Describe* request's worth of selection: its filters, and optionally the ids it is limited to. */
export interface Query {
  filters: Filter[];
  ids?: string[];
}

export interface TagMatch {
  key: string;
  value: string;
}

/** The flags that bound a snapshot; `config` is the parsed stage configuration when one was given. */
export interface ScopeInput {
  vpcIds: readonly string[];
  tags: readonly TagMatch[];
  config?: StageConfig;
}

/**
 * What a snapshot reads. A list of queries is a union; `undefined` for names/ids means "every one in the
 * Region". Resources referenced by what was read (subnets, VPCs, attached instances, group members) are
 * read on top, so the fixture is complete.
 */
export interface Scope {
  vpcIds: readonly string[];
  /** No configuration and no `--tag`: every subnet and VPC (within `--vpc`) is read, not only referenced ones. */
  wholeRegion: boolean;
  instances: Query[];
  networkInterfaces: Query[];
  routeTables: Query[];
  /** Subnets read even when nothing read references them (dx-failover's probe subnets). */
  subnetIds: string[];
  localGatewayRouteTables: Query[];
  autoScalingGroupNames?: string[];
  /** Filters DescribeAutoScalingGroups applies (`tag:<key>`). */
  autoScalingGroupFilters: { Name: string; Values: string[] }[];
  alarmNamePrefixes?: string[];
  virtualInterfaceIds?: string[];
  outpostIds: string[];
  /** Tag keys written to the fixture; every other tag is left out. */
  keepTag: (key: string) => boolean;
}

export const uniqueBy = <T>(items: readonly T[], id: (item: T) => string | undefined): T[] => {
  const seen = new Map<string, T>();
  for (const item of items) {
    const key = id(item);
    if (key !== undefined && !seen.has(key)) seen.set(key, item);
  }
  return [...seen.values()];
};

const unique = (values: readonly (string | undefined)[]): string[] =>
  [...new Set(values.filter((v): v is string => v !== undefined && v !== ""))].sort();

const baseFilters = (input: ScopeInput): Filter[] => [
  ...(input.vpcIds.length > 0 ? [{ Name: "vpc-id", Values: [...input.vpcIds] }] : []),
  ...input.tags.map((t) => ({ Name: `tag:${t.key}`, Values: [t.value] })),
];

const tagKeyQuery = (base: Filter[], key: string): Query => ({
  filters: [...base, { Name: "tag-key", Values: [key] }],
});

const idQuery = (base: Filter[], ids: readonly (string | undefined)[]): Query[] => {
  const list = unique(ids);
  return list.length === 0 ? [] : [{ filters: base, ids: list }];
};

/** The prefix of an adoption pattern before its first `*` (DescribeAlarms matches prefixes only). */
const patternPrefix = (pattern: string): string => pattern.split("*")[0] ?? "";

/** The tag keys the toolkit reads, for a configuration (its keys, managed-fleet prefixes) or the defaults. */
export const keptTags = (config: StageConfig): ((key: string) => boolean) => {
  const ih = config.idleHibernate;
  const keys = new Set([
    "Name",
    "aws:autoscaling:groupName",
    ih.optInTag.key,
    ih.optOutTagKey,
    ih.alarm.thresholdTagKey,
    ih.alarm.idleMinutesTagKey,
    ih.alarm.networkTagKey,
    ...ih.otherSchedulerTagKeys,
    config.dxFailover.groupTagKey,
    config.eniReattach.tagKey,
    config.vfxtIpMove.clusterTagKey,
    ...config.dxFailover.groups.flatMap((g) => (g.applianceTag ? [g.applianceTag.split("=")[0] ?? ""] : [])),
  ]);
  const prefixes = ["ops:", ...DEFAULT_MANAGED_FLEET_TAG_PREFIXES, ...ih.managedFleetTagPrefixes];
  return (key) => keys.has(key) || prefixes.some((p) => key.startsWith(p));
};

const everything = (input: ScopeInput, config: StageConfig): Scope => {
  const base = baseFilters(input);
  return {
    vpcIds: input.vpcIds,
    wholeRegion: input.tags.length === 0,
    instances: [{ filters: base }],
    networkInterfaces: [{ filters: base }],
    routeTables: [{ filters: base }],
    subnetIds: [],
    localGatewayRouteTables: [{ filters: [] }],
    autoScalingGroupFilters: input.tags.map((t) => ({ Name: `tag:${t.key}`, Values: [t.value] })),
    outpostIds: [],
    keepTag: keptTags(config),
  };
};

/**
 * The tables of dx-failover's probe subnets (a probe table must keep the DX route): those associated with
 * them, and the probe VPC's main table, which routes a subnet without an explicit association (VPC User
 * Guide, "Route tables": main route table).
 */
const probeTableQueries = (base: Filter[], probe: StageConfig["dxFailover"]["probeVpc"]): Query[] => [
  ...(probe.subnetIds.length === 0
    ? []
    : [{ filters: [...base, { Name: "association.subnet-id", Values: [...probe.subnetIds] }] }]),
  ...(probe.vpcId === undefined
    ? []
    : [
        {
          filters: [
            ...base,
            { Name: "vpc-id", Values: [probe.vpcId] },
            { Name: "association.main", Values: ["true"] },
          ],
        },
      ]),
];

/** Only what the configuration names: its groups, clusters, tagged resources and alarm prefixes. */
const configured = (input: ScopeInput, config: StageConfig): Scope => {
  const base = baseFilters(input);
  const { idleHibernate: ih, dxFailover: dx, eniReattach: eni, vfxtIpMove: vfxt } = config;
  return {
    vpcIds: input.vpcIds,
    wholeRegion: false,
    instances: [
      { filters: [...base, { Name: `tag:${ih.optInTag.key}`, Values: [ih.optInTag.value] }] },
      tagKeyQuery(base, vfxt.clusterTagKey),
      ...idQuery(
        base,
        vfxt.clusters.flatMap((c) => [...c.instanceIds, ...Object.values(c.homeNodes)]),
      ),
    ],
    networkInterfaces: [
      tagKeyQuery(base, eni.tagKey),
      ...idQuery(base, [
        ...eni.groups.flatMap((g) => g.allowedEniIds),
        ...dx.groups.map((g) => g.applianceEniId),
      ]),
    ],
    routeTables: [
      tagKeyQuery(base, dx.groupTagKey),
      ...idQuery(base, [
        ...dx.groups.flatMap((g) => g.routeTableIds),
        ...vfxt.clusters.flatMap((c) => c.routeTableIds),
      ]),
      ...probeTableQueries(base, dx.probeVpc),
    ],
    subnetIds: unique(dx.probeVpc.subnetIds),
    localGatewayRouteTables: idQuery(
      [],
      eni.groups.flatMap((g) => g.localGatewayRoutes.map((r) => r.localGatewayRouteTableId)),
    ),
    autoScalingGroupNames: unique(eni.groups.map((g) => g.name)),
    autoScalingGroupFilters: [],
    alarmNamePrefixes: unique([
      ih.alarmNamePrefix,
      ...ih.adoptAlarmNamePatterns.map(patternPrefix),
      dx.alarmNamePrefix,
      vfxt.statusAlarmPrefix,
    ]),
    virtualInterfaceIds: unique(dx.groups.flatMap((g) => g.virtualInterfaceIds)),
    outpostIds: unique(eni.groups.map((g) => g.outpostId)),
    keepTag: keptTags(config),
  };
};

/** The scope of a snapshot: every resource of the Region, or only the configured ones; always within the flags. */
export const buildScope = (input: ScopeInput): Scope =>
  input.config === undefined
    ? everything(input, z.parse(StageConfigSchema, {}))
    : configured(input, input.config);

/** `Key=Value` (the value may be empty, may contain `=`). */
export const parseTagFlag = (flag: string): TagMatch | undefined => {
  const at = flag.indexOf("=");
  if (at <= 0) return undefined;
  return { key: flag.slice(0, at), value: flag.slice(at + 1) };
};
