/**
 * Package-time configuration (tools/serverless-config.cjs) and its command line (tools/check-config.ts).
 * (`check-config` without arguments lists config/: tested in template.test.ts, which also writes a
 * temporary stage file there.)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseStageConfig } from "../../functions/config";
import { ROOT } from "./osls";

interface Resolved {
  opsConfigJson: string;
  config: unknown;
  idleHibernate: { alarmNamePrefix: string; stopInstancesCondition: unknown };
  actionEvents: { eventBusArn: string };
  lambda: { attemptsMs: number; backoffMs: number; worstCaseMs: number; timeoutSeconds: number };
  vfxtIpMove: { timeoutSeconds: number };
}
interface Helper {
  resolveConfig(input: unknown, meta: { source: string; stage?: string; service?: string }): Resolved;
  loadStageConfig(stage: string, options?: { file?: string; service?: string }): Resolved;
  availableStages(): string[];
  StageConfigError: new (...args: never[]) => Error & { issues: string[] };
}

const helper = createRequire(import.meta.url)("../../tools/serverless-config.cjs") as Helper;
const work = mkdtempSync(join(tmpdir(), "ops-toolkit-config-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const issuesOf = (
  input: unknown,
  meta: { source: string; stage?: string; service?: string } = { source: "test" },
) => {
  try {
    helper.resolveConfig(input, meta);
  } catch (error) {
    if (error instanceof helper.StageConfigError) return error.issues;
    throw error;
  }
  throw new Error("expected the configuration to be rejected");
};

describe("config/*.json", () => {
  it("ships dev, prod and ci", () => {
    expect(helper.availableStages()).toEqual(expect.arrayContaining(["ci", "dev", "prod"]));
  });

  // A fixed list: template.test.ts writes a short-lived invalid config/<stage>.json while it runs.
  it.each(["ci", "dev", "prod"])(
    "config/%s.json is valid and resolves to the schema's defaults-filled form",
    (stage) => {
      const resolved = helper.loadStageConfig(stage, { service: "ops-toolkit" });
      const raw = JSON.parse(readFileSync(join(ROOT, "config", `${stage}.json`), "utf8")) as unknown;
      expect(JSON.parse(resolved.opsConfigJson)).toEqual(parseStageConfig(raw, stage));
    },
  );

  it("prod starts safe: dry-run", () => {
    expect(helper.loadStageConfig("prod").config).toMatchObject({ mode: "dry-run" });
  });
});

describe("resolveConfig", () => {
  it("reports the zod issues with their paths", () => {
    expect(issuesOf({ mode: "yolo", aws: { maxAttempts: 0 } })).toEqual([
      'mode: Invalid option: expected one of "plan"|"dry-run"|"apply"',
      "aws.maxAttempts: Too small: expected number to be >=1",
    ]);
  });

  it("rejects keys the schema does not know (a typo would silently keep the default)", () => {
    expect(
      issuesOf({ idleHibernate: { alarmPrefix: "x-", optInTag: { key: "k", value: "v", vaule: "w" } } }),
    ).toEqual([
      "idleHibernate.alarmPrefix: unknown key (not in the configuration schema)",
      "idleHibernate.optInTag.vaule: unknown key (not in the configuration schema)",
    ]);
    expect(() =>
      helper.resolveConfig({ $schema: "../docs/schema/config.schema.json" }, { source: "t" }),
    ).not.toThrow();
  });

  it("rejects a non-object and serverless variable syntax", () => {
    expect(issuesOf([])).toEqual(["(root): expected a JSON object ({} takes every default)"]);
    expect(issuesOf({ actionEvents: { source: `\${self:service}` } })[0]).toContain('"${" is not allowed');
  });

  it("rejects an alarm-name prefix that would match the toolkit's own alarm", () => {
    expect(
      issuesOf(
        { idleHibernate: { alarmNamePrefix: "ops-" } },
        { source: "t", stage: "dev", service: "ops-toolkit" },
      )[0],
    ).toContain('"ops-" would also match the toolkit\'s own alarm "ops-toolkit-dev-failed-events"');
  });

  it("derives the IAM values from the configuration", () => {
    const resolved = helper.resolveConfig(
      {
        idleHibernate: { optInTag: { key: "team:hibernate", value: "yes" } },
        actionEvents: { eventBusName: "ops" },
      },
      { source: "t" },
    );
    expect(resolved.idleHibernate.stopInstancesCondition).toEqual({
      StringEquals: { "aws:ResourceTag/team:hibernate": "yes" },
    });
    expect(resolved.actionEvents.eventBusArn).toBe(
      `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/ops`,
    );
    const arn = "arn:aws:events:eu-west-1:111122223333:event-bus/central";
    expect(
      helper.resolveConfig({ actionEvents: { eventBusName: arn } }, { source: "t" }).actionEvents.eventBusArn,
    ).toBe(arn);
  });

  it("sizes the Lambda timeout from retries, timeouts and verification (60 s floor, 900 s ceiling)", () => {
    expect(helper.resolveConfig({}, { source: "t" }).lambda).toMatchObject({
      attemptsMs: 5 * (1000 + 3000),
      // The SDK's 2026 retry behaviour: throttling backoff from 1,000 ms, doubling (review7 F6).
      backoffMs: 1000 + 2000 + 4000 + 8000,
      worstCaseMs: 20_000 + 15_000 + 5000 + 1500 + 10_000,
      timeoutSeconds: 60,
    });
    const slow = helper.resolveConfig(
      { aws: { maxAttempts: 10, requestTimeoutMs: 10_000, connectionTimeoutMs: 2000 } },
      { source: "t" },
    ).lambda;
    expect(slow.timeoutSeconds).toBe(Math.ceil(slow.worstCaseMs / 1000));
    expect(slow.timeoutSeconds).toBeGreaterThan(60);
    expect(
      issuesOf({ aws: { maxAttempts: 10, requestTimeoutMs: 60_000, connectionTimeoutMs: 30_000 } })[0],
    ).toContain("more than Lambda's 900 s");
  });

  it("refuses a vfxt-ip-move grace the invocation could never wait within Lambda's 900 s", () => {
    const cluster = { name: "c", addresses: ["10.20.1.101"] };
    expect(issuesOf({ vfxtIpMove: { clusters: [{ ...cluster, graceSeconds: 900 }] } })[0]).toContain(
      "vfxtIpMove.clusters[].graceSeconds",
    );
    const accepted = helper.resolveConfig(
      { vfxtIpMove: { clusters: [{ ...cluster, graceSeconds: 600 }] } },
      { source: "t" },
    );
    expect(accepted.vfxtIpMove.timeoutSeconds).toBeLessThanOrEqual(900);
  });
});

describe("tools/check-config.ts", () => {
  const tsx = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
  const run = (...args: string[]) => {
    try {
      return {
        code: 0,
        output: execFileSync(process.execPath, [tsx, "tools/check-config.ts", ...args], {
          cwd: ROOT,
          encoding: "utf8",
          stdio: "pipe",
        }),
      };
    } catch (error) {
      const failed = error as { status: number; stdout: string; stderr: string };
      return { code: failed.status, output: `${failed.stdout}${failed.stderr}` };
    }
  };

  it("checks the stages given", () => {
    const result = run("dev", "ci");
    expect(result.code).toBe(0);
    expect(result.output).toContain("✓ config/dev.json (stage dev)");
    expect(result.output).toContain("✓ config/ci.json (stage ci)");
  });

  it("prints the resolved configuration of one stage", () => {
    const result = run("prod");
    expect(result.code).toBe(0);
    expect(result.output).toContain('"mode": "dry-run"');
    expect(result.output).toContain('"alarmNamePrefix": "ops-idle-"');
  });

  it("exits 1 with the issues of an invalid file", () => {
    const file = join(work, "bad.json");
    writeFileSync(file, JSON.stringify({ mode: "yolo" }));
    const result = run(file);
    expect(result.code).toBe(1);
    expect(result.output).toContain('mode: Invalid option: expected one of "plan"|"dry-run"|"apply"');
  });

  it("warns, exit 0, of a dx-failover family judged on BGP alone (IPv6 CIDRs, IPv4 probe targets only)", () => {
    const file = join(work, "dual-stack.json");
    const dxGroup = {
      name: "lz-prod",
      cidrs: ["10.100.0.0/16", "2001:db8:100::/48"],
      applianceEniId: "eni-0123456789abcdef0",
      probe: { directConnect: ["10.100.0.53:53"], vpn: ["10.100.0.53:53"] },
    };
    writeFileSync(file, JSON.stringify({ dxFailover: { groups: [dxGroup] } }));
    const result = run(file);
    expect(result.code).toBe(0);
    expect(result.output).toContain(
      "⚠ dxFailover group lz-prod: IPv6 CIDRs (2001:db8:100::/48) but no IPv6 Direct Connect probe target",
    );
  });

  it("exits 1 listing the stages for an unknown stage", () => {
    const result = run("nope");
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/Available stages: .*dev/);
  });
});
