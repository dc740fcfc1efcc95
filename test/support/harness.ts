import { FUNCTIONS } from "../../functions/index";
import { Harness, type HarnessOptions } from "../../sim/harness";
import { packagedTimeoutMs } from "../../tools/lib/packaged-timeout";

/**
 * A harness that can invoke every deployed function: the one place tests hand it the function registry.
 * An invocation that names no timeout runs with the function's packaged one.
 */
export const startHarness = (options: Omit<HarnessOptions, "functions"> = {}): Promise<Harness> =>
  Harness.start({ packagedTimeoutMs, ...options, functions: FUNCTIONS });
