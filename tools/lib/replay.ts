/**
 * Replay's core, shared by `npm run replay` (tools/replay.ts) and the replayed-event tests: route an event
 * like the deployed stack (tools/lib/routing.ts) and run every function it reaches on the harness.
 */
import type { StageConfig } from "../../functions/config";
import { type DeployedFunction, FUNCTIONS } from "../../functions/index";
import { SERVICE } from "../../functions/triggers";
import type { SimulatedAccount } from "../../sim/account/index";
import type { Harness } from "../../sim/harness";
import { packagedTimeoutMs } from "./packaged-timeout";
import type { ReplayedInvocation } from "./replay-output";
import { type AlarmActionsLookup, routeEvent } from "./routing";

export interface ReplayOptions {
  /** The validated stage configuration: the triggers are derived from it. */
  config: StageConfig;
  /** The handlers' environment (OPS_CONFIG, OPS_MODE…). */
  env: Record<string, string>;
  stage: string;
  /** `--function`: this function, whatever its triggers. */
  forced?: DeployedFunction;
}

export interface ReplayOutcome {
  /** What the event is, as routed, or `--function`. */
  routedAs: string;
  invocations: ReplayedInvocation[];
  /** Why no function received it. */
  unmatched?: string;
}

/** The Lambda actions an alarm of the account runs in a state (CloudWatch runs none with actions disabled). */
export const alarmActionsIn =
  (account: SimulatedAccount): AlarmActionsLookup =>
  (alarmName, state) => {
    const region = account.state();
    const alarm = region.metricAlarms.get(alarmName)?.alarm ?? region.compositeAlarms.get(alarmName)?.alarm;
    if (alarm === undefined) return undefined;
    if (alarm.ActionsEnabled === false) return [];
    const actions =
      state === "OK"
        ? alarm.OKActions
        : state === "ALARM"
          ? alarm.AlarmActions
          : alarm.InsufficientDataActions;
    return [...(actions ?? [])];
  };

/** Routes `event` and invokes every function it reaches, one after the other on the harness's account. */
export const replayEvent = async (
  harness: Harness,
  event: unknown,
  options: ReplayOptions,
): Promise<ReplayOutcome> => {
  let outcome: ReplayOutcome;
  let targets: Array<{ fn: DeployedFunction; via: string }>;
  if (options.forced !== undefined) {
    outcome = { routedAs: "--function", invocations: [] };
    targets = [{ fn: options.forced, via: "--function" }];
  } else {
    const routing = routeEvent(event, {
      functions: FUNCTIONS,
      ctx: { config: options.config, service: SERVICE, stage: options.stage },
      alarmActions: alarmActionsIn(harness.account),
    });
    outcome = { routedAs: routing.event, invocations: [], unmatched: routing.unmatched };
    targets = routing.deliveries.map((d) => ({ fn: d.function, via: d.via }));
  }
  // AWS delivers to every target; here one after the other, on the same account, each with its packaged
  // timeout (the harness's default where none is computed from the configuration).
  for (const { fn, via } of targets) {
    const timeoutMs = packagedTimeoutMs(fn.name, options.env.OPS_CONFIG);
    const report = await harness.invoke(fn.name, event, {
      env: options.env,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    outcome.invocations.push({ via, report });
  }
  return outcome;
};
