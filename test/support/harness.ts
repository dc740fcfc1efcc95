import { Harness, type HarnessOptions } from "../../sim/harness";
import { FUNCTIONS } from "../../tools/lib/functions";

/**
 * A harness that can invoke every deployed function. The one place tests name the function registry:
 * repoint it to functions/index.ts when that list replaces tools/lib/functions.ts.
 */
export const startHarness = (options: Omit<HarnessOptions, "functions"> = {}): Promise<Harness> =>
  Harness.start({ ...options, functions: FUNCTIONS });
