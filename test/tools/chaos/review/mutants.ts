/**
 * Review support (issue 14): mutants of the capabilities, built in the test only — a harness whose
 * function registry replaces one function's handler by a deliberately broken one (the capability code is
 * not touched), so that a campaign run can show which broken behaviours its invariants do not catch.
 */
import { FUNCTIONS } from "../../../../functions/index";
import type { Clock } from "../../../../shared/runtime/clock";
import type { SimulatedAccount } from "../../../../sim/account/index";
import { Harness } from "../../../../sim/harness";
import type { HarnessFunction, LambdaHandler } from "../../../../sim/lambda";
import type { Trace, TraceItem } from "../../../../tools/chaos/types";

export interface MutantContext {
  /** The real handler of the function, built for the same environment and clock. */
  real: LambdaHandler;
  clock: Clock;
  account: () => SimulatedAccount;
}

export type Mutation = (ctx: MutantContext) => LambdaHandler;

/** A manual-clock harness whose `name` function runs `mutation` (every other function is the real one). */
export const startMutantHarness = async (name: string, mutation: Mutation): Promise<Harness> => {
  let harness: Harness | undefined;
  const functions: HarnessFunction[] = FUNCTIONS.map((f) =>
    f.name !== name
      ? f
      : {
          ...f,
          load: async () => {
            const build = await f.load();
            return (env, overrides) => {
              const clock = overrides?.clock;
              if (clock === undefined || harness === undefined)
                throw new Error("mutants run on the manual clock");
              const running = harness;
              return mutation({ real: build(env, overrides), clock, account: () => running.account });
            };
          },
        },
  );
  harness = await Harness.start({ functions, clock: "manual" });
  return harness;
};

/** A call to the account the way a handler's SDK call would be recorded (service, operation, input). */
export const call = (
  account: SimulatedAccount,
  service: "ec2" | "autoscaling",
  operation: string,
  input: Record<string, unknown>,
) => account.dispatch({ service, operation, region: account.region, requestId: "review-mutant" }, input);

export const detailTypeOf = (event: unknown): string =>
  String((event as { "detail-type"?: unknown })["detail-type"] ?? "");

export const traceOf = (
  capability: Trace["capability"],
  variant: string,
  hours: number,
  items: TraceItem[],
): Trace => ({ capability, seed: 0, days: (hours * 3_600_000) / 86_400_000, variant, items });
