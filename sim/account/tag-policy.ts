/**
 * AWS Organizations tag policies in enforcement mode, as far as EC2 tagging calls see them ("Enforce
 * tagging consistency"; aws/aws-cli#8538, terraform-provider-aws#35639): a tagging call that would give an
 * enforced resource type a non-compliant tag — a key of the policy written with another capitalization,
 * or a value outside the allowed ones — is refused as a whole with `UnauthorizedOperation` (403) and an
 * encoded authorization failure message, the same answer as an IAM or SCP deny (only
 * `sts:DecodeAuthorizationMessage` tells them apart). Tags whose keys no policy names are compliant.
 */
import type { SimAwsError } from "../types";
import { awsError } from "./errors";
import type { TagPolicyModel } from "./state";

function valueAllowed(allowed: readonly string[] | undefined, value: string): boolean {
  if (allowed === undefined) return true;
  return allowed.some((a) => (a.endsWith("*") ? value.startsWith(a.slice(0, -1)) : a === value));
}

const enforcedOn = (policy: TagPolicyModel, resourceType: string): boolean =>
  policy.enforcedFor.some((t) => t === "ec2:ALL_SUPPORTED" || t === `ec2:${resourceType}`);

/** The policy a tag breaks on a resource type, if any. */
function brokenTagPolicy(
  policies: readonly TagPolicyModel[],
  resourceType: string,
  tag: { key: string; value: string },
): TagPolicyModel | undefined {
  return policies.find(
    (p) =>
      enforcedOn(p, resourceType) &&
      p.key.toLowerCase() === tag.key.toLowerCase() &&
      (p.key !== tag.key || !valueAllowed(p.allowedValues, tag.value)),
  );
}

/** `UnauthorizedOperation` for the first non-compliant tag of a tagging call, or undefined. */
export function tagPolicyRefusal(
  policies: readonly TagPolicyModel[],
  resourceType: string,
  tags: readonly { key: string; value: string | undefined }[],
): SimAwsError | undefined {
  for (const tag of tags) {
    const policy = brokenTagPolicy(policies, resourceType, { key: tag.key, value: tag.value ?? "" });
    if (policy === undefined) continue;
    // Opaque, as the real encoded message is (decoding it needs sts:DecodeAuthorizationMessage).
    const encoded = Buffer.from(JSON.stringify({ tagPolicy: policy.key, resourceType })).toString(
      "base64url",
    );
    return awsError(
      "UnauthorizedOperation",
      `You are not authorized to perform this operation. Encoded authorization failure message: ${encoded}`,
      403,
    );
  }
  return undefined;
}
