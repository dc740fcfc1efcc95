/**
 * What a snapshot cannot reproduce of a fixture, and why: the one list the round-trip test (every shipped
 * fixture → simulated account → snapshot over the wire → compare) excludes, rendered in docs/snapshot.md.
 * A path names a field of the fixture format; `[]` walks every element of a collection.
 */
export interface FidelityRule {
  path: string;
  reason: string;
}

/** Fields no AWS read API shows (or that only the simulator has): left out on both sides of the comparison. */
export const NOT_SHOWN_BY_AWS: readonly FidelityRule[] = [
  { path: "$schema", reason: "editor hint of a file, not account state" },
  { path: "description", reason: "free text of a file" },
  { path: "clock", reason: "the snapshot's clock starts when it was taken" },
  { path: "behaviour", reason: "simulator timings and quotas (how long a stop takes), not state AWS shows" },
  { path: "faults", reason: "simulator fault injection" },
  { path: "addressRefusals", reason: "simulator knob: EC2 refusing an address without naming it" },
  { path: "eventBuses", reason: "EventBridge bus policies: not read by the toolkit's functions" },
  { path: "eventRules", reason: "EventBridge rules: deployed by serverless.yml, not read by the functions" },
  { path: "principals", reason: "IAM principals signing requests: not account state a Describe call shows" },
  {
    path: "tagPolicies",
    reason: "AWS Organizations tag policies: not readable from the member account's EC2 API",
  },
  {
    path: "instances[].stateSince",
    reason: "AWS shows no time of the last state change (only LaunchTime and, for a stop, a text)",
  },
  {
    path: "instances[].disableApiStop",
    reason:
      "DescribeInstanceAttribute, one call per instance; the toolkit learns it from StopInstances' answer",
  },
  { path: "instances[].disableApiTermination", reason: "as disableApiStop; the toolkit never terminates" },
  { path: "instances[].keyName", reason: "not read by the toolkit" },
  { path: "instances[].spot", reason: "DescribeSpotInstanceRequests: not read by the toolkit" },
  { path: "instances[].hibernation", reason: "simulator knob: how a future hibernation ends" },
  { path: "instances[].metrics", reason: "metric levels the simulator publishes; datapoints are not state" },
  {
    path: "instances[].primaryNetworkInterfaceId",
    reason: "names the generated primary ENI; the snapshot lists every ENI (compared there)",
  },
  { path: "instances[].sourceDestCheck", reason: "of the generated primary ENI; compared on the ENI" },
  {
    path: "autoScalingGroups[].launchTemplate.instanceType",
    reason: "launch template contents (DescribeLaunchTemplateVersions): not read by the toolkit",
  },
  { path: "autoScalingGroups[].launchTemplate.networkInterfaces", reason: "as launchTemplate.instanceType" },
  {
    path: "lifecycleActions[].token",
    reason: "no API lists lifecycle actions or tokens; the toolkit gets them from the lifecycle event",
  },
  { path: "lifecycleActions[].startedAt", reason: "as token: not shown by any API" },
  {
    path: "lifecycleActions[].origin",
    reason: "shown only in the lifecycle event; a member's wait state tells it only for warm pools",
  },
  { path: "lifecycleActions[].destination", reason: "as origin" },
  { path: "virtualPrivateGateways[].tags", reason: "DescribeVpnGateways: not read by the toolkit" },
  {
    path: "virtualInterfaces[].bgpPeers[].advertisedPrefixes",
    reason:
      "what on-premises advertises per session: AWS shows only the propagated routes (compared as propagatedCidrs)",
  },
  { path: "outposts[].serviceLink", reason: "ConnectedStatus metric: not read by the toolkit" },
  { path: "outposts[].instanceTypes[].changes", reason: "future metric values (a script for the simulator)" },
];

/**
 * Fields a fixture may omit and the simulator then derives (ids, MAC addresses, default texts, computed
 * health, timestamps): compared only where the fixture states them, since the snapshot writes the derived value.
 */
export const DERIVED_WHEN_OMITTED: readonly FidelityRule[] = [
  { path: "instances[].imageId", reason: "derived from the instance type" },
  { path: "instances[].reservationId", reason: "derived from the instance id" },
  { path: "instances[].stateReason", reason: "default per state (Client.UserInitiatedShutdown…)" },
  { path: "instances[].stateTransitionReason", reason: "default per state and stateSince" },
  { path: "instances[].rootDeviceName", reason: "default per root device type" },
  { path: "instances[].capacityReservationSpecification", reason: "default preference open" },
  { path: "instances[].status", reason: "computed from the state (ok / initializing / not-applicable)" },
  { path: "networkInterfaces[].vpcId", reason: "the subnet's VPC" },
  { path: "networkInterfaces[].status", reason: "computed from the attachment" },
  { path: "networkInterfaces[].macAddress", reason: "derived from the ENI id" },
  { path: "networkInterfaces[].attachment.deleteOnTermination", reason: "default by device index" },
  { path: "networkInterfaces[].attachment.attachTime", reason: "default: the instance's launch time" },
  { path: "networkInterfaces[].attachment.attachmentId", reason: "derived from the ENI and instance ids" },
  { path: "routeTables[].associations[].id", reason: "derived from the table and subnet ids" },
  {
    path: "routeTables[].routes[].state",
    reason: "computed from the target (a missing target is a blackhole)",
  },
  { path: "localGatewayRouteTables[].routes[].state", reason: "computed for ENI routes, default active" },
  { path: "autoScalingGroups[].maxSize", reason: "default: the number of members" },
  { path: "autoScalingGroups[].desiredCapacity", reason: "default: the number of members" },
  { path: "autoScalingGroups[].createdTime", reason: "default: the clock start" },
  { path: "autoScalingGroups[].instances[].healthStatus", reason: "computed from the EC2 state" },
  { path: "alarms[].stateUpdatedTimestamp", reason: "default: the clock start" },
  { path: "alarms[].configurationUpdatedTimestamp", reason: "default: stateUpdatedTimestamp" },
  { path: "compositeAlarms[].stateUpdatedTimestamp", reason: "default: the clock start" },
  { path: "compositeAlarms[].configurationUpdatedTimestamp", reason: "default: stateUpdatedTimestamp" },
  { path: "outposts[].ownerId", reason: "default: the account" },
  { path: "managedPrefixLists[].ownerId", reason: "default: the account" },
  { path: "subnetCidrReservations[].id", reason: "derived from the subnet and CIDR" },
  { path: "elasticIps[].association.associationId", reason: "derived from the allocation" },
];
