/**
 * Where the Lambda probe's targets really go from a probe subnet: the effective route of each target
 * address in the probe subnet's table (longest prefix, then static over propagated: the failover
 * function's own route-priority code). A Direct Connect target must be carried by a route the group's
 * gateway propagates, else the probe measures another path (the VPN, a peering) or nothing at all; a VPN
 * target must go to the appliance, not over Direct Connect, else the "VPN" fails together with DX and a
 * DX loss never triggers.
 */
import type { DxFailoverGroupConfig } from "../../../../functions/dx-failover/config";
import {
  candidatesOf,
  describeSegment,
  isDirectConnect,
  type Segment,
  segmentsOf,
} from "../../../../functions/dx-failover/failover/plan/effective";
import { parseTarget } from "../../../../functions/dx-failover/probe/tcp";
import { parseCidr } from "../../../../shared/net/cidr";
import type { ProbeSubnet } from "./observe";

export interface TargetProblem {
  severity: "error" | "warning";
  message: string;
}

type Path = "directConnect" | "vpn";

/** The route that carries one address in a table, or why the address cannot be judged. */
const winnerOf = (p: ProbeSubnet, host: string): { segment?: Segment; problem?: string } => {
  const block = parseCidr(host.includes(":") ? `${host}/128` : `${host}/32`);
  if (block === undefined)
    return { problem: "is a name, not an IP address: its route cannot be judged (use IP addresses)" };
  if ((block.version === 4 && host.startsWith("127.")) || host === "::1")
    return { problem: "is a loopback address: it never leaves the probe, so it tests no path" };
  const { candidates } = candidatesOf(p.table?.routes ?? [], p.prefixLists, block.version);
  return { segment: segmentsOf(candidates, block)[0] };
};

const judgeDx = (segment: Segment | undefined, gateways: readonly string[]): string | undefined => {
  const route = segment?.winner?.route;
  if (route === undefined)
    return "no route of the probe table carries it: the DX probe always fails (false failovers)";
  const fromGroup = gateways.length === 0 || route.targets.some((t) => gateways.includes(t.id));
  if (isDirectConnect(route) && fromGroup) return undefined;
  return `its effective route is ${describeSegment(segment as Segment)}, not a route the group's gateway propagates: the "Direct Connect" probe measures another path`;
};

const judgeVpn = (
  segment: Segment | undefined,
  applianceEni: string | undefined,
): TargetProblem | undefined => {
  const route = segment?.winner?.route;
  if (route === undefined)
    return {
      severity: "error",
      message:
        "no route of the probe table carries it: the VPN probe always fails (the VPN never looks healthy)",
    };
  if (isDirectConnect(route))
    return {
      severity: "error",
      message: `its effective route is ${describeSegment(segment as Segment)}, Direct Connect: the "VPN" answers only while DX is up, so a DX loss never triggers`,
    };
  if (applianceEni !== undefined && route.targets.some((t) => t.id === applianceEni)) return undefined;
  return {
    severity: "warning",
    message: `its effective route is ${describeSegment(segment as Segment)}, not the appliance ${applianceEni ?? "(not found)"}: the VPN path is not judged`,
  };
};

/** What is wrong with each probe target of a group from one probe subnet. */
export const targetProblems = (
  group: DxFailoverGroupConfig,
  p: ProbeSubnet,
  gateways: readonly string[],
  applianceEni: string | undefined,
): TargetProblem[] => {
  if (p.table === undefined) return [];
  const paths: Path[] = ["directConnect", "vpn"];
  return paths.flatMap((path) =>
    group.probe[path].flatMap((text): TargetProblem[] => {
      const { host } = parseTarget(text);
      const { segment, problem } = winnerOf(p, host);
      const label = `${path === "vpn" ? "VPN" : "Direct Connect"} probe target ${text}`;
      if (problem !== undefined) return [{ severity: "warning", message: `${label} ${problem}` }];
      if (path === "directConnect") {
        const wrong = judgeDx(segment, gateways);
        return wrong === undefined ? [] : [{ severity: "error", message: `${label}: ${wrong}` }];
      }
      const judged = judgeVpn(segment, applianceEni);
      return judged === undefined ? [] : [{ ...judged, message: `${label}: ${judged.message}` }];
    }),
  );
};
