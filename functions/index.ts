import type { BuildHandler } from "../shared/runtime/handler";
import type { StageConfig } from "./config";
import {
  alarmStateChange,
  type EventPattern,
  eventBridgeRule,
  instanceStateChange,
  schedule,
  snsTopic,
  type Trigger,
  type TriggerContext,
} from "./triggers";
import { nodeStatePattern } from "./vfxt-ip-move/config";

/**
 * THE list of deployed functions. serverless.yml declares the same functions, handlers, triggers and IAM
 * actions (test/serverless/registry.e2e.test.ts proves it on the packaged template); replay routes events
 * by these triggers, bench builds and measures these handlers, the template tests check these functions.
 * A new function: add it here and in serverless.yml.
 */

export type Capability = "idle-hibernate" | "dx-failover" | "eni-reattach" | "vfxt-ip-move";

/** The stage configuration section a function is configured by. */
export type ConfigSection = Exclude<keyof StageConfig, "mode" | "actionEvents" | "aws">;

export interface DeployedFunction {
  /** The name replay and bench use; also the function's POWERTOOLS_SERVICE_NAME (its metrics' `service`). */
  name: string;
  /** serverless.yml function key (`osls invoke local -f`); the deployed name is `<service>-<stage>-<key>`. */
  serverlessName: string;
  capability: Capability;
  /** serverless.yml `handler`: `<module path without extension>.<export>`. */
  handler: string;
  configSection: ConfigSection;
  /** The module's BuildHandler (imported on demand: replay and bench load only what they run). */
  load: () => Promise<BuildHandler>;
  /** Everything that invokes it in a stage, derived from that stage's configuration. */
  triggers: (ctx: TriggerContext) => Trigger[];
  /**
   * Every action its IAM role is granted (serverless.yml `iamRoleStatements`, plus the log statement osls
   * adds); a function of the stage configuration where the statements are generated from it.
   */
  iamActions: readonly string[] | ((config: StageConfig) => readonly string[]);
}

/** Statements every role has: its log group (added by osls), the failed-events queue, X-Ray. */
const BASE_ACTIONS = [
  "logs:CreateLogGroup",
  "logs:CreateLogStream",
  "logs:PutLogEvents",
  "sqs:SendMessage",
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
] as const;
/** custom.iamStatements.actionEvents: the toolkit's "action taken" events. */
const ACTION_EVENTS = "events:PutEvents";

/** Idle alarms going to ALARM: ours by prefix, adopted ones by their wildcard patterns. */
const idleAlarmToAlarm = (config: StageConfig["idleHibernate"]): EventPattern => {
  const pattern = alarmStateChange(config.alarmNamePrefix, ["ALARM"]);
  const detail = pattern.detail as EventPattern;
  return {
    ...pattern,
    detail: {
      ...detail,
      alarmName: [
        { prefix: config.alarmNamePrefix },
        ...config.adoptAlarmNamePatterns.map((wildcard) => ({ wildcard })),
      ],
    },
  };
};

const idleHibernate: DeployedFunction = {
  name: "idle-hibernate",
  serverlessName: "idleHibernate",
  capability: "idle-hibernate",
  handler: "functions/idle-hibernate/hibernate/handler.handler",
  configSection: "idleHibernate",
  load: async () => (await import("./idle-hibernate/hibernate/handler")).buildHandler,
  triggers: (ctx) => {
    const prefix = ctx.config.idleHibernate.alarmNamePrefix;
    return [
      eventBridgeRule(
        ctx,
        "idle-hibernate-alarm",
        idleAlarmToAlarm(ctx.config.idleHibernate),
        `Idle alarms (${prefix}* and adopted ones) going to ALARM`,
      ),
      schedule(ctx, "idle-hibernate-reconcile", "rate(15 minutes)", "idle-hibernate reconcile"),
      schedule(ctx, "idle-hibernate-hibernation-age", "rate(1 day)", "idle-hibernate hibernation-age watch"),
      snsTopic(ctx, "idle-alarms", "IdleAlarmTopic"),
      { kind: "alarm-action", alarmNamePrefix: prefix },
    ];
  },
  iamActions: [
    ...BASE_ACTIONS,
    ACTION_EVENTS,
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeRouteTables",
    "ec2:DescribeLocalGatewayRouteTables",
    "ec2:SearchLocalGatewayRoutes",
    "ec2:StopInstances",
    "ec2:StartInstances",
    "ec2:CreateTags",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:ListTagsForResource",
  ],
};

const idleAlarms: DeployedFunction = {
  name: "idle-alarms",
  serverlessName: "idleAlarms",
  capability: "idle-hibernate",
  handler: "functions/idle-hibernate/alarms/handler.handler",
  configSection: "idleHibernate",
  load: async () => (await import("./idle-hibernate/alarms/handler")).buildHandler,
  triggers: (ctx) => [
    eventBridgeRule(
      ctx,
      "idle-alarms-instance-state",
      instanceStateChange(["running", "stopped", "terminated"]),
      "EC2 instances starting, stopping or terminating (idle alarm created or deleted; a requested hibernation judged)",
    ),
    schedule(ctx, "idle-alarms-reconcile", "rate(1 hour)", "idle-alarms reconcile"),
  ],
  iamActions: [
    ...BASE_ACTIONS,
    ACTION_EVENTS,
    "ec2:DescribeInstances",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:DeleteAlarms",
    "cloudwatch:ListTagsForResource",
    "cloudwatch:TagResource",
  ],
};

const dxFailover: DeployedFunction = {
  name: "dx-failover",
  serverlessName: "dxFailover",
  capability: "dx-failover",
  handler: "functions/dx-failover/failover/handler.handler",
  configSection: "dxFailover",
  load: async () => (await import("./dx-failover/failover/handler")).buildHandler,
  triggers: (ctx) => {
    const prefix = ctx.config.dxFailover.alarmNamePrefix;
    return [
      eventBridgeRule(
        ctx,
        "dx-failover-probe-trigger",
        { source: [ctx.config.actionEvents.source], "detail-type": ["DX Path Degraded"] },
        'dx-probe and agent "DX Path Degraded" events on the trigger bus (fail over now)',
        ctx.config.dxFailover.triggerBusName,
      ),
      eventBridgeRule(
        ctx,
        "dx-failover-alarm",
        alarmStateChange(prefix),
        `dx-failover group alarms (${prefix}*) changing state`,
      ),
      schedule(ctx, "dx-failover-reconcile", "rate(1 minute)", "dx-failover reconcile"),
      {
        kind: "direct-invoke",
        name: "game-day",
        payload: { command: ["force", "revert"] },
        description: 'Game day: {"command":"force"|"revert","group":"<name>","path":"vpn","minutes":30}',
      },
    ];
  },
  iamActions: [
    ...BASE_ACTIONS,
    ACTION_EVENTS,
    "ec2:DescribeRouteTables",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeInstances",
    "ec2:GetManagedPrefixListEntries",
    "ec2:DescribeManagedPrefixLists",
    "ec2:DescribeSubnets",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:GetMetricData",
    "directconnect:DescribeVirtualInterfaces",
    "ec2:CreateRoute",
    "ec2:ReplaceRoute",
    "ec2:DeleteRoute",
    "ec2:CreateTags",
    "ec2:DeleteTags",
  ],
};

const dxProbe: DeployedFunction = {
  name: "dx-probe",
  serverlessName: "dxProbe",
  capability: "dx-failover",
  handler: "functions/dx-failover/probe/handler.handler",
  configSection: "dxFailover",
  load: async () => (await import("./dx-failover/probe/handler")).buildHandler,
  triggers: (ctx) => [
    schedule(ctx, "dx-probe", "rate(1 minute)", "dx-probe (probes continuously within each invocation)"),
  ],
  iamActions: [
    ...BASE_ACTIONS,
    // Its trigger event, on the trigger bus only (not the action-events statement); metrics go as EMF.
    "events:PutEvents",
    // Lambda's VPC networking (the function's ENIs in the probe subnets, in place of the managed
    // AWSLambdaVPCAccessExecutionRole); outside a VPC only the two reads.
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
  ],
};

/** A group name no Auto Scaling group has: the lifecycle rule's pattern when no group is configured. */
export const NO_ENI_GROUP = "(no eni-reattach group configured)";

/** eni-reattach writes only when a group is configured; local gateway route repair only when asked. */
const eniReattachWrites = (config: StageConfig): string[] => {
  const groups = config.eniReattach.groups;
  if (groups.length === 0) return [];
  const repairs = groups.some((g) => g.repairLocalGatewayRoutes && g.localGatewayRoutes.length > 0);
  return [
    "ec2:AttachNetworkInterface",
    "ec2:DetachNetworkInterface",
    "ec2:ModifyNetworkInterfaceAttribute",
    "autoscaling:CompleteLifecycleAction",
    "autoscaling:RecordLifecycleActionHeartbeat",
    ...(repairs ? ["ec2:ModifyLocalGatewayRoute"] : []),
  ];
};

const eniReattach: DeployedFunction = {
  name: "eni-reattach",
  serverlessName: "eniReattach",
  capability: "eni-reattach",
  handler: "functions/eni-reattach/reattach/handler.handler",
  configSection: "eniReattach",
  load: async () => (await import("./eni-reattach/reattach/handler")).buildHandler,
  triggers: (ctx) => {
    const names = ctx.config.eniReattach.groups.map((g) => g.name);
    return [
      eventBridgeRule(
        ctx,
        "eni-reattach-lifecycle",
        {
          source: ["aws.autoscaling"],
          "detail-type": ["EC2 Instance-launch Lifecycle Action", "EC2 Instance-terminate Lifecycle Action"],
          detail: { AutoScalingGroupName: names.length > 0 ? names : [NO_ENI_GROUP] },
        },
        "Auto Scaling launch and terminate lifecycle actions of the eniReattach groups",
      ),
      snsTopic(ctx, "eni-reattach-lifecycle", "EniReattachLifecycleTopic"),
      schedule(ctx, "eni-reattach-reconcile", "rate(5 minutes)", "eni-reattach reconcile"),
    ];
  },
  iamActions: (config) => [
    ...BASE_ACTIONS,
    ACTION_EVENTS,
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceStatus",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLocalGatewayRouteTables",
    "ec2:SearchLocalGatewayRoutes",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeLifecycleHooks",
    "autoscaling:DescribeWarmPool",
    "cloudwatch:GetMetricData",
    ...eniReattachWrites(config),
  ],
};

const outpostsCapacity: DeployedFunction = {
  name: "outposts-capacity",
  serverlessName: "outpostsCapacity",
  capability: "eni-reattach",
  handler: "functions/eni-reattach/capacity/handler.handler",
  configSection: "eniReattach",
  load: async () => (await import("./eni-reattach/capacity/handler")).buildHandler,
  triggers: (ctx) => [
    schedule(
      ctx,
      "outposts-capacity",
      "rate(15 minutes)",
      "Outposts capacity check of the eni-reattach groups",
    ),
  ],
  iamActions: [
    ...BASE_ACTIONS,
    "ec2:DescribeInstanceTypes",
    "cloudwatch:GetMetricData",
    "outposts:GetOutpost",
    "outposts:GetOutpostInstanceTypes",
  ],
};

const vfxtIpMove: DeployedFunction = {
  name: "vfxt-ip-move",
  serverlessName: "vfxtIpMove",
  capability: "vfxt-ip-move",
  handler: "functions/vfxt-ip-move/handler.handler",
  configSection: "vfxtIpMove",
  load: async () => (await import("./vfxt-ip-move/handler")).buildHandler,
  triggers: (ctx) => {
    const prefix = ctx.config.vfxtIpMove.statusAlarmPrefix;
    return [
      // Only the nodes' ids when every cluster lists them (functions/vfxt-ip-move/config.ts).
      eventBridgeRule(
        ctx,
        "vfxt-ip-move-instance-state",
        nodeStatePattern(ctx.config.vfxtIpMove.clusters),
        "EC2 instances stopping, stopped, shutting down, terminated or running (vFXT nodes)",
      ),
      eventBridgeRule(
        ctx,
        "vfxt-ip-move-status-alarm",
        alarmStateChange(prefix),
        `vFXT node status-check alarms (${prefix}*) changing state`,
      ),
      schedule(ctx, "vfxt-ip-move-reconcile", "rate(5 minutes)", "vfxt-ip-move reconcile"),
    ];
  },
  iamActions: [
    ...BASE_ACTIONS,
    ACTION_EVENTS,
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceStatus",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeRouteTables",
    "ec2:DescribeAddresses",
    "ec2:GetSubnetCidrReservations",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
    "ec2:CreateRoute",
    "ec2:ReplaceRoute",
    "ec2:DeleteRoute",
  ],
};

export const FUNCTIONS: readonly DeployedFunction[] = [
  idleHibernate,
  idleAlarms,
  dxFailover,
  dxProbe,
  eniReattach,
  outpostsCapacity,
  vfxtIpMove,
];

/** The function with this name or serverless key, if any. */
export const findFunction = (name: string): DeployedFunction | undefined =>
  FUNCTIONS.find((f) => f.name === name || f.serverlessName === name);

/** The function's name once deployed (osls default: `<service>-<stage>-<key>`). */
export const deployedName = (fn: DeployedFunction, ctx: Pick<TriggerContext, "service" | "stage">): string =>
  `${ctx.service}-${ctx.stage}-${fn.serverlessName}`;

/** The actions a function's role is granted in a stage. */
export const iamActionsOf = (fn: DeployedFunction, config: StageConfig): readonly string[] =>
  typeof fn.iamActions === "function" ? fn.iamActions(config) : fn.iamActions;
