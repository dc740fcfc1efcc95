import type { Finding, Severity } from "../../types";

/** The AWS documentation the vfxt-ip-move checks rely on (also in docs/aws-behaviour.md and docs/doctor.md). */
export const SOURCES = {
  subnetReserved:
    "https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html (the first four and the last address of every subnet are reserved: network, VPC router, DNS, future use, network broadcast)",
  assignPrivateIps:
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssignPrivateIpAddresses.html (an address of the ENI's subnet; AllowReassignment moves it)",
  routeMoreSpecific:
    "https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html (a route more specific than the local route only for a subnet's exact CIDR)",
  cidrReservations:
    "https://docs.aws.amazon.com/vpc/latest/userguide/subnet-cidr-reservation.html (prefix: AWS assigns the addresses to prefix-delegation ENIs; explicit: you assign them, AWS never picks them)",
  ipsPerEni:
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/AvailableIpPerENI.html; DescribeInstanceTypes NetworkInfo.Ipv4AddressesPerInterface (primary included)",
  statusCheckAlarms:
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/creating_status_check_alarms.html (AWS/EC2 StatusCheckFailed, StatusCheckFailed_Instance, StatusCheckFailed_System per InstanceId)",
  alarmActions:
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/UsingAlarmActions.html; https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-recover.html (a recovered instance keeps its private and Elastic IP addresses; a terminated one loses them)",
  sourceDestCheck:
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceAttribute.html (source/destination check must be off to route traffic that is not the instance's own)",
  vfxtNodes:
    'Avere vFXT for AWS install guide, "Plan the cluster" (subnets within one VPC; client-facing addresses move among nodes through EC2 API calls)',
} as const;

/** The ids of the vfxt-ip-move checks (stable: tests and operators refer to them). */
export const CHECK = {
  nodes: "vfxt-ip-move/nodes",
  addressRules: "vfxt-ip-move/address-rules",
  reservations: "vfxt-ip-move/reservations",
  placement: "vfxt-ip-move/address-placement",
  routes: "vfxt-ip-move/routes",
  alarms: "vfxt-ip-move/status-alarms",
  capacity: "vfxt-ip-move/address-capacity",
} as const;

/** A finding of a vfxt-ip-move check. */
export const finding = (
  check: string,
  severity: Severity,
  resource: string,
  message: string,
  fix: string,
  source: string,
): Finding => ({ check, capability: "vfxt-ip-move", severity, resource, message, fix, source });
