import { FUNCTIONS } from "../../functions/index";
import { Harness, type HarnessOptions } from "../../sim/harness";

/** A harness that can invoke every deployed function: the one place tests hand it the function registry. */
export const startHarness = (options: Omit<HarnessOptions, "functions"> = {}): Promise<Harness> =>
  Harness.start({ ...options, functions: FUNCTIONS });
