/** The simulated AWS account: fixture format, state, service models, clock, faults, snapshots. */
export { SimulatedAccount, type SimulatedAccountOptions } from "./account";
export type { CallRecord } from "./calls";
export { type ClockMode, SimClock, type SimClockOptions } from "./clock";
export type { ControlResponse } from "./control";
export { listedRoutes } from "./dx";
export type { StatusCheckSetting } from "./ec2-instance-status";
export { awsError, DRY_RUN_MESSAGE, defaultHttpStatus, notSimulated } from "./errors";
export {
  EC2_DOCUMENTED_BUCKETS,
  type Fault,
  FaultInjector,
  type FaultOutcome,
  type FaultSpec,
  type TokenBucket,
  type TokenBucketSpec,
} from "./faults";
export {
  type AccountFixture,
  type AccountFixtureInput,
  AccountFixtureSchema,
  checkReferences,
  FixtureError,
  fixtureJsonSchema,
  instanceTypeCatalogue,
  loadFixture,
  parseFixture,
} from "./fixture";
export { ID_PATTERNS } from "./ids";
export { BUILT_IN_INSTANCE_TYPES, type InstanceTypeSpec } from "./instance-types";
export { addressKey, type ElasticIpModel, type SubnetCidrReservationModel } from "./network-models";
export {
  type AccountSnapshot,
  diffSnapshots,
  formatStateChanges,
  type StateChange,
} from "./snapshot";
export { type BgpStatus, RegionState, type ServiceEvent, STATE_CODES } from "./state";
export {
  type InstanceStatusModel,
  STATUS_CHECK_VALUES,
  type StatusCheckKind,
  type StatusCheckName,
} from "./status-checks";
