import { awsErrorCode } from "../../shared/aws/errors";
import { FixtureError } from "../../sim/account/fixture";

const DENIED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "UnauthorizedException",
  "AuthFailure",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "ExpiredToken",
  "ExpiredTokenException",
]);
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "ECONNRESET",
  "TimeoutError",
]);

const networkCode = (error: unknown): string | undefined => {
  const e = error as { code?: string; name?: string; cause?: unknown; errors?: unknown[] } | undefined;
  if (e === undefined || e === null) return undefined;
  if (e.code !== undefined && UNREACHABLE.has(e.code)) return e.code;
  if (e.name !== undefined && UNREACHABLE.has(e.name)) return e.name;
  return networkCode(e.cause) ?? e.errors?.map(networkCode).find((c) => c !== undefined);
};

/** One line saying what went wrong and what to do, for an error a snapshot ended with. */
export const explainFailure = (error: unknown, operation: string | undefined): string => {
  const during = operation === undefined ? "" : ` (${operation})`;
  if (error instanceof FixtureError) return `the account read is not a valid fixture: ${error.message}`;
  const unreachable = networkCode(error);
  if (unreachable !== undefined)
    return `cannot reach the AWS endpoint${during}: ${unreachable}; check --region, AWS_ENDPOINT_URL and the network`;
  const name = (error as { name?: string } | undefined)?.name ?? "";
  if (name === "CredentialsProviderError")
    return `no credentials: ${(error as Error).message}; give --profile or configure the SDK's default chain`;
  const code = awsErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (DENIED.has(code))
    return `access denied${during}: ${code}: ${message}; the read-only policy the snapshot needs is in docs/snapshot.md`;
  return `AWS error${during}: ${code}: ${message}`;
};
