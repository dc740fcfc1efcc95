import type { NodeState } from "../../../../functions/vfxt-ip-move/plan";
import { type Health, healthOf } from "../../../../functions/vfxt-ip-move/plan/health";

/**
 * A node's health as the function judges it (state and status checks), without its boot grace: the grace
 * is the function's patience after a restart, not a readiness problem of the account.
 */
export const nodeHealth = (node: NodeState): Health => healthOf(node, node.launchedAt, 0);

export const isHealthy = (node: NodeState): boolean => nodeHealth(node) === "healthy";
