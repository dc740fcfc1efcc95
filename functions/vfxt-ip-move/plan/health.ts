import type { NodeState } from "./types";

/**
 * The health of a node as EC2 shows it (`DescribeInstances`, `DescribeInstanceStatus`):
 * - healthy: `running`, instance and system status checks `ok`, and out of its boot grace (started long
 *   enough ago for the cluster software to have rejoined): the only possible target;
 * - unhealthy: stopping, stopped, shutting down, terminated, or a status check `impaired`: its addresses
 *   move away once the cluster's grace has passed;
 * - unproven: anything else (pending; checks `initializing`, `insufficient-data` or missing; in its boot
 *   grace): never a target, and never a reason to take addresses away (missing evidence is no verdict).
 */
export type Health = "healthy" | "unhealthy" | "unproven";

const GONE = new Set(["stopping", "stopped", "shutting-down", "terminated"]);

export const healthOf = (node: NodeState, now: number, bootGraceMs: number): Health => {
  if (GONE.has(node.state)) return "unhealthy";
  if (node.state !== "running") return "unproven";
  const { instance, system } = node.checks;
  if (instance === "impaired" || system === "impaired") return "unhealthy";
  if (instance !== "ok" || system !== "ok") return "unproven";
  return now - node.launchedAt >= bootGraceMs ? "healthy" : "unproven";
};
