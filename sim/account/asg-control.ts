/**
 * Control routes for the Auto Scaling engine, lifecycle-event delivery and the Outposts metrics
 * (issue 9), mounted by control.ts under `/__sim/`:
 *
 * | method | path | body | answer |
 * |---|---|---|---|
 * | POST | /autoscaling-groups/<name>/replace | `{ instanceId, mode?, subnetId? }` | `{ replacement }` |
 * | POST | /autoscaling-groups/<name>/launch | `{ subnetId?, warmPool? }` | `{ instanceId }` |
 * | POST | /autoscaling-groups/<name>/instances/<id>/terminate | `{ reuse? }` | `{ actions }` |
 * | GET / POST / DELETE | /lifecycle-events/rules[/<id>] | a delivery rule | `{ rules }` / 201 `{ rule }` / `{ removed }` |
 * | POST | /outposts/<id>/capacity | `{ instanceType, availableCount }` (null = no datapoints) | `{ outpostId }` |
 * | POST | /outposts/<id>/service-link | `{ status: "up" \| "down" }` | `{ outpostId }` |
 */
import * as z from "zod/mini";
import { launchIntoGroup, launchIntoPool } from "./asg-launch";
import { replaceInstance } from "./asg-replacement";
import { startTermination } from "./lifecycle-engine";
import { addDeliveryRule } from "./lifecycle-events";
import type { EmitServiceEvent, RegionState } from "./state";

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

/** Mounted by control.ts. */
export const ENGINE_ROUTES: readonly [string, EngineRoute][] = [
  ["autoscaling-groups", groupsRoute],
  ["lifecycle-events", lifecycleEventsRoute],
  ["outposts", outpostsRoute],
];
