/**
 * The operator's side of eni-reattach in a chaos run: the stack's per-group alarms (serverless.yml
 * `eniReattachResources`, built by tools/serverless-config.cjs from the same configuration section) are
 * created in the simulated account, and the metrics the functions publish (Powertools EMF on stdout, which
 * Lambda ships to CloudWatch Logs, where CloudWatch extracts them) are fed to the account's EMF extraction.
 * So "every replacement ends with all ENIs on the serving instance **or an alarm**" is judged on the alarm
 * the operator would get, from the datapoints the function really published.
 */
import { createRequire } from "node:module";
import type { EniReattachConfig } from "../../../functions/eni-reattach/config";
import type { SimulatedAccount } from "../../../sim/account/index";

/** serverless.yml's `service` and the chaos stage (the alarm names carry both). */
const SERVICE = "ops-toolkit";
const STAGE = "dev";

interface AlarmResource {
  Properties: Record<string, unknown>;
}
const { eniReattachAlarmResources } = createRequire(import.meta.url)("../../serverless-config.cjs") as {
  eniReattachAlarmResources: (
    eni: EniReattachConfig,
    service: string,
    stage: string,
  ) => Record<string, AlarmResource>;
};

/** The stack's eni alarms of every group, without their SNS actions (no topic in the account). */
export const installEniAlarms = async (
  account: SimulatedAccount,
  config: EniReattachConfig,
): Promise<void> => {
  // Each dispatch runs synchronously up to its answer: every alarm exists when this returns.
  const puts = Object.values(eniReattachAlarmResources(config, SERVICE, STAGE)).map((resource) => {
    const { AlarmActions: _a, OKActions: _o, ...props } = resource.Properties;
    return account.dispatch(
      {
        service: "monitoring",
        operation: "PutMetricAlarm",
        region: account.region,
        requestId: "chaos-alarms",
      },
      props,
    );
  });
  await Promise.all(puts);
};

/** The prefix of a group's alarm names. */
export const eniAlarmPrefix = (group: string): string => `${SERVICE}-${STAGE}-eni-${group}-`;

const COMPARE: Record<string, (v: number, t: number) => boolean> = {
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  GreaterThanThreshold: (v, t) => v > t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

/**
 * The group's alarms in ALARM on at least one breaching datapoint the functions published (an alarm
 * breaching only on missing data, e.g. during the driver's collapsed quiet reconciles, does not count).
 */
export const raisedEniAlarms = (account: SimulatedAccount, group: string): string[] =>
  [...account.state().metricAlarms.values()]
    .map((m) => m.alarm)
    .filter((a) => (a.AlarmName ?? "").startsWith(eniAlarmPrefix(group)) && a.StateValue === "ALARM")
    .filter((a) => {
      const data = JSON.parse(a.StateReasonData ?? "{}") as { recentDatapoints?: number[] };
      const test = COMPARE[a.ComparisonOperator ?? ""];
      return (data.recentDatapoints ?? []).some((v) => test?.(v, a.Threshold ?? 0) === true);
    })
    .map((a) => a.AlarmName ?? "");

/**
 * Captures what the handlers print while invocations run, with Powertools metrics on, and hands the EMF
 * lines to the account stamped with the simulated time they were printed at (Powertools stamps them with
 * the wall clock). Invocations of different functions overlap (the driver runs them concurrently), so the
 * capture is counted: stdout is restored only when the last running invocation ends, and no line printed
 * by an overlapping invocation escapes to the terminal or misses the account.
 */
export class EmfCapture {
  readonly #account: SimulatedAccount;
  #saved:
    | { write: typeof process.stdout.write; warn: typeof process.stderr.write; disabled: string | undefined }
    | undefined;
  #running = 0;
  #lines: { line: string; atMs: number }[] = [];

  constructor(account: SimulatedAccount) {
    this.#account = account;
  }

  start(): void {
    this.#running += 1;
    if (this.#saved !== undefined) return;
    const write = process.stdout.write;
    const warn = process.stderr.write;
    this.#saved = { write, warn, disabled: process.env.POWERTOOLS_METRICS_DISABLED };
    // Powertools warns on stderr when an invocation published no metric: expected here, not news.
    process.stderr.write = ((chunk: unknown, ...rest: unknown[]) =>
      String(chunk).includes("No application metrics to publish")
        ? true
        : (warn as (...a: unknown[]) => boolean).call(
            process.stderr,
            chunk,
            ...rest,
          )) as typeof process.stderr.write;
    process.env.POWERTOOLS_METRICS_DISABLED = "false";
    process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = String(chunk);
      if (!text.includes('"_aws"'))
        return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
      const atMs = this.#account.clock.nowMs();
      for (const line of text.split("\n")) if (line.trim().startsWith("{")) this.#lines.push({ line, atMs });
      return true;
    }) as typeof process.stdout.write;
  }

  /** One invocation ended: the lines printed so far go to the account; the last one restores stdout. */
  stop(): void {
    const saved = this.#saved;
    if (saved === undefined) return;
    this.#running = Math.max(0, this.#running - 1);
    if (this.#running === 0) {
      process.stdout.write = saved.write;
      process.stderr.write = saved.warn;
      if (saved.disabled === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
      else process.env.POWERTOOLS_METRICS_DISABLED = saved.disabled;
      this.#saved = undefined;
    }
    const lines = this.#lines.map(({ line, atMs }) => {
      const doc = JSON.parse(line) as { _aws?: { Timestamp?: number } };
      if (doc._aws !== undefined) doc._aws.Timestamp = atMs;
      return JSON.stringify(doc);
    });
    this.#lines = [];
    if (lines.length > 0) this.#account.network.ingestLogEvents(lines);
  }
}
