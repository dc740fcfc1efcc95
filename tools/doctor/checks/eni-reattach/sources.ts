import type { Finding, Severity } from "../../types";

/** The AWS documentation the eni-reattach checks rely on (also in docs/aws-behaviour.md and docs/doctor.md). */
export const SOURCES = {
  putLifecycleHook:
    "https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutLifecycleHook.html (HeartbeatTimeout 30–7200 s; DefaultResult, default ABANDON)",
  addingHooks:
    'https://docs.aws.amazon.com/autoscaling/ec2/userguide/adding-lifecycle-hooks.html (ABANDON on terminate "stops any remaining actions, such as other lifecycle hooks")',
  completingHooks:
    "https://docs.aws.amazon.com/autoscaling/ec2/userguide/completing-lifecycle-hooks.html (RecordLifecycleActionHeartbeat restarts the timeout; DefaultResult at timeout)",
  lifecycleHooks:
    "https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks.html (several hooks per transition; the instance waits for each)",
  maintenancePolicy:
    "https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-maintenance-policy-overview-and-considerations.html (launch before terminating with MinHealthyPercentage 100)",
  warmPool: "https://docs.aws.amazon.com/autoscaling/ec2/userguide/warm-pool-instance-lifecycle.html",
  healthChecks:
    "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html (ELB health checks mark an instance unhealthy when the load balancer does)",
  retention:
    "https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RetentionTriggers.html (TerminateHookAbandon retain → Terminating:Retained)",
  sameZone:
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html (a network interface attaches only to an instance in the same Availability Zone)",
  outpostEni:
    "https://docs.aws.amazon.com/outposts/latest/userguide/outposts-networking-components.html; API OutpostArn on Subnet, NetworkInterface, Instance (an Outpost subnet's ENI attaches only to an instance on that Outpost)",
  deleteOnTermination:
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterfaceAttachmentChanges.html (DeleteOnTermination: the interface is deleted when the instance is terminated)",
  sourceDestCheck:
    'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceAttribute.html ("You must disable source/destination checks if the instance runs services such as network address translation, routing, or firewalls.")',
  networkCards:
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkCardInfo.html (MaximumNetworkInterfaces per network card)",
  localGatewayRoutes:
    "https://docs.aws.amazon.com/outposts/latest/userguide/routing.html (local gateway route tables: a route to an ENI is active only while the ENI is attached to a running instance); API SearchLocalGatewayRoutes, ModifyLocalGatewayRoute",
} as const;

/** The ids of the eni-reattach checks (stable: tests and operators refer to them). */
export const CHECK = {
  group: "eni-reattach/group",
  hooks: "eni-reattach/hooks",
  heartbeat: "eni-reattach/heartbeat-timeout",
  defaultResult: "eni-reattach/default-result",
  foreignHooks: "eni-reattach/foreign-hooks",
  allowList: "eni-reattach/eni-allow-list",
  placement: "eni-reattach/eni-placement",
  sourceDest: "eni-reattach/source-dest-check",
  interfaces: "eni-reattach/interface-capacity",
  order: "eni-reattach/replacement-order",
  localGateway: "eni-reattach/local-gateway-routes",
} as const;

/** A finding of an eni-reattach check. */
export const finding = (
  check: string,
  severity: Severity,
  resource: string,
  message: string,
  fix: string,
  source: string,
): Finding => ({ check, capability: "eni-reattach", severity, resource, message, fix, source });
