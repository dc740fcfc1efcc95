/**
 * sim/wire — the simulated account's transport: a loopback HTTP server that speaks the real AWS wire
 * protocols (ec2Query, awsQuery, awsJson1_0/1_1 incl. query-compatible errors, restJson1), driven by the
 * installed SDK clients' own schemas, in front of a `SimDispatcher` (sim/account).
 */
export {
  type CredentialScope,
  DEFAULT_REGION,
  type DecodedCall,
  decodeRequest,
  type ErrorTarget,
  encodeError,
  encodeOutput,
  type HandleOptions,
  handleWireRequest,
  type Identified,
  identifyService,
  parseCredentialScope,
  resolveErrorCode,
  type WireRequest,
  WireRequestError,
  type WireResponse,
} from "./codec";
export {
  compileOperation,
  type OperationModel,
  outputProblems,
  type Shape,
  type StructShape,
} from "./schema";
export {
  CONTROL_PREFIX,
  type ControlHandler,
  requestIdSequence,
  type SimServer,
  type SimServerOptions,
  simEndpointEnv,
  startSimServer,
} from "./server";
export {
  buildServiceModel,
  DEFAULT_SERVICES,
  loadServiceModel,
  type ServiceDescriptor,
  type ServiceModel,
  ServiceRegistry,
  type WireProtocol,
} from "./services";
