import { CommonConfigSchema, loadConfigFromEnv, parseConfig } from "../shared/runtime/config";
import type { OpsContext } from "../shared/runtime/handler";
import * as z from "../shared/runtime/zod";
import { DxFailoverConfigSchema } from "./dx-failover/config";
import { EniReattachConfigSchema } from "./eni-reattach/config";
import { IdleHibernateConfigSchema } from "./idle-hibernate/config";
import { VfxtIpMoveConfigSchema } from "./vfxt-ip-move/config";

/**
 * The stage configuration (`config/<stage>.json`): the common keys of shared/runtime/config.ts and one
 * section per capability, each defined in functions/<capability>/config.ts. Every handler passes this
 * schema to the runtime, so that the whole configuration is validated at cold start (and, through
 * tools/serverless-config.cjs, when the stack is packaged).
 */
export const StageConfigSchema = z.extend(CommonConfigSchema, {
  idleHibernate: z._default(IdleHibernateConfigSchema, () => z.parse(IdleHibernateConfigSchema, {})),
  eniReattach: z._default(EniReattachConfigSchema, () => z.parse(EniReattachConfigSchema, {})),
  vfxtIpMove: z._default(VfxtIpMoveConfigSchema, () => z.parse(VfxtIpMoveConfigSchema, {})),
  dxFailover: z._default(DxFailoverConfigSchema, () => z.parse(DxFailoverConfigSchema, {})),
});

export type StageConfig = z.infer<typeof StageConfigSchema>;

/** The capability sections of the stage configuration, each read by the functions of one capability. */
export const CONFIG_SECTIONS = ["idleHibernate", "eniReattach", "vfxtIpMove", "dxFailover"] as const;
export type ConfigSectionName = (typeof CONFIG_SECTIONS)[number];

/**
 * What a function of one capability is deployed with: the common keys and its own section; the other
 * sections are left out (they take their defaults when parsed). Lambda allows 4 KB of environment per
 * function, so a stage with every capability configured does not fit in one variable, but each part does.
 */
export const sectionConfigOf = (config: StageConfig, section: ConfigSectionName): Partial<StageConfig> => {
  const common: Partial<StageConfig> = { ...config };
  for (const other of CONFIG_SECTIONS) delete common[other];
  return { ...common, [section]: config[section] };
};

/** The context capability code runs with: the stage configuration, every section typed. */
export type StageContext = OpsContext<StageConfig>;

/** Validates a stage configuration object (package time, tools, tests). */
export const parseStageConfig = (input: unknown, source: string): StageConfig =>
  parseConfig(StageConfigSchema, input, source);

/** The stage configuration of this process (OPS_CONFIG, OPS_MODE), as the handlers load it. */
export const loadStageConfigFromEnv = (env: NodeJS.ProcessEnv = process.env): StageConfig =>
  loadConfigFromEnv(StageConfigSchema, env);
