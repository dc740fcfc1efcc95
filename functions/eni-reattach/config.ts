import { isCidr } from "../../shared/net/cidr";
import * as z from "../../shared/runtime/zod";

/**
 * eni-reattach configuration (`eniReattach` in config/<stage>.json). An ENI belongs to a configured group
 * at device index k when it is tagged `<tagKey>=<group>/<k>` **and** the group's allow-list names it (its
 * id, its subnet or its VPC): a tag alone never enrols an ENI. A group that is not listed here is never
 * touched, and with no group listed the function has no mutating permission at all.
 */

export const CAPABILITY = "eni-reattach";
export const CAPACITY_CAPABILITY = "outposts-capacity";

/** How often the reconcile runs (the registry's and serverless.yml's schedule). */
export const RECONCILE_INTERVAL_SECONDS = 300;

/**
 * Waits read again after this fraction of the time waited so far (from 250 ms up to pollMaxIntervalMs):
 * a detach or attach is seen at most 8 % late (issue 9: polling overhead ≤ 10 % of the attach/detach time).
 */
export const POLL_LATE_FRACTION = 0.08;

const DestinationCidr = z
  .string()
  .check(z.refine((value) => isCidr(value, { version: 4, hostBits: "mask" }), "must be an IPv4 CIDR"));
const ids = (pattern: RegExp) => z._default(z.array(z.string().check(z.regex(pattern))), []);
const ENI_ID = /^eni-([0-9a-f]{8}|[0-9a-f]{17})$/;
const SUBNET_ID = /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/;
const VPC_ID = /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/;

export const EniReattachGroupSchema = z
  .object({
    /** The Auto Scaling group name (the `<group>` of the tag). */
    name: z.string().check(z.minLength(1), z.maxLength(255)),
    /**
     * The group's lifecycle hooks this function owns (launch and terminate): the only actions it ever
     * completes or heartbeats. Another system's hook of the same group is left to its owner.
     */
    hookNames: z.array(z.string().check(z.minLength(1), z.maxLength(255))).check(z.minLength(1)),
    /** The declared set: device indexes 1..N. A missing ENI is detected against it, whatever its index. */
    expectedInterfaces: z.int().check(z.minimum(1), z.maximum(15)),
    /** Allow-list (at least one entry in one of the three): ENI ids, or their subnets, or their VPCs. */
    allowedEniIds: ids(ENI_ID),
    allowedSubnetIds: ids(SUBNET_ID),
    allowedVpcIds: ids(VPC_ID),
    /** Source/destination check set on every ENI after attaching (a firewall needs false). */
    sourceDestCheck: z._default(z.boolean(), false),
    /** Network card the ENIs are attached to (passed explicitly: some types fail at index 1 without it). */
    networkCardIndex: z._default(z.int().check(z.minimum(0), z.maximum(15)), 0),
    /** Local gateway routes that must target the ENI at a device index; used to repair a wrong target. */
    localGatewayRoutes: z._default(
      z.array(
        z.object({
          localGatewayRouteTableId: z.string().check(z.regex(/^lgw-rtb-([0-9a-f]{8}|[0-9a-f]{17})$/)),
          destinationCidrBlock: DestinationCidr,
          deviceIndex: z.int().check(z.minimum(1), z.maximum(15)),
        }),
      ),
      [],
    ),
    /** Repair local gateway routes (ModifyLocalGatewayRoute) that do not target the right ENI. */
    repairLocalGatewayRoutes: z._default(z.boolean(), false),
    /** Outposts capacity check: the Outpost and the instance type the firewall runs on. */
    outpostId: z.optional(z.string().check(z.regex(/^op-[0-9a-f]{17}$/))),
    instanceType: z.optional(z.string().check(z.regex(/^[a-z0-9-]+\.[a-z0-9-]+$/))),
  })
  .check(
    z.refine(
      (g) => g.allowedEniIds.length + g.allowedSubnetIds.length + g.allowedVpcIds.length > 0,
      "needs an allow-list: allowedEniIds, allowedSubnetIds or allowedVpcIds (a tag alone enrols nothing)",
    ),
    z.refine(
      (g) => g.localGatewayRoutes.every((r) => r.deviceIndex <= g.expectedInterfaces),
      "localGatewayRoutes[].deviceIndex must be one of the declared device indexes (1..expectedInterfaces)",
    ),
  );

export const EniReattachConfigSchema = z
  .object({
    /** ENIs carry `<tagKey>=<group>/<device-index>`. */
    tagKey: z._default(z.string().check(z.minLength(1), z.maxLength(128)), "ops:eni-attach"),
    groups: z._default(
      z.array(EniReattachGroupSchema).check(
        z.refine((groups) => new Set(groups.map((g) => g.name)).size === groups.length, {
          message: "group names must be unique",
        }),
      ),
      [],
    ),
    /** Blast radius: no group may declare more ENIs than this. */
    maxInterfacesPerGroup: z._default(z.int().check(z.minimum(1), z.maximum(15)), 8),
    /** Bounded wait for a detached ENI to read `available`; then Force, only for a holder that is not serving. */
    detachTimeoutMs: z._default(z.int().check(z.minimum(0), z.maximum(600_000)), 120_000),
    /** Bounded wait for an attached ENI to read `attached`. */
    attachTimeoutMs: z._default(z.int().check(z.minimum(0), z.maximum(600_000)), 60_000),
    /** Longest pause between two reads while waiting (reads start at 250 ms, then POLL_LATE_FRACTION of the wait). */
    pollMaxIntervalMs: z._default(z.int().check(z.minimum(50), z.maximum(30_000)), 2000),
    /** Send RecordLifecycleActionHeartbeat when less than this is left of the hook's heartbeat timeout. */
    heartbeatMarginSeconds: z._default(z.int().check(z.minimum(1), z.maximum(7200)), 60),
  })
  .check(
    z.refine(
      (c) => c.groups.every((g) => g.expectedInterfaces <= c.maxInterfacesPerGroup),
      "groups[].expectedInterfaces must not exceed maxInterfacesPerGroup",
    ),
  );

export type EniReattachConfig = z.infer<typeof EniReattachConfigSchema>;
export type EniReattachGroupConfig = z.infer<typeof EniReattachGroupSchema>;
