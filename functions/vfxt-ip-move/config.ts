import { isCidr, parseCidr, parseIp } from "../../shared/net/cidr";
import * as z from "../../shared/runtime/zod";

/** vfxt-ip-move configuration (`vfxtIpMove` in config/<stage>.json). Every knob has a default. */

export const CAPABILITY = "vfxt-ip-move";

const positiveInt = (max: number) => z.int().check(z.minimum(1), z.maximum(max));

/** A client-facing address of a vFXT cluster: one IPv4 address, or a range as a CIDR from /24 to /32. */
const VfxtAddress = z.string().check(
  z.refine((value) => {
    if (!value.includes("/")) return parseIp(value, 4) !== undefined;
    const range = parseCidr(value, { version: 4, hostBits: "mask" });
    return range !== undefined && range.prefix >= 24;
  }, "must be an IPv4 address or a CIDR from /24 to /32"),
  z.refine((value) => !value.includes("/") || !isCidr(value, { hostBits: "mask" }) || isCidr(value), {
    message: "a range must be a CIDR block (no host bits set), e.g. 10.0.1.96/28",
  }),
);

export const VfxtClusterSchema = z.object({
  /** The value of the cluster tag on the nodes (and, for IAM, on their ENIs and the route tables). */
  name: z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9._:/+=@-]+$/)),
  /** The client-facing addresses (or ranges); the mode of each follows from the topology. */
  addresses: z.array(VfxtAddress).check(z.minLength(1), z.maxLength(64)),
  /** Route tables holding the /32 routes of the addresses outside the nodes' subnets. */
  routeTableIds: z._default(z.array(z.string().check(z.regex(/^rtb-([0-9a-f]{8}|[0-9a-f]{17})$/))), []),
  /** Move addresses back to a node that returns (off: the cluster's own software may manage them). */
  rebalance: z._default(z.boolean(), false),
});

export const VfxtIpMoveConfigSchema = z.object({
  /** Nodes carry this tag with the cluster name as value. */
  clusterTagKey: z._default(z.string().check(z.minLength(1), z.maxLength(128)), "ops:vfxt-cluster"),
  /** Status-check alarms of the nodes: `<prefix><instance-id>`; a node whose alarm is in ALARM is unhealthy. */
  statusAlarmPrefix: z._default(
    z.string().check(z.minLength(1), z.maxLength(200), z.regex(/^[A-Za-z0-9._-]+$/)),
    "ops-vfxt-status-",
  ),
  clusters: z._default(
    z.array(VfxtClusterSchema).check(
      z.refine((clusters) => new Set(clusters.map((c) => c.name)).size === clusters.length, {
        message: "cluster names must be unique",
      }),
    ),
    [],
  ),
  /** At most this many addresses are moved by one invocation; the rest wait for the next one. */
  maxAddressesPerInvocation: z._default(positiveInt(1024), 64),
  /** How long to read back the addresses and routes after a move (the remap is asynchronous). */
  verifyTimeoutMs: z._default(z.int().check(z.minimum(0), z.maximum(60_000)), 5000),
});

export type VfxtIpMoveConfig = z.infer<typeof VfxtIpMoveConfigSchema>;
export type VfxtClusterConfig = z.infer<typeof VfxtClusterSchema>;
