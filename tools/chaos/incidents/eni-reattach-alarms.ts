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
 * Captures what the handlers print during one invocation, with Powertools metrics on, and hands the EMF
 * lines to the account at the simulated time (Powertools stamps them with the wall clock).
 */
export class EmfCapture {
  #saved:
    | { write: typeof process.stdout.write; warn: typeof process.stderr.write; disabled: string | undefined }
    | undefined;
  #lines: string[] = [];

  start(): void {
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
    this.#lines = [];
    process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = String(chunk);
      if (!text.includes('"_aws"'))
        return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
      this.#lines.push(...text.split("\n").filter((l) => l.trim().startsWith("{")));
      return true;
    }) as typeof process.stdout.write;
  }

  /** Restores stdout and the environment; the captured lines go to the account at `now`. */
  stop(account: SimulatedAccount): void {
    const saved = this.#saved;
    if (saved === undefined) return;
    process.stdout.write = saved.write;
    process.stderr.write = saved.warn;
    if (saved.disabled === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = saved.disabled;
    this.#saved = undefined;
    const now = account.clock.nowMs();
    const lines = this.#lines.map((line) => {
      const doc = JSON.parse(line) as { _aws?: { Timestamp?: number } };
      if (doc._aws !== undefined) doc._aws.Timestamp = now;
      return JSON.stringify(doc);
    });
    if (lines.length > 0) account.network.ingestLogEvents(lines);
  }
}
