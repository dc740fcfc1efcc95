import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The deployed bundle loads the X-Ray SDK only when tracing is on. Observed from outside: the SDK opens a
 * UDP socket module (`dgram`) to reach the X-Ray daemon, which nothing else in a bundle loads.
 */

const ROOT = join(__dirname, "..", "..", "..");
const plugins = createRequire(import.meta.url)(join(ROOT, "tools", "esbuild-plugins.cjs"));
let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ops-bundle-"));
  bundle = join(dir, "idle-hibernate.cjs");
  // The settings serverless.yml gives serverless-esbuild (custom.esbuild).
  await build({
    entryPoints: [join(ROOT, "functions/idle-hibernate/hibernate/handler.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "cjs",
    mainFields: ["module", "main"],
    minify: true,
    keepNames: true,
    target: "node22",
    plugins,
    logLevel: "error",
  });
}, 60_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Loads the bundle in a fresh process and lists the Node modules loaded once its cold start settled. */
const loadedModules = (env: Record<string, string>): string[] => {
  const script = `require(${JSON.stringify(bundle)}); setImmediate(() => process.stdout.write(JSON.stringify(process.moduleLoadList)));`;
  const run = spawnSync(process.execPath, ["-e", script], {
    env: {
      PATH: process.env.PATH ?? "",
      AWS_REGION: "us-east-1",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
      ...env,
    },
    encoding: "utf8",
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as string[];
};

describe("the idle-hibernate bundle's cold start", () => {
  it("does not load the X-Ray SDK outside Lambda", () => {
    expect(loadedModules({})).not.toContain("NativeModule dgram");
  });

  it("does not load it in Lambda with POWERTOOLS_TRACE_ENABLED=false", () => {
    const modules = loadedModules({
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
      POWERTOOLS_TRACE_ENABLED: "false",
    });
    expect(modules).not.toContain("NativeModule dgram");
  });

  it("loads it during the cold start when tracing is on (deployed with tracing active)", () => {
    expect(loadedModules({ AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x" })).toContain("NativeModule dgram");
  });
});

describe("the idle-hibernate bundle's credentials", () => {
  it("come from the environment only: the default chain's SSO, INI, process and STS code is not bundled", () => {
    const source = readFileSync(bundle, "utf8");
    expect(source).toContain("AWS_SECRET_ACCESS_KEY");
    for (const absent of ["AssumeRoleWithWebIdentity", "sso_start_url", "credential_process", "sso-oidc"]) {
      expect(source).not.toContain(absent);
    }
  });
});
