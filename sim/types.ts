/**
 * The contract between the simulated account's wire layer (sim/wire: HTTP, SigV4 scope, ec2Query /
 * awsQuery / JSON / restJson serde) and its service models (sim/account: state, operations, faults).
 *
 * Inputs and outputs are shaped exactly like the AWS SDK v3 command inputs and outputs (PascalCase
 * member names as in `@aws-sdk/client-*` types, `Date` for timestamps, numbers and booleans typed).
 * The wire layer decodes a request into that shape and encodes the returned object back onto the wire,
 * so the SDK clients in the handler never know they talk to a simulation.
 */

export type SimServiceName = "ec2" | "autoscaling" | "monitoring" | "events" | "outposts" | "directconnect";

export interface SimCallContext {
  service: SimServiceName;
  /** The API operation name, e.g. "DescribeInstances". */
  operation: string;
  /** Region from the SigV4 credential scope of the request. */
  region: string;
  requestId: string;
  /** The access key id the request was signed with (SigV4 `Credential=`), naming the caller. */
  accessKeyId?: string;
}

export type SimOutput = Record<string, unknown>;

export type SimDispatcher = (ctx: SimCallContext, input: Record<string, unknown>) => Promise<SimOutput>;

/**
 * An error answered the way AWS answers it: the real error code (e.g. "IncorrectInstanceState",
 * "RequestLimitExceeded", "ValidationError"), the HTTP status, and whether it is the caller's fault.
 */
export class SimAwsError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly fault: "client" | "server";

  constructor(code: string, message: string, httpStatus = 400, fault: "client" | "server" = "client") {
    super(message);
    this.name = "SimAwsError";
    this.code = code;
    this.httpStatus = httpStatus;
    this.fault = fault;
  }
}

/**
 * No answer: the connection closed before the response (a fault's `dropConnection`). The wire closes the
 * socket (over loopback) or fails the request with `ECONNRESET` (in memory), as a lost response reaches
 * the SDK: a transient error it retries. Logged in the call log as `ConnectionLost` (status 0).
 */
export class SimConnectionLost extends SimAwsError {
  constructor() {
    super("ConnectionLost", "the connection closed before the response", 0, "server");
    this.name = "SimConnectionLost";
  }
}
