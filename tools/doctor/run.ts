/**
 * The doctor's runner: every check against one context, one after the other (the account is read with
 * a handful of Describe* calls per check; running them in turn keeps the read rate low on a live account).
 * A check that throws never stops the others: it becomes an `error` finding that names the check, and
 * when IAM refused the read, the action to add to the doctor's policy.
 */
import { awsErrorCode, classifyAwsError } from "../../shared/aws/errors";
import type { Check, DoctorContext, Finding } from "./types";

/** The `service:Operation` of the SDK call that failed (tools/doctor/context.ts tags the error with it). */
export const DOCTOR_ACTION = Symbol.for("ops-toolkit.doctor.action");

/** The tagged action, on the SDK error or on the toolkit's AwsCallError wrapping it (`cause`). */
const failedAction = (error: unknown): string | undefined => {
  if (typeof error !== "object" || error === null) return undefined;
  const action = (error as Record<symbol, unknown>)[DOCTOR_ACTION];
  if (typeof action === "string") return action;
  return "cause" in error ? failedAction(error.cause) : undefined;
};

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The finding of a check that could not finish. */
export const failedCheckFinding = (check: Check, error: unknown): Finding => {
  const action = failedAction(error);
  const operation = action?.split(":")[1] ?? "";
  const base = { check: check.id, capability: check.capability, severity: "error" as const };
  if (classifyAwsError(operation, error) === "denied") {
    const missing = action ?? `one of ${check.iamActions.join(", ")}`;
    return {
      ...base,
      message: `${check.title}: not checked, access denied to ${missing} (${awsErrorCode(error)}).`,
      fix: `Allow ${missing} to the identity running the doctor (npm run doctor -- --print-policy prints the whole read-only policy).`,
    };
  }
  return {
    ...base,
    message: `${check.title}: not checked, the check failed${action ? ` on ${action}` : ""}: ${describe(error)}`,
    fix: "Run the doctor again; if it fails the same way, report it with the message above.",
  };
};

/** Runs the checks in order; the findings of each, in order, then the failure of any check that threw. */
export const runDoctor = async (ctx: DoctorContext, checks: readonly Check[]): Promise<Finding[]> => {
  const findings: Finding[] = [];
  for (const check of checks) {
    try {
      findings.push(...(await check.run(ctx)));
    } catch (error) {
      findings.push(failedCheckFinding(check, error));
    }
  }
  return findings;
};
