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

/** What went wrong when a check could not finish: the denied action, or the failure. */
const failureOf = (check: Check, error: unknown): { message: string; fix: string } => {
  const action = failedAction(error);
  const operation = action?.split(":")[1] ?? "";
  if (classifyAwsError(operation, error) === "denied") {
    const missing = action ?? `one of ${check.iamActions.join(", ")}`;
    return {
      message: `access denied to ${missing} (${awsErrorCode(error)})`,
      fix: `Allow ${missing} to the identity running the doctor (npm run doctor -- --print-policy prints the whole read-only policy).`,
    };
  }
  return {
    message: `the check failed${action ? ` on ${action}` : ""}: ${describe(error)}`,
    fix: "Run the doctor again; if it fails the same way, report it with the message above.",
  };
};

/** The finding of a check that could not finish: an error the doctor's role or a retry fixes, unchecked. */
export const failedCheckFinding = (check: Check, error: unknown): Finding => {
  const { message, fix } = failureOf(check, error);
  return {
    check: check.id,
    capability: check.capability,
    severity: "error",
    message: `${check.title}: not checked, ${message}.`,
    fix,
    unchecked: true,
  };
};

/** A check that needs a read another check already could not make: said once, there. */
const dependentFinding = (check: Check, first: Finding): Finding => ({
  check: check.id,
  capability: check.capability,
  severity: "info",
  message: `${check.title}: not checked, it needs the read that ${first.check} could not make (see there).`,
  fix: first.fix,
  unchecked: true,
});

/**
 * Runs the checks in order; the findings of each, in order. A check that throws gives one finding; a check
 * failing on the same shared read (the same error) as an earlier one points at it instead of repeating it.
 */
export const runDoctor = async (ctx: DoctorContext, checks: readonly Check[]): Promise<Finding[]> => {
  const findings: Finding[] = [];
  const failures = new Map<unknown, Finding>();
  for (const check of checks) {
    try {
      findings.push(...(await check.run(ctx)));
    } catch (error) {
      const first = failures.get(error);
      const finding = first === undefined ? failedCheckFinding(check, error) : dependentFinding(check, first);
      if (first === undefined) failures.set(error, finding);
      findings.push(finding);
    }
  }
  return findings;
};
