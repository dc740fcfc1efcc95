/**
 * Checks of the stage itself: the configuration is valid as packaging validates it (schema, unknown keys,
 * Lambda limits), and the ARNs it names fit the Region the doctor reads (its partition; alarm actions and
 * the action-events bus in the same Region).
 */
import { parseArn, partitionOf } from "../../../shared/aws/arn";
import { resolveStage } from "../context";
import type { Check, Finding } from "../types";
import { findingOf, SOURCES } from "./support";

const CONFIG_CHECK = { id: "common/config", capability: "common" } as const;

/** The findings of a configuration packaging would refuse (also used when no context can be built from it). */
export const configFindings = (source: string, issues: readonly string[]): Finding[] =>
  issues.map((issue) =>
    findingOf(CONFIG_CHECK, "error", {
      resource: source,
      message: `invalid configuration: ${issue}`,
      fix: "Correct the configuration (npm run config:check -- <stage> prints every issue), then deploy.",
      source: "docs/configuration.md",
    }),
  );

const config: Check = {
  ...CONFIG_CHECK,
  title: "The stage configuration is valid for the stage, as packaging validates it",
  iamActions: [],
  run: async (ctx) => {
    const loaded = resolveStage(ctx.config, ctx.stage, `config/${ctx.stage}.json`);
    if (!loaded.ok) return configFindings(loaded.source, loaded.issues);
    if (ctx.config.mode === "apply") return [];
    return [
      findingOf(config, "info", {
        resource: "mode",
        message: `mode is ${ctx.config.mode}: the functions decide and report, they change nothing`,
        fix: 'Set "mode": "apply" when the findings above are resolved.',
        source: "docs/configuration.md",
      }),
    ];
  },
};

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** The ARNs of the configuration and whether each must be in the doctor's Region. */
const configuredArns = (
  ctx: Parameters<Check["run"]>[0],
): { key: string; arn: string; regional: boolean }[] => [
  ...(ctx.config.actionEvents.eventBusName.startsWith("arn:")
    ? [{ key: "actionEvents.eventBusName", arn: ctx.config.actionEvents.eventBusName, regional: true }]
    : []),
  ...ctx.config.idleHibernate.alarm.alarmActions.map((arn) => ({
    key: "idleHibernate.alarm.alarmActions",
    arn,
    regional: true,
  })),
  ...ctx.config.dxFailover.agentRoleArns.map((arn) => ({
    key: "dxFailover.agentRoleArns",
    arn,
    regional: false,
  })),
];

const region: Check = {
  id: "common/region",
  capability: "common",
  title:
    "The Region is a Region name, and the configured ARNs are in its partition (and Region, where it matters)",
  iamActions: [],
  run: async (ctx) => {
    if (!REGION.test(ctx.region))
      return [
        findingOf(region, "error", {
          resource: ctx.region,
          message: `"${ctx.region}" is not a Region name`,
          fix: "Pass --region with a Region code such as eu-west-1.",
          source: SOURCES.arns,
        }),
      ];
    const partition = partitionOf(ctx.region);
    return configuredArns(ctx).flatMap(({ key, arn, regional }) => {
      const parts = parseArn(arn);
      const wrong =
        parts === undefined
          ? "is not an ARN"
          : parts.partition !== partition
            ? `is in partition ${parts.partition}, the Region ${ctx.region} in ${partition}`
            : regional && parts.region !== ctx.region
              ? `is in Region ${parts.region}, not ${ctx.region} (CloudWatch alarm actions and the toolkit's PutEvents stay in the Region)`
              : undefined;
      if (wrong === undefined) return [];
      return [
        findingOf(region, "error", {
          resource: key,
          message: `${arn} ${wrong}`,
          fix: `Use an ARN of ${ctx.region} in ${key}, or run the doctor (and deploy) in the Region the configuration is for.`,
          source: SOURCES.arns,
        }),
      ];
    });
  },
};

export const COMMON_CHECKS: readonly Check[] = [config, region];
