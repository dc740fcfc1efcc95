import { DxFailoverConfigSchema } from "../../functions/dx-failover/config";
import { isCidr, parseCidr, parseIp } from "../net/cidr";
import { EniReattachConfigSchema } from "./config-eni-reattach";
import { ConfigurationError } from "./errors";
import * as z from "./zod";

/**
 * The toolkit's per-stage configuration: `config/<stage>.json`, validated by this schema when the stack
 * is packaged (serverless.yml resolves it through tools/serverless-config.cjs) and again at cold start
 * (from the OPS_CONFIG environment variable). Every knob has a safe default; README "Configuration
 * reference" documents each one.
 */

export const EXECUTION_MODES = ["plan", "dry-run", "apply"] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

const positiveInt = (max: number) => z.int().check(z.minimum(1), z.maximum(max));

const TagMatch = z.object({ key: z.string().check(z.minLength(1), z.maxLength(128)), value: z.string() });

export const IdleHibernateConfigSchema = z.object({
  /** Only alarms whose names start with this prefix are acted on, created or deleted. */
  alarmNamePrefix: z._default(
    z.string().check(z.minLength(1), z.maxLength(200), z.regex(/^[A-Za-z0-9._-]+$/)),
    "ops-idle-",
  ),
  /** An instance is opted in when it carries this tag with this value. */
  optInTag: z._default(TagMatch, { key: "ops:hibernate", value: "idle" }),
  /** An instance carrying this tag key (any value) is opted out, even when opted in. */
  optOutTagKey: z._default(z.string().check(z.minLength(1)), "ops:hibernate-opt-out"),
  /** What to do with an opted-in instance launched without hibernation configured. */
  notConfiguredFallback: z._default(z.enum(["skip", "stop"]), "skip"),
  /** Never hibernate an instance that started less than this many minutes ago (at least the alarm's window). */
  minimumUptimeMinutes: z._default(positiveInt(24 * 60), 15),
  /** At most this many instances are stopped by one invocation; the rest are reported as skipped. */
  maxInstancesPerInvocation: z._default(positiveInt(1000), 10),
  /** How long to read back the instances' state after StopInstances. */
  verifyTimeoutMs: z._default(z.int().check(z.minimum(0), z.maximum(60_000)), 5000),
  /** The idle alarm the toolkit provisions for each opted-in instance. */
  alarm: z._default(
    z.object({
      cpuThresholdPercent: z._default(z.number().check(z.gt(0), z.lte(100)), 10),
      idleMinutes: z._default(positiveInt(24 * 60), 15),
      periodSeconds: z._default(
        z.union([z.literal(60), z.literal(300), z.literal(900), z.literal(3600)]),
        300,
      ),
      /** Tags that override the threshold and the idle minutes per instance. */
      thresholdTagKey: z._default(z.string(), "ops:idle-cpu-threshold"),
      idleMinutesTagKey: z._default(z.string(), "ops:idle-minutes"),
      /** Extra alarm actions (an SNS topic or this Lambda's ARN); the EventBridge rule needs none. */
      alarmActions: z._default(z.array(z.string().check(z.regex(/^arn:aws[a-z-]*:/))), []),
    }),
    {
      cpuThresholdPercent: 10,
      idleMinutes: 15,
      periodSeconds: 300,
      thresholdTagKey: "ops:idle-cpu-threshold",
      idleMinutesTagKey: "ops:idle-minutes",
      alarmActions: [],
    },
  ),
});

/** A client-facing address of a vFXT cluster: one IPv4 address, or a range as a CIDR from /24 to /32. */
const VfxtAddress = z.string().check(
  z.refine((value) => {
    if (!value.includes("/")) return parseIp(value, 4) !== undefined;
    const range = parseCidr(value, { version: 4, hostBits: "mask" });
    return range !== undefined && range.prefix >= 24;
  }, "must be an IPv4 address or a CIDR from /24 to /32"),
  z.refine((value) => !value.includes("/") || !isCidr(value, { hostBits: "mask" }) || isCidr(value), {
    message: "a range must be a CIDR block (no host bits set), e.g. 10.0.1.96/28",
  }),
);

export const VfxtClusterSchema = z.object({
  /** The value of the cluster tag on the nodes (and, for IAM, on their ENIs and the route tables). */
  name: z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9._:/+=@-]+$/)),
  /** The client-facing addresses (or ranges); the mode of each follows from the topology. */
  addresses: z.array(VfxtAddress).check(z.minLength(1), z.maxLength(64)),
  /** Route tables holding the /32 routes of the addresses outside the nodes' subnets. */
  routeTableIds: z._default(z.array(z.string().check(z.regex(/^rtb-([0-9a-f]{8}|[0-9a-f]{17})$/))), []),
  /** Move addresses back to a node that returns (off: the cluster's own software may manage them). */
  rebalance: z._default(z.boolean(), false),
});

export const VfxtIpMoveConfigSchema = z.object({
  /** Nodes carry this tag with the cluster name as value. */
  clusterTagKey: z._default(z.string().check(z.minLength(1), z.maxLength(128)), "ops:vfxt-cluster"),
  /** Status-check alarms of the nodes: `<prefix><instance-id>`; a node whose alarm is in ALARM is unhealthy. */
  statusAlarmPrefix: z._default(
    z.string().check(z.minLength(1), z.maxLength(200), z.regex(/^[A-Za-z0-9._-]+$/)),
    "ops-vfxt-status-",
  ),
  clusters: z._default(
    z.array(VfxtClusterSchema).check(
      z.refine((clusters) => new Set(clusters.map((c) => c.name)).size === clusters.length, {
        message: "cluster names must be unique",
      }),
    ),
    [],
  ),
  /** At most this many addresses are moved by one invocation; the rest wait for the next one. */
  maxAddressesPerInvocation: z._default(positiveInt(1024), 64),
  /** How long to read back the addresses and routes after a move (the remap is asynchronous). */
  verifyTimeoutMs: z._default(z.int().check(z.minimum(0), z.maximum(60_000)), 5000),
});

export const ToolkitConfigSchema = z.object({
  /** plan: compute and report only; dry-run: EC2 DryRun proves permissions; apply: act. */
  mode: z._default(z.enum(EXECUTION_MODES), "apply"),
  actionEvents: z._default(
    z.object({
      enabled: z._default(z.boolean(), true),
      source: z._default(z.string().check(z.minLength(1), z.maxLength(256)), "ops-toolkit"),
      eventBusName: z._default(z.string(), "default"),
    }),
    { enabled: true, source: "ops-toolkit", eventBusName: "default" },
  ),
  aws: z._default(
    z.object({
      maxAttempts: z._default(positiveInt(10), 5),
      connectionTimeoutMs: z._default(positiveInt(30_000), 1000),
      requestTimeoutMs: z._default(positiveInt(60_000), 3000),
      /** Time kept back from the Lambda timeout to log and report after the last retry. */
      deadlineSafetyMs: z._default(z.int().check(z.minimum(0), z.maximum(60_000)), 1500),
    }),
    { maxAttempts: 5, connectionTimeoutMs: 1000, requestTimeoutMs: 3000, deadlineSafetyMs: 1500 },
  ),
  idleHibernate: z._default(IdleHibernateConfigSchema, () => z.parse(IdleHibernateConfigSchema, {})),
  eniReattach: z._default(EniReattachConfigSchema, () => z.parse(EniReattachConfigSchema, {})),
  vfxtIpMove: z._default(VfxtIpMoveConfigSchema, () => z.parse(VfxtIpMoveConfigSchema, {})),
  dxFailover: z._default(DxFailoverConfigSchema, () => z.parse(DxFailoverConfigSchema, {})),
});

export type ToolkitConfig = z.infer<typeof ToolkitConfigSchema>;
export type IdleHibernateConfig = z.infer<typeof IdleHibernateConfigSchema>;
export type VfxtIpMoveConfig = z.infer<typeof VfxtIpMoveConfigSchema>;
export type VfxtClusterConfig = z.infer<typeof VfxtClusterSchema>;

/** Validates a configuration object; an invalid one fails loudly, before any action. */
export const parseConfig = (input: unknown, source: string): ToolkitConfig => {
  const result = z.safeParse(ToolkitConfigSchema, input);
  if (!result.success) {
    throw new ConfigurationError(`Invalid ops-toolkit configuration in ${source}`, {
      source,
      issues: z.formatZodIssues(result.error),
    });
  }
  return result.data;
};

/**
 * The configuration of this process: OPS_CONFIG (JSON, set by serverless.yml from the validated stage
 * file) or the defaults, then OPS_MODE overriding the mode (e.g. `OPS_MODE=dry-run` on a deployed function).
 */
export const loadConfigFromEnv = (env: NodeJS.ProcessEnv = process.env): ToolkitConfig => {
  let raw: unknown = {};
  if (env.OPS_CONFIG !== undefined && env.OPS_CONFIG.trim() !== "") {
    try {
      raw = JSON.parse(env.OPS_CONFIG);
    } catch (error) {
      throw new ConfigurationError("OPS_CONFIG is not valid JSON", {
        source: "OPS_CONFIG",
        issues: [String(error)],
      });
    }
  }
  const config = parseConfig(raw, "OPS_CONFIG");
  const mode = env.OPS_MODE;
  if (mode !== undefined && mode !== "") {
    if (!(EXECUTION_MODES as readonly string[]).includes(mode)) {
      throw new ConfigurationError(`OPS_MODE must be one of ${EXECUTION_MODES.join(", ")}`, {
        source: "OPS_MODE",
        issues: [`got "${mode}"`],
      });
    }
    return { ...config, mode: mode as ExecutionMode };
  }
  return config;
};
