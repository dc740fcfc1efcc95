import { readFileSync } from "node:fs";
import { parseStageConfig } from "../../../functions/config";
import type { EniReattachConfig } from "../../../functions/eni-reattach/config";
import type { ServiceEvent } from "../../../sim/account/state";
import type { Harness, InvocationReport } from "../../../sim/harness";
import {
  checkEniReattachSettled,
  checkEniReattachStep,
  type EniReattachStep,
  type Violation,
} from "../../../tools/chaos/invariants/eni-reattach";
import type { Fixture } from "../../support/fixtures";
import { account, instance, member } from "./support";

/**
 * Runs the real eni-reattach handler the way the deployed stack would, on the simulated clock: every
 * lifecycle event Auto Scaling emits for a configured group is delivered (the EventBridge rule), a
 * failed invocation is retried by Lambda (twice, 1 and 2 minutes later), and the reconcile runs every 5
 * minutes. After every invocation the invariants of tools/chaos/invariants/eni-reattach.ts are checked.
 */

const RECONCILE_MS = 300_000;
const RETRY_DELAYS_MS = [60_000, 120_000];

/** The firewall serving: OLD running, InService, Healthy, with the three ENIs; no replacement yet. */
export const serving = (edit?: (raw: Fixture) => void): Fixture => {
  const raw = account();
  const old = instance(raw, "i-0f1e2d3c4b5a60001");
  Object.assign(old, { state: "running" });
  delete old.stateSince;
  raw.instances = raw.instances.filter((i) => i.id === old.id);
  raw.lifecycleActions = [];
  const group = raw.autoScalingGroups[0];
  if (group !== undefined) group.instances = [{ instanceId: old.id, lifecycleState: "InService" }];
  Object.assign(member(raw, old.id), { healthStatus: "Healthy" });
  edit?.(raw);
  return raw;
};

interface Delivery {
  at: number;
  event: unknown;
  attempt: number;
}

export class FirewallDriver {
  readonly violations: Violation[] = [];
  readonly reports: InvocationReport[] = [];
  readonly config: EniReattachConfig;
  #seen = 0;
  #queue: Delivery[] = [];
  #nextReconcile: number;

  constructor(
    readonly harness: Harness,
    readonly env: Record<string, string>,
    readonly options: {
      drop?: (event: ServiceEvent) => boolean;
      reconcile?: boolean;
      /** Lambda's timeout of each invocation; by default the packaged one (the harness's default). */
      timeoutMs?: number;
    } = {},
  ) {
    this.config = parseStageConfig(JSON.parse(env.OPS_CONFIG ?? "{}"), "OPS_CONFIG").eniReattach;
    this.#nextReconcile = harness.account.clock.nowMs() + RECONCILE_MS;
  }

  get now(): number {
    return this.harness.account.clock.nowMs();
  }

  subnets(): EniReattachStep["subnets"] {
    const out: Record<string, { vpcId: string; availabilityZone: string; outpostArn?: string }> = {};
    for (const s of this.harness.account.state().subnets.values())
      out[s.id] = {
        vpcId: s.vpcId,
        availabilityZone: s.availabilityZone,
        ...(s.outpostArn ? { outpostArn: s.outpostArn } : {}),
      };
    return out;
  }

  maxInterfaces = (type: string, card: number): number | undefined =>
    this.harness.account
      .state()
      .instanceTypes.get(type)
      ?.networkCards.find((c) => c.index === card)?.maximumNetworkInterfaces;

  /** One invocation, its invariants, and Lambda's retries of a retryable failure. */
  async invoke(event: unknown, attempt = 0): Promise<InvocationReport> {
    const timeoutMs = this.options.timeoutMs;
    const report = await this.harness.invoke("eni-reattach", event, {
      env: this.env,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    this.reports.push(report);
    const step = {
      before: report.before,
      after: report.after,
      calls: report.calls,
      subnets: this.subnets(),
      maxInterfaces: this.maxInterfaces,
    };
    this.violations.push(...checkEniReattachStep(step, this.config));
    if (report.error !== undefined && attempt < RETRY_DELAYS_MS.length) {
      this.#queue.push({ at: this.now + (RETRY_DELAYS_MS[attempt] ?? 0), event, attempt: attempt + 1 });
    }
    return report;
  }

  /** Lifecycle events of configured groups that the rule would deliver, once each. */
  #newEvents(): ServiceEvent[] {
    const events = this.harness.account.serviceEvents.slice(this.#seen);
    this.#seen += events.length;
    const groups = new Set(this.config.groups.map((g) => g.name));
    return events.filter(
      (e) =>
        e.source === "aws.autoscaling" &&
        /Lifecycle Action$/.test(e["detail-type"]) &&
        groups.has(String(e.detail.AutoScalingGroupName)) &&
        !(this.options.drop?.(e) ?? false),
    );
  }

  #reconcileEvent(): unknown {
    const e = JSON.parse(readFileSync("events/eni-reattach/schedule-reconcile.json", "utf8")) as Record<
      string,
      unknown
    >;
    e.id = `reconcile-${this.now}`;
    e.time = new Date(this.now).toISOString().replace(/\.\d{3}Z$/, "Z");
    return e;
  }

  /** Delivers what is due: new events, retries, the reconcile. */
  async deliver(): Promise<void> {
    for (const event of this.#newEvents()) await this.invoke(event);
    const due = this.#queue.filter((d) => d.at <= this.now);
    this.#queue = this.#queue.filter((d) => d.at > this.now);
    for (const d of due) await this.invoke(d.event, d.attempt);
    if ((this.options.reconcile ?? true) && this.now >= this.#nextReconcile) {
      this.#nextReconcile = this.now + RECONCILE_MS;
      await this.invoke(this.#reconcileEvent());
    }
  }

  /** Simulated time passes in steps; what is due is delivered after each. */
  async runFor(ms: number, stepMs = 1000): Promise<void> {
    const end = this.now + ms;
    await this.deliver();
    while (this.now < end) {
      this.harness.advance(Math.min(stepMs, end - this.now));
      await this.deliver();
    }
  }

  settled(): Violation[] {
    return checkEniReattachSettled(this.harness.account.snapshot(), this.subnets(), this.config);
  }

  /** The decisions of every invocation, in order. */
  decisions(): string[] {
    return this.reports.map((r) =>
      String((r.result as { decision?: string } | undefined)?.decision ?? `error: ${String(r.error)}`),
    );
  }

  calls(operation: string) {
    return this.reports.flatMap((r) => r.calls.filter((c) => c.operation === operation));
  }
}
