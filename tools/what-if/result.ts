/**
 * From a what-if's recording to its result's parts: the invocations (decision, actions, writes with
 * their parameters, reads counted), the calls in total, and the final state of the scenario's resources.
 */
import type { StageConfig } from "../../functions/config";
import type { SimulatedAccount } from "../../sim/account/index";
import type { Delivered } from "../chaos/driver";
import { dxView } from "../chaos/invariants/dx-failover";
import { routesByDestination } from "./changes";
import { isWrite, type Recorded } from "./record";
import type { Scenario } from "./scenarios";
import type { FinalState, InvocationEntry, WhatIfResult } from "./types";

type Json = Record<string, unknown>;

/** One line per action: its description and each resource's status (details are in the JSON's result). */
const actionLines = (result: unknown): string[] => {
  const actions = (result as { actions?: unknown } | null)?.actions;
  if (!Array.isArray(actions)) return [];
  return actions.map((a: Json) => {
    const resources = Array.isArray(a.resources) ? (a.resources as Json[]) : [];
    const statuses = resources.map((r) => `${String(r.status ?? "")} ${String(r.resource ?? "")}`.trim());
    return `${String(a.description ?? "action")}: ${statuses.join(", ") || "(no resources)"}`;
  });
};

const decisionOf = (record: Recorded, delivered: Delivered | undefined): string => {
  if (delivered?.outcome.startsWith("timed out") === true) return delivered.outcome;
  if (record.report.error !== undefined) return "failed";
  const result = record.report.result as Json | undefined;
  const word = result?.decision ?? result?.outcome ?? result?.status;
  return typeof word === "string" ? word : "done";
};

const errorText = (error: unknown): string | undefined =>
  error === undefined
    ? undefined
    : error instanceof Error
      ? `${error.name}: ${error.message}`
      : String(error);

/** The invocations, zipped with the driver's deliveries (same order: one delivery per invocation). */
export const invocationEntries = (
  recorded: readonly Recorded[],
  delivered: readonly Delivered[],
  shift: number,
): InvocationEntry[] =>
  recorded.map((record, k) => {
    const d = delivered[k];
    const reads: Record<string, number> = {};
    for (const c of record.report.calls.filter((call) => !isWrite(call.operation)))
      reads[c.operation] = (reads[c.operation] ?? 0) + 1;
    const error = errorText(record.report.error);
    return {
      at: record.start - shift,
      function: record.report.function,
      via: d?.via ?? "",
      attempt: d?.attempt ?? 0,
      decision: decisionOf(record, d),
      actions: actionLines(record.report.result),
      ...(error === undefined ? {} : { error }),
      writes: record.report.calls
        .filter((c) => isWrite(c.operation))
        .map((c) => ({
          operation: `${c.service}:${c.operation}`,
          input: c.input,
          outcome: c.outcome === "ok" ? "ok" : (c.error?.code ?? "error"),
        })),
      reads,
      tookMs: record.report.simulatedMs,
    };
  });

export const readCount = (invocations: readonly InvocationEntry[]): WhatIfResult["calls"] => {
  const readsByOperation: Record<string, number> = {};
  for (const i of invocations)
    for (const [op, n] of Object.entries(i.reads)) readsByOperation[op] = (readsByOperation[op] ?? 0) + n;
  return {
    writes: invocations.reduce((n, i) => n + i.writes.length, 0),
    reads: Object.values(readsByOperation).reduce((n, k) => n + k, 0),
    readsByOperation,
  };
};

/** The scenario's resources at the end: routes of its tables, ENIs, addresses, instances. */
export const finalState = (
  account: SimulatedAccount,
  config: StageConfig,
  scenario: Scenario,
): FinalState => {
  const s = account.snapshot();
  const routes: FinalState["routes"] = {};
  for (const id of scenario.shows.routeTables) {
    const table = routesByDestination(s.routeTables[id]?.Routes ?? {});
    const cidrs = scenario.shows.cidrs;
    routes[id] = Object.fromEntries(
      Object.entries(table).filter(([dest]) => cidrs.length === 0 || cidrs.includes(dest)),
    );
  }
  const enis: FinalState["enis"] = {};
  const addresses: FinalState["addresses"] = {};
  for (const id of scenario.shows.enis) {
    const e = s.networkInterfaces[id];
    enis[id] =
      e?.Attachment === undefined ? "detached" : `${e.Attachment.InstanceId} #${e.Attachment.DeviceIndex}`;
    if (scenario.capability === "vfxt-ip-move") addresses[id] = e?.PrivateIpAddresses ?? [];
  }
  const instances: FinalState["instances"] = {};
  // A replaced firewall's group has new members by now.
  const members = Object.keys(s.autoScalingGroups[scenario.target]?.Instances ?? {});
  for (const id of [...new Set([...scenario.shows.instances, ...members])].sort()) {
    const member = Object.values(s.autoScalingGroups).find((g) => g.Instances[id] !== undefined)?.Instances[
      id
    ];
    instances[id] =
      `${s.instances[id]?.State ?? "gone"}${member ? ` (${member.LifecycleState}, ${member.HealthStatus})` : ""}`;
  }
  const notes: string[] = [...(scenario.notes ?? [])];
  if (scenario.capability === "dx-failover") {
    const view = dxView(account, config.dxFailover, () => ({
      directConnectUp: true,
      vpnUp: true,
      applianceEnis: [],
    }));
    for (const [name, g] of Object.entries(view.groups))
      notes.push(`group ${name}: active path ${g.active}, flaps ${g.flaps}`);
  }
  return { routes, enis, addresses, instances, notes };
};
