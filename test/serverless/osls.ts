import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** osls' own entry point: `npx osls` would add npm's start-up and could look for osls on the registry. */
const OSLS_BIN = fileURLToPath(new URL("../../node_modules/osls/bin/serverless.js", import.meta.url));
const NETWORK_GUARD = fileURLToPath(new URL("./no-network.cjs", import.meta.url));

export interface OslsRun {
  code: number;
  /** stdout and stderr together. */
  output: string;
  ms: number;
}

/**
 * Runs `osls <args>` in the project as CI would, offline: no AWS credentials or profile (dummy config
 * files, no instance metadata), osls' telemetry and notifications off, and every TCP connection or DNS
 * lookup of the process tree refused and recorded in `networkLog` (test/serverless/no-network.cjs).
 * `workDir` receives the temporary files of the run.
 */
export const runOsls = (args: string[], networkLog: string, workDir: string): Promise<OslsRun> => {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("AWS_") || key.startsWith("SLS_") || key === "NODE_OPTIONS") continue;
    env[key] = value;
  }
  Object.assign(env, {
    AWS_CONFIG_FILE: `${workDir}/no-aws-config`,
    AWS_SHARED_CREDENTIALS_FILE: `${workDir}/no-aws-credentials`,
    AWS_EC2_METADATA_DISABLED: "true",
    SLS_TELEMETRY_DISABLED: "1",
    SLS_NOTIFICATIONS_MODE: "off",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    NODE_OPTIONS: `--require ${JSON.stringify(NETWORK_GUARD)}`,
    OPS_NETWORK_LOG: networkLog,
    // serverless-esbuild 1.57 zips through `<tmpdir>/<function>-<timestamp>/` and never removes it
    // (a non-recursive remove whose error it swallows): keep those copies in the test's own directory.
    TMPDIR: workDir,
  });
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [OSLS_BIN, ...args],
      { cwd: ROOT, env, timeout: 280_000, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}`, ms: Date.now() - started });
      },
    );
  });
};
