// Package-time configuration for serverless.yml (osls) and tools/check-config.ts.
//
// serverless.yml loads it once, as `custom.ops: ${file(./tools/serverless-config.cjs):stage}`, and reads
// the values through `${self:custom.ops.…}`. osls calls a function found at the start of a `file()`
// address with `{ options, resolveVariable, resolveConfigurationProperty }` and then walks the rest of
// the address in what it returns (lib/configuration/variables/sources/file.js).
//
// It reads `config/<stage>.json`, validates it with the toolkit's own zod schema (the stage schema of
// functions/config.ts, loaded through tsx's CommonJS API, so package time and cold start apply the very
// same rules and defaults), and fails packaging with a readable list of issues otherwise.
//
// CommonJS on purpose: package.json says "type": "module", and osls require()s variable files.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const { operatorAlarmResources, pagerActions } = require("./operator-observability.cjs");
const { dashboardBody: operatorDashboardBody } = require("./operator-dashboard.cjs");

const ROOT = path.resolve(__dirname, "..");
const CONFIG_DIR = path.join(ROOT, "config");

/** Keys a stage file may carry besides the schema's (an editor's JSON schema reference). */
const IGNORED_ROOT_KEYS = new Set(["$schema"]);

/** The smallest Lambda timeout, seconds; the computed worst case raises it (see `lambdaBudget`). */
const MIN_TIMEOUT_SECONDS = 60;
const MAX_TIMEOUT_SECONDS = 900;
/** Lambda's 4 KB environment limit, minus room for the other variables. */
const MAX_OPS_CONFIG_BYTES = 3500;
/** Observe (Describe*) and report (PutEvents) calls at normal latency, plus cold-start init. */
const HEADROOM_MS = 10_000;
/** @smithy/core retry (the 2026 retry behaviour, `Retry.throttlingDelay`): throttling base delay 1,000 ms, doubled per retry, capped at 20 s per retry. */
const THROTTLING_BASE_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 20_000;

/** An error whose message is the whole story: osls prints `error.stack`, so no stack trace noise. */
class StageConfigError extends Error {
  constructor(message, issues = []) {
    super(issues.length > 0 ? `${message}\n${issues.map((issue) => `    - ${issue}`).join("\n")}` : message);
    this.name = "StageConfigError";
    this.issues = issues;
    this.stack = `${this.name}: ${this.message}`;
  }
}

let schemaModule;
/** functions/config.ts (the stage schema), compiled on the fly by tsx (loaded once per process). */
const loadSchemaModule = () => {
  if (schemaModule === undefined) {
    const tsx = require("tsx/cjs/api");
    schemaModule = tsx.require("../functions/config.ts", __filename);
  }
  return schemaModule;
};

const isPlainObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Keys of the input that the schema dropped: zod objects strip unknown keys, so a typo such as
 * `alarmPrefix` would otherwise pass silently and leave the default in force.
 */
const unknownKeys = (input, parsed, prefix = "") => {
  if (!isPlainObject(input) || !isPlainObject(parsed)) return [];
  const found = [];
  for (const key of Object.keys(input)) {
    if (prefix === "" && IGNORED_ROOT_KEYS.has(key)) continue;
    const keyPath = prefix === "" ? key : `${prefix}.${key}`;
    if (!Object.hasOwn(parsed, key)) found.push(`${keyPath}: unknown key (not in the configuration schema)`);
    else found.push(...unknownKeys(input[key], parsed[key], keyPath));
  }
  return found;
};

/** Stage names that have a config/<stage>.json. */
const availableStages = (configDir = CONFIG_DIR) => {
  try {
    return fs
      .readdirSync(configDir)
      .filter((name) => name.endsWith(".json"))
      .map((name) => name.slice(0, -".json".length))
      .sort();
  } catch {
    return [];
  }
};

const stageFile = (stage, configDir = CONFIG_DIR) => path.join(configDir, `${stage}.json`);

/**
 * The worst case of one invocation, from the configuration (see serverless.yml `timeout`):
 * one AWS call that exhausts its retries (every attempt hitting the connection and request timeouts,
 * throttling backoff in between), the read-back after the change, the reporting margin, and headroom
 * for the other calls at normal latency. The Lambda timeout is that, rounded up, and at least 60 s.
 */
const lambdaBudget = (config) => {
  const { maxAttempts, connectionTimeoutMs, requestTimeoutMs, deadlineSafetyMs } = config.aws;
  let backoffMs = 0;
  for (let retry = 0; retry < maxAttempts - 1; retry += 1) {
    backoffMs += Math.min(MAX_RETRY_DELAY_MS, THROTTLING_BASE_DELAY_MS * 2 ** retry);
  }
  const attemptsMs = maxAttempts * (connectionTimeoutMs + requestTimeoutMs);
  // The longest read-back of any capability (every function shares the provider timeout).
  const verifyMs = Math.max(
    config.idleHibernate.verifyTimeoutMs,
    config.vfxtIpMove?.verifyTimeoutMs ?? 0,
    config.dxFailover?.verifyTimeoutMs ?? 0,
  );
  const worstCaseMs = attemptsMs + backoffMs + verifyMs + deadlineSafetyMs + HEADROOM_MS;
  const timeoutSeconds = Math.max(MIN_TIMEOUT_SECONDS, Math.ceil(worstCaseMs / 1000));
  return { attemptsMs, backoffMs, headroomMs: HEADROOM_MS, worstCaseMs, timeoutSeconds };
};

/** `arn:…` for Fn::Sub: the action-events bus, given by name (this account and region) or by ARN. */
const eventBusArn = (eventBusName) =>
  eventBusName.startsWith("arn:")
    ? eventBusName
    : `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/${eventBusName}`;

/** A tag value no cluster can have (names match [A-Za-z0-9._:/+=@-]+): the IAM condition of no cluster. */
const NO_VFXT_CLUSTER = "(no vfxt cluster configured)";

/**
 * vfxt-ip-move: the EC2 state-change pattern (the nodes' ids when every cluster lists them, from
 * functions/vfxt-ip-move/config.ts), the alarm-name prefix, the IAM tag condition on ENIs and route
 * tables, and its own timeout, which adds the longest cluster grace (waited within the invocation).
 */
/** Time vfxt-ip-move keeps after a wait for the reads and the writes (functions/vfxt-ip-move/run.ts). */
const VFXT_WAIT_RESERVE_MS = 10_000;

const vfxtIpMoveValues = (vfxt, lambda) => {
  const names = vfxt.clusters.map((cluster) => cluster.name);
  const tsx = require("tsx/cjs/api");
  const { nodeStatePattern, effectiveGraceMs } = tsx.require(
    "../functions/vfxt-ip-move/config.ts",
    __filename,
  );
  const graceMs = Math.max(0, ...vfxt.clusters.map((cluster) => effectiveGraceMs(cluster)));
  const worstCaseMs = lambda.worstCaseMs + graceMs + vfxt.verifyTimeoutMs;
  return {
    statusAlarmPrefix: vfxt.statusAlarmPrefix,
    clusterTagKey: vfxt.clusterTagKey,
    clusterNames: names,
    nodeStatePattern: nodeStatePattern(vfxt.clusters),
    worstCaseMs,
    // At most Lambda's limit: a grace the invocation cannot wait for is left to the reconcile.
    timeoutSeconds: Math.min(
      MAX_TIMEOUT_SECONDS,
      Math.max(MIN_TIMEOUT_SECONDS, Math.ceil(worstCaseMs / 1000)),
    ),
    /** aws:ResourceTag/<clusterTagKey> is one of the configured cluster names. */
    resourceTagCondition: {
      StringEquals: {
        [`aws:ResourceTag/${vfxt.clusterTagKey}`]: names.length > 0 ? names : [NO_VFXT_CLUSTER],
      },
    },
  };
};

/** A tag value no group can have: the IAM condition of no dx-failover group. */
const NO_DX_GROUP = "(no-dx-failover-group-configured)";

/** EC2 tag values that name `group` in a membership tag (alone, or in a space-separated list). */
const membershipPatterns = (group) => [group, `${group} *`, `* ${group}`, `* ${group} *`];

/** `arn:<partition>:ec2:<region>:<account>:<resource>`, built by CloudFormation (no `${…}` for osls to resolve). */
const ec2Arn = (resource) => ({
  "Fn::Join": [
    "",
    [
      "arn:",
      { Ref: "AWS::Partition" },
      ":ec2:",
      { Ref: "AWS::Region" },
      ":",
      { Ref: "AWS::AccountId" },
      `:${resource}`,
    ],
  ],
});

/**
 * The probe's VPC networking, instead of AWSLambdaVPCAccessExecutionRole (every ENI action on "*"): Lambda
 * creates the function's ENIs with its execution role ("Lambda execution role permissions for VPC":
 * CreateNetworkInterface, DescribeNetworkInterfaces on "*", DeleteNetworkInterface, Assign/
 * UnassignPrivateIpAddresses). `create`: ENIs only in the configured probe subnets with the configured
 * security groups. `writes`: the other ENI writes only on ENIs in those subnets (`ec2:Subnet`, as in the
 * CodeBuild VPC policy example). Outside a VPC the subnet is one that cannot exist, so the same actions
 * (the registry lists them once) grant nothing.
 */
const NO_PROBE_SUBNET = "subnet/(no-probe-vpc-configured)";

const probeVpcStatements = (vpc, inVpc) => {
  const subnets = inVpc ? vpc.subnetIds.map((id) => ec2Arn(`subnet/${id}`)) : [ec2Arn(NO_PROBE_SUBNET)];
  const securityGroups = inVpc ? vpc.securityGroupIds : [];
  return {
    create: {
      Sid: "LambdaVpcEnisInProbeSubnetsOnly",
      Effect: "Allow",
      Action: ["ec2:CreateNetworkInterface"],
      Resource: [
        ...subnets,
        ...securityGroups.map((id) => ec2Arn(`security-group/${id}`)),
        ec2Arn("network-interface/*"),
      ],
    },
    writes: {
      Sid: "LambdaVpcEniWritesInProbeSubnetsOnly",
      Effect: "Allow",
      Action: [
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ],
      Resource: [ec2Arn("network-interface/*")],
      Condition: { ArnEquals: { "ec2:Subnet": subnets } },
    },
  };
};

/** dx-failover: group tag condition (route writes and tags), metric namespace, trigger bus, probe VPC. */
const dxFailoverValues = (dx) => {
  const names = dx.groups.map((g) => g.name);
  const vpc = dx.probeVpc;
  const inVpc = vpc.subnetIds.length > 0 && vpc.securityGroupIds.length > 0;
  const members = names.length > 0 ? names.flatMap(membershipPatterns) : [NO_DX_GROUP];
  return {
    groupTagKey: dx.groupTagKey,
    groupNames: names,
    alarmNamePrefix: dx.alarmNamePrefix,
    metricsNamespace: dx.metricsNamespace,
    triggerBusName: dx.triggerBusName,
    /** aws:ResourceTag/<groupTagKey> names one of the configured groups (alone or in a list). */
    resourceTagCondition: { StringLike: { [`aws:ResourceTag/${dx.groupTagKey}`]: members } },
    /** Tags on the group's route tables, and only the toolkit's own state keys (never the group tag itself). */
    tagWriteCondition: {
      StringLike: { [`aws:ResourceTag/${dx.groupTagKey}`]: members },
      "ForAllValues:StringLike": { "aws:TagKeys": ["ops:dx-failover:*"] },
    },
    probeVpc: inVpc ? { subnetIds: vpc.subnetIds, securityGroupIds: vpc.securityGroupIds } : null,
    probeVpcStatements: probeVpcStatements(vpc, inVpc),
  };
};

/** The metric of a group's path, from its authoritative probe (the agent for a Local Zone group). */
const probedBy = (g) => g.probedBy ?? (g.location === "local-zone" ? "agent" : "lambda");

/**
 * The four alarms of each dx-failover group (CloudFormation resources, merged into `resources`), on the
 * group's own probe's series: DX down (2 of 3 10-second periods, missing data = missing: a dead probe does
 * not fail over), DX not restored (a failed probe within the last K minutes, K = the restore window; missing
 * = breaching: OK means restored, so it is green when all is well), VPN down, and probe missing (breaching:
 * no datapoint for 2 minutes). Names: <alarmNamePrefix><group>-<suffix>, as the function reads them.
 */
const dxFailoverAlarmResources = (dx, service, stageName) => {
  const resources = {};
  const logical = (name, suffix) =>
    `DxFailover${name.replace(/[^A-Za-z0-9]/g, "")}${suffix.replace(/(^|-)([a-z])/g, (_m, _d, c) => c.toUpperCase())}Alarm`;
  for (const g of dx.groups) {
    const dims = (path) => [
      { Name: "Group", Value: g.name },
      { Name: "Path", Value: path },
      { Name: "Probe", Value: probedBy(g) },
    ];
    const alarm = (suffix, props) => {
      resources[logical(g.name, suffix)] = {
        Type: "AWS::CloudWatch::Alarm",
        Properties: {
          AlarmName: `${dx.alarmNamePrefix}${g.name}-${suffix}`,
          Namespace: dx.metricsNamespace,
          MetricName: "PathHealthy",
          Threshold: 1,
          ...props,
        },
      };
    };
    const k = Math.max(1, Math.ceil(g.restoreWindowSeconds / 60));
    const failing = (path, what) => ({
      AlarmDescription: `dx-failover ${g.name} (${service}-${stageName}): ${what} probes failing 2 of 3 10-second periods`,
      Dimensions: dims(path),
      Statistic: "Minimum",
      Period: 10,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      ComparisonOperator: "LessThanThreshold",
      TreatMissingData: "missing",
    });
    alarm("dx-down", failing("direct-connect", "Direct Connect"));
    alarm("dx-not-restored", {
      AlarmDescription: `dx-failover ${g.name}: a failed (or missing) Direct Connect probe within the last ${k} minute(s); OK = restored for the failback window`,
      Dimensions: dims("direct-connect"),
      Statistic: "Minimum",
      Period: 60,
      EvaluationPeriods: k,
      DatapointsToAlarm: 1,
      ComparisonOperator: "LessThanThreshold",
      TreatMissingData: "breaching",
    });
    alarm("vpn-down", failing("vpn", "VPN path"));
    alarm("probe-missing", {
      AlarmDescription: `dx-failover ${g.name}: no probe datapoint for 2 minutes (the ${probedBy(g)} probe is not running)`,
      Dimensions: dims("direct-connect"),
      Statistic: "SampleCount",
      Period: 60,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      ComparisonOperator: "LessThanThreshold",
      TreatMissingData: "breaching",
    });
  }
  return resources;
};

/** osls's logical id of the event bus it creates for a rule (`eventBus: <name>`, lib/plugins/aws/lib/naming.js). */
const eventBusLogicalId = (name) =>
  `${name
    .replace(/-/g, "Dash")
    .replace(/_/g, "Underscore")
    .replace(/^./, (c) => c.toUpperCase())}EventBridgeEventBus`;

const busArn = (name) => ({
  "Fn::Sub": `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/${name}`,
});

/**
 * The trigger bus's policy: nobody but the probe function's role and the agents' roles may put events on it
 * (an explicit Deny: a same-account principal's own IAM policy cannot grant past it).
 */
const dxTriggerBusResources = (dx) => ({
  DxFailoverTriggerBusPolicy: {
    Type: "AWS::Events::EventBusPolicy",
    DependsOn: eventBusLogicalId(dx.triggerBusName),
    Properties: {
      EventBusName: dx.triggerBusName,
      StatementId: "OnlyTheDxProbesPutEvents",
      Statement: {
        Sid: "OnlyTheDxProbesPutEvents",
        Effect: "Deny",
        Principal: "*",
        Action: "events:PutEvents",
        Resource: busArn(dx.triggerBusName),
        Condition: {
          ArnNotEquals: {
            "aws:PrincipalArn": [
              { "Fn::GetAtt": ["DxProbeIamRoleLambdaExecution", "Arn"] },
              ...dx.agentRoleArns,
            ],
          },
        },
      },
    },
  },
});

/**
 * `probeVpc.network: endpoints`: an `events` interface endpoint in the probe subnets (private DNS, so the
 * SDK's default endpoint resolves to it), its security group open on 443 to the probe's security groups,
 * and an endpoint policy that allows only the trigger on the trigger bus. Metrics need no endpoint (EMF).
 */
const dxProbeEndpointResources = (dx) => {
  const vpc = dx.probeVpc;
  if (vpc.network !== "endpoints" || vpc.vpcId === undefined || vpc.subnetIds.length === 0) return {};
  return {
    DxProbeEndpointSecurityGroup: {
      Type: "AWS::EC2::SecurityGroup",
      Properties: {
        GroupDescription: "dx-probe: HTTPS to the events interface endpoint",
        VpcId: vpc.vpcId,
        SecurityGroupIngress: vpc.securityGroupIds.map((sg) => ({
          IpProtocol: "tcp",
          FromPort: 443,
          ToPort: 443,
          SourceSecurityGroupId: sg,
        })),
      },
    },
    DxProbeEventsEndpoint: {
      Type: "AWS::EC2::VPCEndpoint",
      Properties: {
        ServiceName: { "Fn::Sub": `com.amazonaws.\${AWS::Region}.events` },
        VpcEndpointType: "Interface",
        VpcId: vpc.vpcId,
        SubnetIds: vpc.subnetIds,
        SecurityGroupIds: [{ Ref: "DxProbeEndpointSecurityGroup" }],
        PrivateDnsEnabled: true,
        PolicyDocument: {
          Statement: [
            {
              Effect: "Allow",
              Principal: "*",
              Action: "events:PutEvents",
              Resource: busArn(dx.triggerBusName),
            },
          ],
        },
      },
    },
  };
};

/** eni-reattach: time for the calls between and after its waits (attach, modify, complete, report). */
const ENI_WAIT_HEADROOM_MS = 30_000;

const SUB = (resource) => ({ "Fn::Sub": `arn:\${AWS::Partition}:${resource}` });
const ec2Resource = (type, id) => SUB(`ec2:\${AWS::Region}:\${AWS::AccountId}:${type}/${id}`);

const uniqueSorted = (items) => [...new Set(items)].sort();

/**
 * The ENI statements: the ENI's tag names one of the configured groups AND the allow-list names the ENI,
 * its subnet or its VPC — a tag alone enrols nothing (ec2:Subnet / ec2:Vpc take ARNs: ArnEquals).
 */
const eniAllowListStatements = (eni, eniActions) => {
  const groups = eni.groups;
  const tagged = { StringLike: { [`aws:ResourceTag/${eni.tagKey}`]: groups.map((g) => `${g.name}/*`) } };
  const eniIds = uniqueSorted(groups.flatMap((g) => g.allowedEniIds));
  const subnets = uniqueSorted(groups.flatMap((g) => g.allowedSubnetIds));
  const vpcs = uniqueSorted(groups.flatMap((g) => g.allowedVpcIds));
  const anyEni = ec2Resource("network-interface", "*");
  const within = (key, type, ids) => ({
    ...tagged,
    ArnEquals: { [key]: ids.map((id) => ec2Resource(type, id)) },
  });
  return [
    eniIds.length > 0 && {
      Sid: "AllowListedEniIds",
      Effect: "Allow",
      Action: eniActions,
      Resource: eniIds.map((id) => ec2Resource("network-interface", id)),
      Condition: tagged,
    },
    subnets.length > 0 && {
      Sid: "AllowListedEniSubnets",
      Effect: "Allow",
      Action: eniActions,
      Resource: anyEni,
      Condition: within("ec2:Subnet", "subnet", subnets),
    },
    vpcs.length > 0 && {
      Sid: "AllowListedEniVpcs",
      Effect: "Allow",
      Action: eniActions,
      Resource: anyEni,
      Condition: within("ec2:Vpc", "vpc", vpcs),
    },
  ].filter(Boolean);
};

/** The statements that may change anything: none at all when no group is configured. */
const eniReattachWrites = (eni) => {
  const groups = eni.groups;
  if (groups.length === 0) return [];
  const names = groups.map((g) => g.name);
  const repairs = groups.filter((g) => g.repairLocalGatewayRoutes && g.localGatewayRoutes.length > 0);
  const eniActions = [
    "ec2:AttachNetworkInterface",
    "ec2:DetachNetworkInterface",
    "ec2:ModifyNetworkInterfaceAttribute",
    ...(repairs.length > 0 ? ["ec2:ModifyLocalGatewayRoute"] : []),
  ];
  const statements = [
    ...eniAllowListStatements(eni, eniActions),
    // aws:autoscaling:groupName is set by Auto Scaling and cannot be edited (the aws: prefix is reserved).
    {
      Sid: "AttachToGroupInstancesOnly",
      Effect: "Allow",
      Action: "ec2:AttachNetworkInterface",
      Resource: ec2Resource("instance", "*"),
      Condition: { StringEquals: { "aws:ResourceTag/aws:autoscaling:groupName": names } },
    },
    // Detaching needs the holder too; which ENIs is bounded by the statements above.
    {
      Sid: "DetachFromHolders",
      Effect: "Allow",
      Action: "ec2:DetachNetworkInterface",
      Resource: ec2Resource("instance", "*"),
    },
    {
      Sid: "CompleteOwnGroupsLifecycleActions",
      Effect: "Allow",
      Action: ["autoscaling:CompleteLifecycleAction", "autoscaling:RecordLifecycleActionHeartbeat"],
      Resource: names.map((n) =>
        SUB(`autoscaling:\${AWS::Region}:\${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/${n}`),
      ),
    },
  ];
  if (repairs.length > 0) {
    const tables = uniqueSorted(
      repairs.flatMap((g) => g.localGatewayRoutes.map((r) => r.localGatewayRouteTableId)),
    );
    statements.push({
      Sid: "RepairConfiguredLocalGatewayRoutes",
      Effect: "Allow",
      Action: "ec2:ModifyLocalGatewayRoute",
      Resource: tables.map((id) => ec2Resource("local-gateway-route-table", id)),
    });
  }
  return statements;
};

/**
 * eni-reattach: its role's statements (reads; the writes above; then the shared statements, by reference),
 * its EventBridge pattern (only the configured groups' lifecycle actions) and its own timeout, which adds
 * the bounded detach and attach waits to the shared budget.
 */
const eniReattachValues = (eni, lambda) => {
  const names = eni.groups.map((group) => group.name);
  const waitsMs = eni.detachTimeoutMs + eni.attachTimeoutMs + ENI_WAIT_HEADROOM_MS;
  const worstCaseMs = lambda.worstCaseMs + waitsMs;
  return {
    tagKey: eni.tagKey,
    groupNames: names,
    worstCaseMs,
    timeoutSeconds: Math.max(MIN_TIMEOUT_SECONDS, Math.ceil(worstCaseMs / 1000)),
    /** The lifecycle rule's pattern: a group name no group can have when none is configured. */
    lifecyclePattern: {
      source: ["aws.autoscaling"],
      "detail-type": ["EC2 Instance-launch Lifecycle Action", "EC2 Instance-terminate Lifecycle Action"],
      detail: { AutoScalingGroupName: names.length > 0 ? names : [NO_ENI_GROUP] },
    },
    iamRoleStatements: [
      {
        Sid: "ObserveFirewallGroups",
        Effect: "Allow",
        Action: [
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
        ],
        Resource: "*",
      },
      ...eniReattachWrites(eni),
      // The shared statements, as osls variables (osls resolves variables inside resolved values).
      sharedStatement("actionEvents"),
      sharedStatement("failedEvents"),
      sharedStatement("tracing"),
    ],
  };
};

/** `${self:custom.iamStatements.<name>}`, built so that no literal looks like a template by mistake. */
const sharedStatement = (name) => ["$", "{self:custom.iamStatements.", name, "}"].join("");

/** A group name Auto Scaling refuses (spaces and parentheses are fine, but no group is named so). */
const NO_ENI_GROUP = "(no eni-reattach group configured)";

/**
 * The alarms of each eni-reattach group (merged into `resources`): an ABANDON was sent (the instance could
 * never take the set), the serving firewall misses ENIs for 15 minutes (MissingInterfaces, published by
 * every reconcile: missing data is breaching, so a reconcile that stops running alarms too), a
 * configuration problem seen by every reconcile for 15 minutes (ConfigurationErrors by group), and for a
 * group on an Outpost its own type without capacity, or with unknown capacity (missing data breaching:
 * the checker stopping alarms too).
 */
const eniReattachAlarmResources = (eni, service, stageName) => {
  const resources = {};
  const logical = (name, suffix) => `EniReattach${name.replace(/[^A-Za-z0-9]/g, "")}${suffix}Alarm`;
  const alarm = (g, suffix, fn, props) => {
    resources[logical(g.name, suffix)] = {
      Type: "AWS::CloudWatch::Alarm",
      Properties: {
        AlarmName: `${service}-${stageName}-eni-${g.name}-${suffix.replace(/[A-Z]/g, (c, i) => `${i > 0 ? "-" : ""}${c.toLowerCase()}`)}`,
        Namespace: METRICS_NAMESPACE,
        Dimensions: [
          { Name: "service", Value: fn },
          { Name: "Group", Value: g.name },
        ],
        ...props,
      },
    };
  };
  for (const g of eni.groups) {
    alarm(g, "Abandoned", "eni-reattach", {
      AlarmDescription: `eni-reattach ${g.name}: a launch was ABANDONed (the new instance can never take the ENIs: zone, Outpost, network card)`,
      MetricName: "LifecycleAbandoned",
      Statistic: "Sum",
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
      ...pagerActions(),
    });
    alarm(g, "MissingInterfaces", "eni-reattach", {
      AlarmDescription: `eni-reattach ${g.name}: the serving firewall has not had all its ENIs for 15 minutes (or the reconcile stopped)`,
      MetricName: "MissingInterfaces",
      Statistic: "Minimum",
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "breaching",
      ...pagerActions(),
    });
    alarm(g, "ConfigurationErrors", "eni-reattach", {
      AlarmDescription: `eni-reattach ${g.name}: a configuration problem that would bite at the next replacement (our hooks: missing, DefaultResult ABANDON, heartbeat timeout too short; the declared set; the group size), for 15 minutes`,
      MetricName: "ConfigurationErrors",
      Statistic: "Maximum",
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      // A stopped reconcile is the missing-interfaces alarm's (breaching) job.
      TreatMissingData: "notBreaching",
    });
    if (g.outpostId === undefined || g.instanceType === undefined) continue;
    alarm(g, "Capacity", "outposts-capacity", {
      AlarmDescription: `${g.name}: ${g.instanceType} has no capacity left on ${g.outpostId} (a replacement would not launch)`,
      MetricName: "FirewallCapacityAvailable",
      Statistic: "Minimum",
      Period: 900,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: "LessThanThreshold",
      TreatMissingData: "notBreaching",
    });
    alarm(g, "CapacityUnknown", "outposts-capacity", {
      AlarmDescription: `${g.name}: the capacity of ${g.instanceType} on ${g.outpostId} is unknown (no datapoint, service link down) or the check stopped`,
      MetricName: "CapacityKnown",
      Statistic: "Minimum",
      Period: 900,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 1,
      ComparisonOperator: "LessThanThreshold",
      TreatMissingData: "breaching",
    });
  }
  return resources;
};

/** @param {string} source @param {string[]} issues */
const invalid = (source, issues) =>
  new StageConfigError(`Invalid ops-toolkit configuration in ${source}`, issues);

/**
 * The schema's verdict on a stage file, and keys it does not know (zod strips them silently).
 * @param {unknown} input @param {string} source
 */
const parseStrictly = (input, source) => {
  if (!isPlainObject(input))
    throw invalid(source, ["(root): expected a JSON object ({} takes every default)"]);
  const { parseStageConfig } = loadSchemaModule();
  let config;
  try {
    config = parseStageConfig(input, source);
  } catch (error) {
    const issues = error?.context?.issues;
    if (!Array.isArray(issues)) throw error;
    throw invalid(source, issues);
  }
  const unknown = unknownKeys(input, config);
  if (unknown.length > 0) throw invalid(source, unknown);
  return config;
};

/**
 * Each function's OPS_CONFIG: the common keys and its own capability's section, within Lambda's 4 KB of
 * environment per function (all variables together).
 */
const opsConfigParts = (config, source) => {
  const { CONFIG_SECTIONS, sectionConfigOf } = loadSchemaModule();
  const parts = {};
  for (const section of CONFIG_SECTIONS) {
    const part = JSON.stringify(sectionConfigOf(config, section));
    if (Buffer.byteLength(part) > MAX_OPS_CONFIG_BYTES) {
      throw invalid(source, [
        `${section}: the validated section with the common keys is ${Buffer.byteLength(part)} bytes of JSON; a function's OPS_CONFIG allows ${MAX_OPS_CONFIG_BYTES} (Lambda's environment is limited to 4 KB)`,
      ]);
    }
    parts[section] = part;
  }
  return parts;
};

/**
 * The toolkit's own alarms must not match what its functions take as their input alarms: the idle alarms'
 * prefix or adoption patterns, the dx-failover groups' prefix, the vFXT status-check alarms' prefix (their
 * state changes would reach those functions' rules).
 */
const checkOwnAlarmNames = (config, source, ownAlarmNames) => {
  const prefixes = [
    ["idleHibernate.alarmNamePrefix", config.idleHibernate.alarmNamePrefix],
    ["dxFailover.alarmNamePrefix", config.dxFailover.alarmNamePrefix],
    ["vfxtIpMove.statusAlarmPrefix", config.vfxtIpMove.statusAlarmPrefix],
  ];
  for (const own of ownAlarmNames) {
    if (own === undefined) continue;
    const prefixed = prefixes.find(([, prefix]) => own.startsWith(prefix));
    if (prefixed !== undefined) {
      throw invalid(source, [
        `${prefixed[0]}: "${prefixed[1]}" would also match the toolkit's own alarm "${own}"`,
      ]);
    }
    const adopted = config.idleHibernate.adoptAlarmNamePatterns.find((pattern) =>
      wildcardRegExp(pattern).test(own),
    );
    if (adopted !== undefined) {
      throw invalid(source, [
        `idleHibernate.adoptAlarmNamePatterns: "${adopted}" would also match the toolkit's own alarm "${own}"`,
      ]);
    }
  }
};

/** The names of the toolkit's own alarms (serverless.yml's and the generated paging and eni ones). */
const ownAlarmNamesOf = (config, service, stageName) => {
  const generated = {
    ...operatorAlarmResources(config, service, stageName, probedBy),
    ...eniReattachAlarmResources(config.eniReattach, service, stageName),
  };
  return [
    ...[
      "failed-events",
      "idle-hibernated-too-long",
      "vfxt-no-healthy-node",
      "vfxt-addresses-unserved",
      "vfxt-backstop-acted",
    ].map((what) => `${service}-${stageName}-${what}`),
    ...Object.values(generated).map((r) => r.Properties.AlarmName),
  ];
};

/** Every function's worst case must fit Lambda's 900 s. */
const checkTimeBudgets = (config, source, lambda) => {
  if (lambda.timeoutSeconds > MAX_TIMEOUT_SECONDS) {
    throw invalid(source, [
      `aws: the worst case of one invocation is ${lambda.worstCaseMs} ms, more than Lambda's ${MAX_TIMEOUT_SECONDS} s; lower aws.maxAttempts or the timeouts`,
    ]);
  }
  const eniTimeout = eniReattachValues(config.eniReattach, lambda).timeoutSeconds;
  if (eniTimeout > MAX_TIMEOUT_SECONDS) {
    throw invalid(source, [
      `eniReattach: detachTimeoutMs + attachTimeoutMs + the shared budget need ${eniTimeout} s, more than Lambda's ${MAX_TIMEOUT_SECONDS} s`,
    ]);
  }
  // vfxt-ip-move waits a cluster's grace within the invocation: a grace it can never wait (with the reads,
  // the writes and the read-back after it) would leave the addresses to reconciles that cannot wait either.
  const vfxt = vfxtIpMoveValues(config.vfxtIpMove, lambda);
  if (vfxt.worstCaseMs + VFXT_WAIT_RESERVE_MS > MAX_TIMEOUT_SECONDS * 1000) {
    throw invalid(source, [
      `vfxtIpMove.clusters[].graceSeconds: the longest grace (with its remapSeconds), the shared budget and a read-back need ${Math.ceil((vfxt.worstCaseMs + VFXT_WAIT_RESERVE_MS) / 1000)} s, more than Lambda's ${MAX_TIMEOUT_SECONDS} s; lower graceSeconds`,
    ]);
  }
};

/**
 * Validates a configuration object and derives what serverless.yml needs.
 * Throws StageConfigError (with `issues`) when it is invalid.
 * @param {unknown} input the parsed JSON of a stage file
 * @param {{ source: string, stage?: string, service?: string }} meta
 */
const resolveConfig = (input, { source, stage, service }) => {
  const config = parseStrictly(input, source);
  const json = JSON.stringify(config);
  // osls resolves `${…}` inside resolved values too: OPS_CONFIG would not be what the file says.
  if (json.includes("${")) {
    throw invalid(source, [
      '(any string): "${" is not allowed (serverless variable syntax would be interpolated into OPS_CONFIG)',
    ]);
  }
  const opsConfigJsonOf = opsConfigParts(config, source);
  const prefix = config.idleHibernate.alarmNamePrefix;
  const failedEventsAlarmName = service && stage ? `${service}-${stage}-failed-events` : undefined;
  const hibernatedTooLongAlarmName =
    service && stage ? `${service}-${stage}-idle-hibernated-too-long` : undefined;
  if (service && stage) checkOwnAlarmNames(config, source, ownAlarmNamesOf(config, service, stage));
  const lambda = lambdaBudget(config);
  checkTimeBudgets(config, source, lambda);

  const { key: tagKey, value: tagValue } = config.idleHibernate.optInTag;
  return {
    stage,
    source,
    /** The validated, defaulted configuration. */
    opsConfigJson: json,
    /** Per capability section: the OPS_CONFIG of that capability's functions (common keys + the section). */
    opsConfigJsonOf,
    config,
    mode: config.mode,
    idleHibernate: {
      alarmNamePrefix: prefix,
      optInTagKey: tagKey,
      optInTagValue: tagValue,
      /** The IAM condition of ec2:StopInstances and ec2:StartInstances (the tag key is part of the condition key). */
      stopInstancesCondition: { StringEquals: { [`aws:ResourceTag/${tagKey}`]: tagValue } },
      /** The IAM condition of ec2:CreateTags: opted-in instances, and only the hibernation request tag. */
      requestTagCondition: {
        StringEquals: { [`aws:ResourceTag/${tagKey}`]: tagValue },
        "ForAllValues:StringEquals": { "aws:TagKeys": ["ops:hibernation-requested"] },
      },
      /** The EventBridge filters of the alarm rule: our prefix and each adoption pattern. */
      alarmNameFilters: [
        { prefix },
        ...config.idleHibernate.adoptAlarmNamePatterns.map((wildcard) => ({ wildcard })),
      ],
      hibernatedTooLongAlarmName,
    },
    actionEvents: {
      source: config.actionEvents.source,
      eventBusName: config.actionEvents.eventBusName,
      /** For Fn::Sub. */
      eventBusArn: eventBusArn(config.actionEvents.eventBusName),
    },
    vfxtIpMove: vfxtIpMoveValues(config.vfxtIpMove, lambda),
    eniReattach: eniReattachValues(config.eniReattach, lambda),
    dxFailover: dxFailoverValues(config.dxFailover),
    alarms: { failedEventsAlarmName },
    lambda,
  };
};

/**
 * An adoption pattern (`*` = any characters, as EventBridge's wildcard filter) as a RegExp.
 * @param {string} pattern
 */
const wildcardRegExp = (pattern) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\-]/g, "\\$&").replace(/\*/g, ".*")}$`);

/**
 * Reads and validates config/<stage>.json (or `file`). Throws StageConfigError listing the available
 * stages when the file does not exist.
 * @param {string} stage
 * @param {{ configDir?: string, file?: string, service?: string }} [options]
 */
const loadStageConfig = (stage, options = {}) => {
  const configDir = options.configDir ?? CONFIG_DIR;
  const file = options.file ?? stageFile(stage, configDir);
  const relative = path.relative(ROOT, file);
  const source = relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if (error?.code !== "ENOENT") throw error;
    const stages = availableStages(configDir);
    throw new StageConfigError(
      `No ops-toolkit configuration for stage "${stage}": ${source} does not exist.\n` +
        `Available stages: ${stages.length > 0 ? stages.join(", ") : "(none)"}.\n` +
        `Create ${source} (an empty object {} takes every default) or use one of them ("osls package --stage <name>", "npx tsx tools/check-config.ts <name>").`,
    );
  }
  let input;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new StageConfigError(`Invalid ops-toolkit configuration in ${source}`, [
      `(root): not valid JSON: ${error.message}`,
    ]);
  }
  return resolveConfig(input, { source, stage, service: options.service });
};

const memo = new Map();

/** osls entry point: `${file(./tools/serverless-config.cjs):stage}` → the resolved stage configuration. */
const stage = async ({ resolveVariable, resolveConfigurationProperty }) => {
  const name = await resolveVariable("sls:stage");
  const service = await resolveConfigurationProperty(["service"]);
  const key = `${service}\u0000${name}`;
  if (!memo.has(key)) memo.set(key, loadStageConfig(name, { service }));
  return memo.get(key);
};

// ---------------------------------------------------------------------------------------------------
// The operator dashboard and the paging alarms (tools/operator-dashboard.cjs, tools/operator-observability.cjs;
// docs/observability.md): a section per capability, one series per configured group.

const METRICS_NAMESPACE = "OpsToolkit";

/** osls' logical id of a function's AWS::Lambda::Function (naming.getLambdaLogicalId). */
const lambdaLogicalId = (functionKey) => {
  const normalized = functionKey.replace(/-/g, "Dash").replace(/_/g, "Underscore");
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}LambdaFunction`;
};

/** The alarms of serverless.yml itself, per dashboard section. */
const STATIC_ALARMS = {
  all: ["FailedEventsAlarm"],
  idle: ["IdleHibernatedTooLongAlarm"],
  vfxt: ["VfxtNoHealthyNodeAlarm", "VfxtAddressesUnservedAlarm", "VfxtBackstopActedAlarm"],
};

/** Every alarm's logical id, per dashboard section (the generated ones from the configuration). */
const alarmsBySection = (config, service, stageName) => {
  const operator = Object.keys(operatorAlarmResources(config, service, stageName, probedBy));
  return {
    ...STATIC_ALARMS,
    idle: [...STATIC_ALARMS.idle, ...operator.filter((id) => id.startsWith("Idle"))],
    dx: [
      ...Object.keys(dxFailoverAlarmResources(config.dxFailover, service, stageName)),
      ...operator.filter((id) => id.startsWith("Dx")),
    ],
    eni: Object.keys(eniReattachAlarmResources(config.eniReattach, service, stageName)),
  };
};

/**
 * The deployed functions with their service name and timeout (the function's own, else the provider's),
 * from serverless.yml's `functions`.
 */
const deployedFunctions = (functions, providerTimeout) => {
  const found = Object.entries(functions)
    .map(([functionKey, definition]) => ({
      logicalId: lambdaLogicalId(functionKey),
      service: definition?.environment?.POWERTOOLS_SERVICE_NAME,
      timeoutSeconds: Number(definition?.timeout ?? providerTimeout),
    }))
    .filter(({ service }) => typeof service === "string" && service !== "");
  if (found.length === 0) {
    throw new StageConfigError("dashboard: no function declares environment.POWERTOOLS_SERVICE_NAME");
  }
  const untimed = found.filter((f) => !Number.isFinite(f.timeoutSeconds)).map((f) => f.logicalId);
  if (untimed.length > 0) throw new StageConfigError(`dashboard: no timeout for ${untimed.join(", ")}`);
  return found;
};

/** osls entry point: `${file(./tools/serverless-config.cjs):dashboard}` → `{ "Fn::Sub": body }`. */
const dashboard = async (context) => {
  const resolved = await stage(context);
  const name = await context.resolveVariable("sls:stage");
  const service = await context.resolveConfigurationProperty(["service"]);
  const functions = (await context.resolveConfigurationProperty(["functions"])) ?? {};
  const providerTimeout = await context.resolveConfigurationProperty(["provider", "timeout"]);
  return {
    "Fn::Sub": operatorDashboardBody({
      config: resolved.config,
      functions: deployedFunctions(functions, providerTimeout),
      alarms: alarmsBySection(resolved.config, service, name),
      probeOf: probedBy,
    }),
  };
};

/** osls entry point: `${file(./tools/serverless-config.cjs):operatorAlarms}` → `{ Resources }`. */
const operatorAlarms = async (context) => {
  const resolved = await stage(context);
  const name = await context.resolveVariable("sls:stage");
  const service = await context.resolveConfigurationProperty(["service"]);
  return { Resources: operatorAlarmResources(resolved.config, service, name, probedBy) };
};

/** osls entry point: `${file(./tools/serverless-config.cjs):dxFailoverResources}` → `{ Resources }`. */
const dxFailoverResources = async (context) => {
  const resolved = await stage(context);
  const name = await context.resolveVariable("sls:stage");
  const service = await context.resolveConfigurationProperty(["service"]);
  const dx = resolved.config.dxFailover;
  return {
    Resources: {
      ...dxFailoverAlarmResources(dx, service, name),
      ...dxTriggerBusResources(dx),
      ...dxProbeEndpointResources(dx),
    },
  };
};

/** osls entry point: `${file(./tools/serverless-config.cjs):eniReattachResources}` → `{ Resources }`. */
const eniReattachResources = async (context) => {
  const resolved = await stage(context);
  const name = await context.resolveVariable("sls:stage");
  const service = await context.resolveConfigurationProperty(["service"]);
  return { Resources: eniReattachAlarmResources(resolved.config.eniReattach, service, name) };
};

module.exports = {
  // osls variable sources
  stage,
  dashboard,
  operatorAlarms,
  dxFailoverResources,
  eniReattachResources,
  // Node API (tools/check-config.ts, tests)
  loadStageConfig,
  resolveConfig,
  availableStages,
  lambdaBudget,
  lambdaLogicalId,
  deployedFunctions,
  alarmsBySection,
  probedBy,
  dxFailoverAlarmResources,
  eniReattachAlarmResources,
  dxTriggerBusResources,
  dxProbeEndpointResources,
  StageConfigError,
  CONFIG_DIR,
};
