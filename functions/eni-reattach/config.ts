import { isCidr } from "../../shared/net/cidr";
import * as z from "../../shared/runtime/zod";

/**
 * eni-reattach configuration (`eniReattach` in config/<stage>.json). Membership is by tag: an ENI
 * tagged `<tagKey>=<group>/<device-index>` belongs to Auto Scaling group `<group>` at that index.
 * `groups` only adds per-group policy; a group with tagged ENIs and no entry gets the defaults.
 */

const DestinationCidr = z
  .string()
  .check(z.refine((value) => isCidr(value, { version: 4, hostBits: "mask" }), "must be an IPv4 CIDR"));

export const CAPABILITY = "eni-reattach";
export const CAPACITY_CAPABILITY = "outposts-capacity";

export const EniReattachGroupSchema = z.object({
  /** The Auto Scaling group name (the `<group>` of the tag). */
  name: z.string().check(z.minLength(1), z.maxLength(255)),
  /** Source/destination check set on every ENI after attaching (a firewall needs false). */
  sourceDestCheck: z._default(z.boolean(), false),
  /** Network card the ENIs are attached to (passed explicitly: some types fail at index 1 without it). */
  networkCardIndex: z._default(z.int().check(z.minimum(0), z.maximum(15)), 0),
  /**
   * The group's lifecycle hooks this function completes; empty: every hook of the group. List them when
   * another system owns a hook of the same group, so that its actions are never completed here.
   */
  hookNames: z._default(z.array(z.string().check(z.minLength(1), z.maxLength(255))), []),
  /** How many ENIs the group must have (indexes 1..N); fewer tagged ENIs is a configuration error. */
  expectedInterfaces: z.optional(z.int().check(z.minimum(1), z.maximum(15))),
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
});

export const EniReattachConfigSchema = z.object({
  /** ENIs carry `<tagKey>=<group>/<device-index>`. */
  tagKey: z._default(z.string().check(z.minLength(1), z.maxLength(128)), "ops:eni-attach"),
  /**
   * Tag carrying the group name on the Auto Scaling group (propagated at launch to its instances): the
   * IAM conditions of attach/detach on instances, and of lifecycle completion when no group is listed.
   */
  groupTagKey: z._default(z.string().check(z.minLength(1), z.maxLength(128)), "ops:eni-attach-group"),
  groups: z._default(
    z.array(EniReattachGroupSchema).check(
      z.refine((groups) => new Set(groups.map((g) => g.name)).size === groups.length, {
        message: "group names must be unique",
      }),
    ),
    [],
  ),
  /** Blast radius: a group with more tagged ENIs than this is a configuration error. */
  maxInterfacesPerGroup: z._default(z.int().check(z.minimum(1), z.maximum(15)), 8),
  /** Bounded wait for a detached ENI to read `available`. */
  detachTimeoutMs: z._default(z.int().check(z.minimum(0), z.maximum(600_000)), 120_000),
  /** Bounded wait for an attached ENI to read `attached`. */
  attachTimeoutMs: z._default(z.int().check(z.minimum(0), z.maximum(600_000)), 60_000),
  /** Longest pause between two reads while waiting (reads start at 250 ms and double). */
  pollMaxIntervalMs: z._default(z.int().check(z.minimum(50), z.maximum(30_000)), 2000),
  /** Send RecordLifecycleActionHeartbeat when less than this is left of the hook's heartbeat timeout. */
  heartbeatMarginSeconds: z._default(z.int().check(z.minimum(1), z.maximum(7200)), 60),
});

export type EniReattachConfig = z.infer<typeof EniReattachConfigSchema>;
export type EniReattachGroupConfig = z.infer<typeof EniReattachGroupSchema>;
