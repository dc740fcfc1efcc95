/**
 * The vFXT cluster software's own EC2 calls, retried as AvereSDK makes them (github:Azure/AvereSDK,
 * vFXT/aws.py before f744c4a): `_aws_do` and `_aws_do_non_idempotent` retry a server error (5xx, "probably
 * could be only 503 but boto also looks for 500") and throttling with exponential backoff, giving up after
 * `BOTO_503_RETRIES` (10); `_aws_do` also retries an error with no answer (a lost connection). A client
 * error (4xx) is raised at once. `add_instance_address` writes a `/32` route with `create_route` and, when
 * it meets `RouteAlreadyExists` (e.g. its own create that landed before a 5xx), `replace_route`.
 *
 * The backoff's waits (2^n s, at most 30 s) are not simulated: an incident happens at its instant, so the
 * retries follow one another at once (a cluster's move completes up to a few seconds early).
 */
import type { SimulatedAccount } from "../../../sim/account/index";
import { SimAwsError } from "../../../sim/types";

/** AvereSDK `Service.BOTO_503_RETRIES`. */
const BOTO_503_RETRIES = 10;

const THROTTLING = new Set(["Throttling", "RequestLimitExceeded"]);

/** A server error, throttling or no answer: what `_aws_do` retries. */
const retryable = (error: unknown): boolean =>
  error instanceof SimAwsError &&
  (error.httpStatus >= 500 || error.httpStatus === 0 || THROTTLING.has(error.code));

const dispatch = (account: SimulatedAccount, operation: string, input: Record<string, unknown>) =>
  account.dispatch({ service: "ec2", operation, region: account.region, requestId: "chaos" }, input);

/** One EC2 call of the cluster software, retried as `_aws_do` does. */
export const clusterEc2 = async (
  account: SimulatedAccount,
  operation: string,
  input: Record<string, unknown>,
): Promise<unknown> => {
  for (let errors = 0; ; errors += 1) {
    try {
      return await dispatch(account, operation, input);
    } catch (error) {
      if (!retryable(error) || errors >= BOTO_503_RETRIES) throw error;
    }
  }
};

/** `add_instance_address` for one table: create the `/32` route, replace it where it exists. */
export const clusterAddRoute = async (
  account: SimulatedAccount,
  input: { RouteTableId: string; DestinationCidrBlock: string; InstanceId: string },
): Promise<unknown> => {
  try {
    return await clusterEc2(account, "CreateRoute", input);
  } catch (error) {
    if (!(error instanceof SimAwsError && error.code === "RouteAlreadyExists")) throw error;
    return clusterEc2(account, "ReplaceRoute", input);
  }
};
