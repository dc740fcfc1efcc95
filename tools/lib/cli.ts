import { type ParseArgsConfig, parseArgs } from "node:util";

/**
 * `parseArgs`, with a bad command line (an unknown option, a missing value) reported through the tool's
 * own `fail` (its message, the usage, exit 2) instead of a stack trace.
 */
export const parseArguments = <T extends ParseArgsConfig>(
  config: T,
  fail: (message: string) => never,
): ReturnType<typeof parseArgs<T>> => {
  try {
    return parseArgs(config);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
};
