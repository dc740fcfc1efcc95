/**
 * Whether a caller may put an event on a bus — the IAM evaluation logic as far as the sim models principals
 * (IAM User Guide, "Policy evaluation logic"; EventBridge User Guide, "Permissions for event buses" and
 * "Using IAM policy conditions"):
 *
 * - an explicit `Deny` in the bus's resource policy that applies wins;
 * - otherwise a caller of the bus's own account is allowed when its identity policy allows PutEvents on
 *   the bus (`principals[].putEventsBuses`) or the bus policy allows it; a caller of another account only
 *   when the bus policy allows it ("The default event bus … only allows events from one account");
 * - conditions: `StringEquals`, `StringNotEquals`, `StringLike`, `StringNotLike`, `ArnEquals`, `ArnLike`,
 *   `ArnNotEquals`, `ArnNotLike`, with `ForAllValues:` / `ForAnyValue:`, on `events:source`,
 *   `events:detail-type`, `aws:PrincipalArn`, `aws:PrincipalAccount`.
 *
 * The entry's error code [decision]: when the refusal turns on an `events:source` condition,
 * `NotAuthorizedForSourceException`; on `events:detail-type`, `NotAuthorizedForDetailTypeException`;
 * otherwise `AccessDeniedException` (all per-entry `PutEventsResultEntry.ErrorCode` values of the model).
 */
import type { PolicyStatement, PrincipalModel } from "./state";

export interface PutRequest {
  principal: PrincipalModel;
  /** The bus's account (the fixture's). */
  busAccount: string;
  busName: string;
  busArn: string;
  source: string;
  detailType: string;
}

export type PutDecision =
  | { allowed: true }
  | {
      allowed: false;
      code:
        | "AccessDeniedException"
        | "NotAuthorizedForSourceException"
        | "NotAuthorizedForDetailTypeException";
    };

const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

function like(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "is").test(value);
}

const accountOf = (arn: string): string => arn.split(":")[4] ?? "";

function principalMatches(statement: PolicyStatement, arn: string): boolean {
  if (statement.Principal === "*") return true;
  return list(statement.Principal.AWS).some(
    (p) => p === "*" || p === arn || p === accountOf(arn) || p === `arn:aws:iam::${accountOf(arn)}:root`,
  );
}

const actionMatches = (s: PolicyStatement) => list(s.Action).some((a) => like(a, "events:PutEvents"));
const resourceMatches = (s: PolicyStatement, arn: string) =>
  s.Resource === undefined || list(s.Resource).some((r) => like(r, arn));

type Operator = (values: string[], value: string) => boolean;
const OPERATORS: Readonly<Record<string, Operator>> = {
  StringEquals: (vs, v) => vs.includes(v),
  StringNotEquals: (vs, v) => !vs.includes(v),
  StringLike: (vs, v) => vs.some((p) => like(p, v)),
  StringNotLike: (vs, v) => !vs.some((p) => like(p, v)),
  ArnEquals: (vs, v) => vs.includes(v),
  ArnNotEquals: (vs, v) => !vs.includes(v),
  ArnLike: (vs, v) => vs.some((p) => like(p, v)),
  ArnNotLike: (vs, v) => !vs.some((p) => like(p, v)),
};

/**
 * The statement's conditions on one request. A `waived` key is taken as acceptable — an Allow's test on it
 * holds, a Deny's does not — to find which key the refusal turns on.
 */
function conditionsHold(
  s: PolicyStatement,
  keys: Record<string, string>,
  waived: ReadonlySet<string>,
): boolean {
  return Object.entries(s.Condition ?? {}).every(([operator, tests]) => {
    const [qualifier, base] = operator.includes(":") ? operator.split(":", 2) : [undefined, operator];
    const test = OPERATORS[base ?? ""];
    if (test === undefined) return false;
    return Object.entries(tests).every(([key, expected]) => {
      if (waived.has(key)) return s.Effect === "Allow";
      const value = keys[key];
      if (value === undefined) return qualifier === "ForAllValues" || base?.includes("Not") === true;
      return test(list(expected), value);
    });
  });
}

function decide(
  request: PutRequest,
  statements: readonly PolicyStatement[],
  waived: ReadonlySet<string>,
): boolean {
  const keys = {
    "events:source": request.source,
    "events:detail-type": request.detailType,
    "aws:PrincipalArn": request.principal.arn,
    "aws:PrincipalAccount": accountOf(request.principal.arn),
  };
  const applies = (s: PolicyStatement) =>
    principalMatches(s, request.principal.arn) &&
    actionMatches(s) &&
    resourceMatches(s, request.busArn) &&
    conditionsHold(s, keys, waived);
  if (statements.some((s) => s.Effect === "Deny" && applies(s))) return false;
  if (statements.some((s) => s.Effect === "Allow" && applies(s))) return true;
  const sameAccount = accountOf(request.principal.arn) === request.busAccount;
  return sameAccount && request.principal.putEventsBuses.some((b) => b === "*" || b === request.busName);
}

export function authorizePut(request: PutRequest, statements: readonly PolicyStatement[]): PutDecision {
  if (decide(request, statements, new Set())) return { allowed: true };
  if (decide(request, statements, new Set(["events:source"])))
    return { allowed: false, code: "NotAuthorizedForSourceException" };
  if (decide(request, statements, new Set(["events:detail-type"])))
    return { allowed: false, code: "NotAuthorizedForDetailTypeException" };
  return { allowed: false, code: "AccessDeniedException" };
}
