import { parseEvents } from "../../shared/events";
import { InvalidEventError } from "../../shared/runtime/errors";
import { type BuildHandler, createHandler, createRuntime } from "../../shared/runtime/handler";
import { StageConfigSchema } from "../config";
import { CAPABILITY, runVfxtIpMove, type VfxtInput } from "./move";

/**
 * vfxt-ip-move: moves a failed Avere vFXT node's client-facing addresses (secondary private IPs or
 * /32 routes) to the healthy nodes of its cluster.
 * Triggers: EventBridge "EC2 Instance State-change Notification" (stopping, stopped, shutting-down,
 * terminated; running when a node returns), CloudWatch alarm state changes of the nodes' status-check
 * alarms (any shape), and a schedule that reconciles every configured cluster.
 */
export const parseVfxtInput = (raw: unknown): VfxtInput => {
  const events = parseEvents(raw);
  const first = events[0];
  if (first?.kind === "schedule") return { kind: "reconcile", tick: first };
  if (first?.kind === "ec2-state-change" && events.length === 1) return { kind: "instance", change: first };
  const changes = events.flatMap((event) => (event.kind === "alarm-change" ? [event] : []));
  if (changes.length === 0 || changes.length !== events.length) {
    throw new InvalidEventError(
      "vfxt-ip-move accepts EC2 instance state changes, CloudWatch alarm state changes and schedules only",
      { parser: CAPABILITY, issues: events.map((event) => `unexpected ${event.kind} event`) },
    );
  }
  return { kind: "alarms", changes };
};

/** Builds the handler from an environment: the deployed one reads process.env at cold start. */
export const buildHandler: BuildHandler = (env = process.env, overrides = {}) =>
  createHandler(createRuntime(CAPABILITY, StageConfigSchema, env, overrides), {
    capability: CAPABILITY,
    parse: parseVfxtInput,
    run: (input, context) => runVfxtIpMove(input, context),
  });

export const handler = buildHandler();
