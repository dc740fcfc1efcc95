import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DescribeVirtualInterfacesCommand, type DirectConnectClient } from "@aws-sdk/client-direct-connect";
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
  type NetworkInterface,
} from "@aws-sdk/client-ec2";
import { awsCall, awsErrorCode, toAwsCallError } from "../../../../shared/aws/errors";
import { loadMetricAlarms } from "../../../../shared/observe/loaders";
import type {
  AddressFamily,
  AlarmSignal,
  ApplianceSignal,
  Signals,
  VirtualInterfaceSignal,
} from "../plan/types";

/** Fresh reads of the other signals of a group: its alarms, BGP of its virtual interfaces, the appliance. */

export const ALARM_SUFFIXES = {
  dxDown: "dx-down",
  dxNotRestored: "dx-not-restored",
  vpnDown: "vpn-down",
  probeMissing: "probe-missing",
} as const;
export type AlarmKey = keyof typeof ALARM_SUFFIXES;

export const alarmNameOf = (prefix: string, group: string, key: AlarmKey) =>
  `${prefix}${group}-${ALARM_SUFFIXES[key]}`;

/** The group and alarm key of an alarm name, if it is one of ours. */
export const parseAlarmName = (
  prefix: string,
  groups: readonly string[],
  name: string,
): { group: string; key: AlarmKey } | undefined => {
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  for (const group of groups)
    for (const [key, suffix] of Object.entries(ALARM_SUFFIXES) as [AlarmKey, string][])
      if (rest === `${group}-${suffix}`) return { group, key };
  return undefined;
};

export const loadGroupAlarms = async (
  cloudWatch: CloudWatchClient,
  prefix: string,
  group: string,
): Promise<Signals["alarms"]> => {
  const keys = Object.keys(ALARM_SUFFIXES) as AlarmKey[];
  const views = await loadMetricAlarms(cloudWatch, { names: keys.map((k) => alarmNameOf(prefix, group, k)) });
  const out: Signals["alarms"] = {};
  for (const key of keys) {
    const view = views.find((v) => v.name === alarmNameOf(prefix, group, key));
    if (view !== undefined) {
      const signal: AlarmSignal = { state: view.state, since: view.stateUpdated.getTime() };
      out[key] = signal;
    }
  }
  return out;
};

const family = (f: string | undefined): AddressFamily | undefined =>
  f === "ipv4" || f === "ipv6" ? f : undefined;
const status = (s: string | undefined) => (s === "up" || s === "down" ? s : "unknown");

/**
 * BGP of the group's virtual interfaces, per session and address family (one call per interface: the
 * operation takes one id). An unknown interface is reported and left out; a throttled read is thrown.
 */
export const loadVirtualInterfaces = async (
  dx: DirectConnectClient,
  ids: readonly string[],
): Promise<{ interfaces: VirtualInterfaceSignal[]; problems: string[] }> => {
  const problems: string[] = [];
  const read = async (id: string): Promise<VirtualInterfaceSignal[]> => {
    try {
      const page = await dx.send(new DescribeVirtualInterfacesCommand({ virtualInterfaceId: id }));
      return (page.virtualInterfaces ?? [])
        .filter((v) => v.virtualInterfaceId === id)
        .map((v) => ({
          id,
          state: v.virtualInterfaceState ?? "unknown",
          peers: (v.bgpPeers ?? []).flatMap((p) => {
            const f = family(p.addressFamily);
            return f === undefined ? [] : [{ family: f, status: status(p.bgpStatus) }];
          }),
        }));
    } catch (error) {
      const failure = toAwsCallError("directconnect", "DescribeVirtualInterfaces", error);
      if (failure.retryable) throw failure;
      problems.push(`DescribeVirtualInterfaces ${id} failed (${awsErrorCode(error)}): its BGP is unknown`);
      return [];
    }
  };
  const interfaces = (await Promise.all(ids.map(read))).flat();
  return { interfaces, problems };
};

export interface ObservedAppliance {
  /** The appliance ENI now (undefined: none found). */
  eniId?: string;
  /** Every ENI carrying the appliance tag in the group's VPC (earlier appliances among them). */
  tagged: string[];
  /** Several attached ENIs carry the tag: none is chosen (never "the first"); their ids. */
  ambiguous?: string[];
  signal?: ApplianceSignal;
  problems: string[];
}

const isRunning = async (ec2: EC2Client, instanceId: string): Promise<boolean> => {
  const page = await awsCall("ec2", "DescribeInstances", () =>
    ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })),
  );
  return page.Reservations?.flatMap((r) => r.Instances ?? [])[0]?.State?.Name === "running";
};

const describeEnis = async (
  ec2: EC2Client,
  input: { NetworkInterfaceIds?: string[]; Filters?: { Name: string; Values: string[] }[] },
) => {
  try {
    return (await ec2.send(new DescribeNetworkInterfacesCommand(input))).NetworkInterfaces ?? [];
  } catch (error) {
    if (awsErrorCode(error) === "InvalidNetworkInterfaceID.NotFound") return [];
    throw toAwsCallError("ec2", "DescribeNetworkInterfaces", error);
  }
};

const attachedInstance = (eni: NetworkInterface) =>
  eni.Attachment?.Status === "attached" ? eni.Attachment.InstanceId : undefined;

/**
 * The appliance ENI: by id, or by tag in the VPC of the group's tables (an identically tagged appliance of
 * another VPC is never a candidate); the one attached to an instance, so a replaced appliance's new ENI is
 * found again. Several attached candidates: none is chosen (the VPN is not ready, and it is reported).
 * Ready = attached to a running instance with source/dest check off.
 */
export const loadAppliance = async (
  ec2: EC2Client,
  group: { applianceEniId?: string; applianceTag?: string },
  vpcIds: readonly string[],
): Promise<ObservedAppliance> => {
  const problems: string[] = [];
  let tagged: NetworkInterface[] = [];
  if (group.applianceTag !== undefined) {
    const [key = "", value = ""] = group.applianceTag.split(/=(.*)/s);
    tagged = await describeEnis(ec2, {
      Filters: [
        { Name: `tag:${key}`, Values: [value] },
        ...(vpcIds.length > 0 ? [{ Name: "vpc-id", Values: [...vpcIds] }] : []),
      ],
    });
  }
  const byId =
    group.applianceEniId !== undefined
      ? await describeEnis(ec2, { NetworkInterfaceIds: [group.applianceEniId] })
      : [];
  const attached = tagged.filter((e) => attachedInstance(e) !== undefined);
  const ids = tagged.flatMap((e) => (e.NetworkInterfaceId ? [e.NetworkInterfaceId] : []));
  if (byId.length === 0 && attached.length > 1) {
    const ambiguous = attached.flatMap((e) => (e.NetworkInterfaceId ? [e.NetworkInterfaceId] : [])).sort();
    return {
      tagged: ids,
      ambiguous,
      problems: [`several attached ENIs carry ${group.applianceTag}: ${ambiguous.join(", ")}; none is used`],
    };
  }
  const eni = byId[0] ?? attached[0] ?? tagged[0];
  if (eni?.NetworkInterfaceId === undefined)
    return { tagged: ids, problems: [...problems, "no appliance ENI found"] };
  const instanceId = attachedInstance(eni);
  return {
    eniId: eni.NetworkInterfaceId,
    tagged: ids,
    signal: {
      attached: instanceId !== undefined,
      instanceRunning: instanceId !== undefined && (await isRunning(ec2, instanceId)),
      sourceDestCheck: eni.SourceDestCheck !== false,
    },
    problems,
  };
};
