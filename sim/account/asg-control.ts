/**
 * Control routes for the Auto Scaling engine, lifecycle-event delivery and the Outposts metrics
 * (issue 9), mounted by control.ts under `/__sim/`:
 *
 * | method | path | body | answer |
 * |---|---|---|---|
 * | POST | /autoscaling-groups/<name>/replace | `{ instanceId, mode?, subnetId? }` | `{ replacement }` |
 * | POST | /autoscaling-groups/<name>/launch | `{ subnetId?, warmPool? }` | `{ instanceId }` |
 * | POST | /autoscaling-groups/<name>/instances/<id>/terminate | `{ reuse? }` | `{ actions }` |
 * | POST | /autoscaling-groups/<name>/launch-template | `{ instanceType?, networkInterfaces? }` | `{ instanceType, networkInterfaces }` |
 * | GET / POST / DELETE | /lifecycle-events/rules[/<id>] | a delivery rule | `{ rules }` / 201 `{ rule }` / `{ removed }` |
 * | POST | /outposts/<id>/capacity | `{ instanceType, availableCount }` (null = no datapoints) | `{ outpostId }` |
 * | POST | /outposts/<id>/service-link | `{ status: "up" \| "down" }` | `{ outpostId }` |
 * | POST | /outposts/<id>/capacity-shortage | `{ instanceType, shortage: "start" \| "end" }` | `{ outpostId, availableCount }` |
 *
 * A capacity of 0 (a shortage) is what the Outpost publishes and refuses launches of the type on it
 * (asg-launch-failures.ts); its end restores the count in force before it. A launch EC2 refuses answers
 * 409 `{ error: code, message }` (the failed activity is recorded).
 */
import * as z from "zod/mini";
import { launchIntoGroup, launchIntoPool } from "./asg-launch";
import { LaunchFailedError, recordFailedLaunch } from "./asg-launch-failures";
import { replaceInstance } from "./asg-replacement";
import { startTermination } from "./lifecycle-engine";
import { addDeliveryRule } from "./lifecycle-events";
import type { EmitServiceEvent, OutpostModel, RegionState } from "./state";

export interface EngineResponse {
  status: number;
  body: unknown;
}

/** What the routes need of the account: run a change on the settled state at the current time. */
export interface EngineAccount {
  act<T>(change: (state: RegionState, now: number, emit: EmitServiceEvent) => T): T;
}

interface EngineRequest {
  segments: string[];
  verb: string;
  body: unknown;
}

type EngineRoute = (account: EngineAccount, request: EngineRequest) => EngineResponse | undefined;

const ReplaceBody = z.strictObject({
  instanceId: z.string().check(z.minLength(1)),
  mode: z.optional(z.enum(["terminate-and-launch", "launch-before-terminate"])),
  subnetId: z.optional(z.string()),
});
const LaunchBody = z.strictObject({ subnetId: z.optional(z.string()), warmPool: z.optional(z.boolean()) });
const TerminateBody = z.strictObject({ reuse: z.optional(z.boolean()) });
const TemplateBody = z.strictObject({
  instanceType: z.optional(z.string().check(z.minLength(1))),
  networkInterfaces: z.optional(
    z.array(
      z.strictObject({
        deviceIndex: z.int().check(z.gte(1)),
        networkCardIndex: z._default(z.int().check(z.gte(0)), 0),
        deleteOnTermination: z._default(z.boolean(), true),
        description: z._default(z.string(), ""),
      }),
    ),
  ),
});
const RuleBody = z.strictObject({
  action: z.enum(["drop", "delay", "duplicate"]),
  delayMs: z.optional(z.int().check(z.gte(0))),
  times: z.optional(z.int().check(z.gte(1))),
  groupName: z.optional(z.string()),
  hookName: z.optional(z.string()),
  transition: z.optional(
    z.enum(["autoscaling:EC2_INSTANCE_LAUNCHING", "autoscaling:EC2_INSTANCE_TERMINATING"]),
  ),
});
const CapacityBody = z.strictObject({
  instanceType: z.string().check(z.minLength(1)),
  availableCount: z.nullable(z.int().check(z.gte(0))),
});
const LinkBody = z.strictObject({ status: z.enum(["up", "down"]) });
const ShortageBody = z.strictObject({
  instanceType: z.string().check(z.minLength(1)),
  shortage: z.enum(["start", "end"]),
});

function parsed<T>(schema: z.ZodMiniType<T>, body: unknown): { value: T } | { response: EngineResponse } {
  let json = body;
  if (typeof body === "string") {
    try {
      json = body.trim() === "" ? {} : JSON.parse(body);
    } catch {
      return { response: { status: 400, body: { error: "body is not valid JSON" } } };
    }
  }
  const result = z.safeParse(schema, json ?? {});
  if (result.success) return { value: result.data };
  const issues = result.error.issues.map((i) => `${i.path.map(String).join(".") || "(body)"}: ${i.message}`);
  return { response: { status: 400, body: { error: "invalid body", issues } } };
}

const notFound = (what: string): EngineResponse => ({ status: 404, body: { error: `no ${what}` } });

const groupsRoute: EngineRoute = (account, { segments, verb, body }) => {
  const [, name, action, id, sub] = segments;
  if (verb !== "POST" || name === undefined) return undefined;
  return account.act((state, now, emit) => {
    const group = state.autoScalingGroups.get(name);
    if (group === undefined) return notFound(`Auto Scaling group ${name}`);
    if (action === "replace" && segments.length === 3) {
      const input = parsed(ReplaceBody, body);
      if ("response" in input) return input.response;
      if (!group.instances.some((m) => m.instanceId === input.value.instanceId))
        return notFound(`member ${input.value.instanceId}`);
      const replacement = replaceInstance(state, emit, now, {
        groupName: name,
        cause: "manual",
        ...input.value,
      });
      return { status: 200, body: { replacement } };
    }
    if (action === "launch" && segments.length === 3) {
      const input = parsed(LaunchBody, body);
      if ("response" in input) return input.response;
      try {
        const instanceId =
          input.value.warmPool === true
            ? launchIntoPool(state, emit, now, group)
            : launchIntoGroup(
                state,
                emit,
                now,
                group,
                input.value.subnetId === undefined ? {} : { subnetId: input.value.subnetId },
              );
        return { status: 200, body: { instanceId } };
      } catch (error) {
        if (!(error instanceof LaunchFailedError)) throw error;
        recordFailedLaunch(state, emit, now, group, error, "A launch requested through the control API.");
        return { status: 409, body: { error: error.refusal.code, message: error.refusal.message } };
      }
    }
    if (action === "launch-template" && segments.length === 3) {
      // A new version of the group's launch template ($Latest): the next launches use it.
      const input = parsed(TemplateBody, body);
      if ("response" in input) return input.response;
      if (input.value.instanceType !== undefined && !state.instanceTypes.has(input.value.instanceType))
        return notFound(`instance type ${input.value.instanceType}`);
      const policies = group.policies ?? { launchInterfaces: [] };
      if (input.value.instanceType !== undefined) policies.launchInstanceType = input.value.instanceType;
      if (input.value.networkInterfaces !== undefined)
        policies.launchInterfaces = input.value.networkInterfaces;
      group.policies = policies;
      return {
        status: 200,
        body: { instanceType: policies.launchInstanceType, networkInterfaces: policies.launchInterfaces },
      };
    }
    if (action === "instances" && sub === "terminate" && id !== undefined && segments.length === 5) {
      const input = parsed(TerminateBody, body);
      if ("response" in input) return input.response;
      const member = group.instances.find((m) => m.instanceId === id);
      if (member === undefined) return notFound(`member ${id}`);
      const actions = startTermination(state, emit, now, group, member, input.value);
      return {
        status: 200,
        body: { actions: actions.map((a) => ({ token: a.token, hookName: a.hookName })) },
      };
    }
    return undefined;
  });
};

const lifecycleEventsRoute: EngineRoute = (account, { segments, verb, body }) => {
  if (segments[1] !== "rules") return undefined;
  const id = segments[2];
  return account.act((state) => {
    const rules = state.asg.deliveryRules;
    if (segments.length === 2 && verb === "GET") return { status: 200, body: { rules } };
    if (segments.length === 2 && verb === "POST") {
      const input = parsed(RuleBody, body);
      if ("response" in input) return input.response;
      return { status: 201, body: { rule: addDeliveryRule(state, input.value) } };
    }
    if (verb !== "DELETE") return undefined;
    const before = rules.length;
    for (let i = rules.length - 1; i >= 0; i -= 1)
      if (id === undefined || rules[i]?.id === id) rules.splice(i, 1);
    if (id !== undefined && before === rules.length) return notFound(`rule ${id}`);
    return { status: 200, body: { removed: before - rules.length } };
  });
};

const outpostsRoute: EngineRoute = (account, { segments, verb, body }) => {
  const [, id, what] = segments;
  if (verb !== "POST" || id === undefined || segments.length !== 3) return undefined;
  return account.act((state, now) => {
    const outpost = state.outposts.get(id);
    if (outpost === undefined) return notFound(`Outpost ${id}`);
    if (what === "capacity") {
      const input = parsed(CapacityBody, body);
      if ("response" in input) return input.response;
      const type = outpost.instanceTypes.find((t) => t.instanceType === input.value.instanceType);
      if (type === undefined) return notFound(`instance type ${input.value.instanceType} on ${id}`);
      type.changes = [...(type.changes ?? []), { at: now, value: input.value.availableCount }];
      return { status: 200, body: { outpostId: id } };
    }
    if (what === "capacity-shortage") {
      const input = parsed(ShortageBody, body);
      if ("response" in input) return input.response;
      const type = outpost.instanceTypes.find((t) => t.instanceType === input.value.instanceType);
      if (type === undefined) return notFound(`instance type ${input.value.instanceType} on ${id}`);
      const availableCount = input.value.shortage === "start" ? 0 : countBeforeShortage(type);
      type.changes = [...(type.changes ?? []), { at: now, value: availableCount }];
      return { status: 200, body: { outpostId: id, availableCount } };
    }
    if (what === "service-link") {
      const input = parsed(LinkBody, body);
      if ("response" in input) return input.response;
      const link = outpost.serviceLink ?? { up: true, changes: [] };
      link.changes.push({ at: now, up: input.value.status === "up" });
      outpost.serviceLink = link;
      return { status: 200, body: { outpostId: id } };
    }
    return undefined;
  });
};

/** The count in force before the latest drop to 0 (a shortage's end restores it). */
function countBeforeShortage(type: OutpostModel["instanceTypes"][number]): number | null {
  let value = type.availableCount;
  let before = value;
  for (const c of type.changes ?? []) {
    if (c.value === 0 && value !== 0) before = value;
    value = c.value;
  }
  return before === 0 ? 1 : before;
}

/** Mounted by control.ts. */
export const ENGINE_ROUTES: readonly [string, EngineRoute][] = [
  ["autoscaling-groups", groupsRoute],
  ["lifecycle-events", lifecycleEventsRoute],
  ["outposts", outpostsRoute],
];
