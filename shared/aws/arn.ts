/**
 * Amazon Resource Names, partition-aware: `arn:<partition>:<service>:<region>:<account-id>:<resource>`.
 * The partition follows from the region (AWS General Reference, "Amazon Resource Names"); an ARN built
 * here always names its account, because IAM policies and EventBridge rules match on it.
 */

export type Partition = "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b" | "aws-iso-e" | "aws-iso-f";

/** Region prefix → partition; every other region is in the commercial partition `aws`. */
const PARTITION_BY_PREFIX: ReadonlyArray<readonly [string, Partition]> = [
  ["cn-", "aws-cn"],
  ["us-gov-", "aws-us-gov"],
  ["us-isob-", "aws-iso-b"],
  ["us-isof-", "aws-iso-f"],
  ["us-iso-", "aws-iso"],
  ["eu-isoe-", "aws-iso-e"],
];

export const partitionOf = (region: string): Partition =>
  PARTITION_BY_PREFIX.find(([prefix]) => region.startsWith(prefix))?.[1] ?? "aws";

const ACCOUNT_ID = /^\d{12}$/;

export const isAccountId = (value: string | undefined): value is string =>
  value !== undefined && ACCOUNT_ID.test(value);

export interface ArnParts {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  /** Everything after the account id (it may contain ':' and '/'). */
  resource: string;
}

export const parseArn = (arn: string): ArnParts | undefined => {
  const parts = arn.split(":");
  const [prefix, partition, service, region, accountId] = parts;
  const resource = parts.slice(5).join(":");
  if (prefix !== "arn" || !partition || !service || region === undefined || accountId === undefined)
    return undefined;
  if (resource === "") return undefined;
  return { partition, service, region, accountId, resource };
};

/** An ARN in the region's partition. Throws on a missing or malformed account id (a programming error). */
export const buildArn = (service: string, region: string, accountId: string, resource: string): string => {
  if (!isAccountId(accountId))
    throw new RangeError(`ARN of ${resource}: "${accountId}" is not an account id`);
  return `arn:${partitionOf(region)}:${service}:${region}:${accountId}:${resource}`;
};

export type Ec2ResourceType = "instance" | "network-interface" | "route-table" | "subnet";

export const ec2Arn = (region: string, accountId: string, type: Ec2ResourceType, id: string): string =>
  buildArn("ec2", region, accountId, `${type}/${id}`);

/**
 * The account whose resources an invocation changes: the trigger event's account when it names one, else
 * the function's own (the account id of the Lambda context's `invokedFunctionArn`).
 */
export const invocationAccount = (
  lambda: { invokedFunctionArn: string },
  eventAccountId?: string,
): string => {
  if (isAccountId(eventAccountId)) return eventAccountId;
  const own = parseArn(lambda.invokedFunctionArn)?.accountId;
  if (!isAccountId(own))
    throw new RangeError(`invokedFunctionArn "${lambda.invokedFunctionArn}" names no account`);
  return own;
};
