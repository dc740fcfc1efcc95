/**
 * Fixture members for EventBridge buses, rules and callers (dx-failover, issue 10): custom event buses with
 * resource policies, rules (bus, pattern, targets), and the principals behind access keys. All optional
 * with defaults, so existing fixtures stay valid (see docs/simulated-account.md, "EventBridge").
 */
import * as z from "zod/mini";

function doc<T extends z.ZodMiniType>(schema: T, description: string): T {
  return schema.check(z.core.describe(description));
}

const OneOrMany = z.union([z.string(), z.array(z.string())]);
const BusName = z.string().check(z.regex(/^[/.\-_A-Za-z0-9]{1,256}$/, "must be an event bus name"));

const PolicyStatementFixture = z.strictObject({
  Sid: z.optional(z.string()),
  Effect: z.enum(["Allow", "Deny"]),
  Principal: z.union([z.literal("*"), z.strictObject({ AWS: OneOrMany })]),
  Action: OneOrMany,
  Resource: z.optional(OneOrMany),
  Condition: doc(
    z.optional(z.record(z.string(), z.record(z.string(), OneOrMany))),
    "Operators StringEquals, StringNotEquals, StringLike, StringNotLike, ArnEquals, ArnLike (optionally ForAllValues:/ForAnyValue:) on events:source, events:detail-type, aws:PrincipalArn, aws:PrincipalAccount.",
  ),
});

const EventBusFixture = z.strictObject({
  name: BusName,
  policy: doc(
    z.optional(
      z.strictObject({ Version: z.optional(z.string()), Statement: z.array(PolicyStatementFixture) }),
    ),
    "The bus's resource-based policy (PutPermission / PutResourcePolicy).",
  ),
});

const EventRuleFixture = z.strictObject({
  name: z.string().check(z.regex(/^[.\-_A-Za-z0-9]{1,64}$/, "must be a rule name")),
  eventBusName: doc(z._default(BusName, "default"), "Only events put on this bus are matched."),
  eventPattern: doc(z.record(z.string(), z.unknown()), "An EventBridge event pattern (JSON object)."),
  state: z._default(z.enum(["ENABLED", "DISABLED"]), "ENABLED"),
  targets: z._default(
    z.array(z.strictObject({ id: z.string(), arn: z.string().check(z.startsWith("arn:")) })),
    [],
  ),
});

const PrincipalFixture = z.strictObject({
  accessKeyId: doc(z.string().check(z.minLength(16)), "The access key id the principal signs requests with."),
  arn: doc(
    z.string().check(z.startsWith("arn:")),
    "The caller's ARN (a role `arn:aws:iam::<account>:role/<name>`, a user…); its account may be another one.",
  ),
  putEventsBuses: doc(
    z._default(z.array(z.string()), ["*"]),
    "Buses its own identity policy allows events:PutEvents on (names, `*` for any).",
  ),
});

type EventBusFixtureOutput = z.output<typeof EventBusFixture>;
type EventRuleFixtureOutput = z.output<typeof EventRuleFixture>;
type PrincipalFixtureOutput = z.output<typeof PrincipalFixture>;

/** The additive top-level members of the account fixture. */
export const EVENTS_FIXTURE_MEMBERS = {
  eventBuses: doc(
    z._default(z.array(EventBusFixture), []),
    "Custom EventBridge buses (the default bus always exists; list it to give it a policy).",
  ),
  eventRules: doc(
    z._default(z.array(EventRuleFixture), []),
    "EventBridge rules: a PutEvents entry is matched only by the enabled rules of the bus it was put on.",
  ),
  principals: doc(
    z._default(z.array(PrincipalFixture), []),
    "Callers by access key (unknown keys: a principal of the account whose identity allows everything).",
  ),
};

/** Unique names, rules on existing buses, unique access keys. */
export function checkEventsFixture(
  f: {
    eventBuses: EventBusFixtureOutput[];
    eventRules: EventRuleFixtureOutput[];
    principals: PrincipalFixtureOutput[];
  },
  add: (path: string, message: string) => void,
): void {
  const buses = new Set(["default"]);
  f.eventBuses.forEach((b, i) => {
    if (buses.has(b.name) && b.name !== "default") add(`eventBuses.${i}.name`, `duplicate bus ${b.name}`);
    buses.add(b.name);
  });
  const rules = new Set<string>();
  f.eventRules.forEach((r, i) => {
    const key = `${r.eventBusName}/${r.name}`;
    if (rules.has(key)) add(`eventRules.${i}.name`, `duplicate rule ${r.name} on ${r.eventBusName}`);
    rules.add(key);
    if (!buses.has(r.eventBusName)) add(`eventRules.${i}.eventBusName`, `unknown bus ${r.eventBusName}`);
  });
  const keys = new Set<string>();
  f.principals.forEach((p, i) => {
    if (keys.has(p.accessKeyId)) add(`principals.${i}.accessKeyId`, `duplicate access key ${p.accessKeyId}`);
    keys.add(p.accessKeyId);
  });
}
