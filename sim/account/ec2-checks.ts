/**
 * Request checks shared by the EC2 operations of the address-ownership modules (ec2-vpcs.ts,
 * ec2-instance-status.ts…): id format and existence, `MaxResults` bounds, `DryRun`, `TagSpecifications`.
 * Same answers as the checks of ec2.ts (which keeps its own copy to stay unchanged).
 */
import { awsError, dryRunOperation, ec2ParamErrors } from "./errors";
import { ID_PATTERNS, type IdKind } from "./ids";
import type { Params } from "./query";
import type { InstanceModel } from "./state";

export interface IdRule {
  kind: IdKind;
  malformed: string;
  notFound: string;
  /** The noun EC2 uses in its "does not exist" messages. */
  noun: string;
}

export const RULES = {
  instance: {
    kind: "instance",
    malformed: "InvalidInstanceID.Malformed",
    notFound: "InvalidInstanceID.NotFound",
    noun: "instance",
  },
  vpc: { kind: "vpc", malformed: "InvalidVpcID.Malformed", notFound: "InvalidVpcID.NotFound", noun: "vpc" },
  subnet: {
    kind: "subnet",
    malformed: "InvalidSubnetID.Malformed",
    notFound: "InvalidSubnetID.NotFound",
    noun: "subnet",
  },
  allocation: {
    kind: "allocation",
    malformed: "InvalidAllocationID.Malformed",
    notFound: "InvalidAllocationID.NotFound",
    noun: "allocation",
  },
} as const satisfies Record<string, IdRule>;

/**
 * "Terminated instances remain visible after termination (for approximately one hour)" (TerminateInstances
 * API reference): after that an instance id is unknown ("The instance ID '…' does not exist").
 */
const TERMINATED_VISIBLE_MS = 3_600_000;

export function goneAfterTermination(instance: InstanceModel, now: number): boolean {
  return instance.state === "terminated" && now - instance.stateSince > TERMINATED_VISIBLE_MS;
}

/** Checks id formats (first malformed id wins), then existence (all missing ids in one message). */
export function checkIds(ids: readonly string[], rule: IdRule, exists: (id: string) => boolean): void {
  const malformed = ids.find((id) => !ID_PATTERNS[rule.kind].test(id));
  if (malformed !== undefined) throw awsError(rule.malformed, `Invalid id: "${malformed}"`);
  const missing = [...new Set(ids.filter((id) => !exists(id)))];
  if (missing.length === 1)
    throw awsError(rule.notFound, `The ${rule.noun} ID '${missing[0]}' does not exist`);
  if (missing.length > 1)
    throw awsError(rule.notFound, `The ${rule.noun} IDs '${missing.join(", ")}' do not exist`);
}

/** MaxResults bounds; EC2 says "Expecting a value greater than 5" for small values. */
export function maxResults(p: Params, min: number, max: number): number | undefined {
  const value = p.int("MaxResults");
  if (value === undefined) return undefined;
  if (value < min || value > max) {
    const bound = value < min ? `greater than ${min}` : `less than ${max}`;
    throw awsError(
      "InvalidParameterValue",
      `Value ( ${value} ) for parameter maxResults is invalid. Expecting a value ${bound}.`,
    );
  }
  return value;
}

export function noIdsWithMaxResults(
  ids: readonly string[] | undefined,
  max: number | undefined,
  set: string,
): void {
  if (ids !== undefined && ids.length > 0 && max !== undefined) {
    throw awsError(
      "InvalidParameterCombination",
      `The parameter ${set} cannot be used with the parameter maxResults`,
    );
  }
}

export function dryRun(p: Params): void {
  if (p.bool("DryRun") === true) throw dryRunOperation();
}

/** The tags of `TagSpecifications` for one resource type (other resource types are refused). */
export function tagsFor(p: Params, resourceType: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const [i, spec] of (p.objList("TagSpecifications") ?? []).entries()) {
    if (spec.ResourceType !== undefined && spec.ResourceType !== resourceType) {
      throw ec2ParamErrors.invalid(
        `TagSpecification.${i + 1}.ResourceType`,
        spec.ResourceType,
        `Expecting ${resourceType}.`,
      );
    }
    const list = Array.isArray(spec.Tags) ? (spec.Tags as unknown[]) : [];
    for (const tag of list) {
      const { Key, Value } = (tag ?? {}) as { Key?: unknown; Value?: unknown };
      if (typeof Key === "string" && Key !== "") tags.set(Key, typeof Value === "string" ? Value : "");
    }
  }
  return tags;
}
