/**
 * What the checks share: building a finding of a check, the AWS documentation they cite, and reads
 * cached per context (several checks of a capability read the same instances or route tables once).
 */
import type { Check, DoctorContext, Finding, Severity } from "../types";

/** A finding of `check`: the check's id and capability filled in. */
export const findingOf = (
  check: Pick<Check, "id" | "capability">,
  severity: Severity,
  details: { resource?: string; message: string; fix: string; source?: string },
): Finding => ({ check: check.id, capability: check.capability, severity, ...details });

/** The AWS documentation the checks rely on (also listed in docs/doctor.md and docs/aws-behaviour.md). */
export const SOURCES = {
  hibernationPrerequisites:
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/hibernating-prerequisites.html (EC2 User Guide, Prerequisites for EC2 instance hibernation)",
  enableHibernation:
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/enabling-hibernation.html (EC2 User Guide, Enable instance hibernation: not after launch)",
  hibernationLimitations:
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-hibernate-limitations.html (EC2 User Guide, Limitations: Auto Scaling groups, ECS)",
  instanceStore:
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/InstanceStorage.html (EC2 User Guide, Instance store: data lost when the instance stops or hibernates)",
  alarmActions:
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html (CloudWatch User Guide, Alarm actions; ActionsEnabled)",
  routePriority:
    "https://docs.aws.amazon.com/vpc/latest/userguide/route-tables.html#route-tables-priority (VPC User Guide, Route priority: longest prefix, then static over propagated)",
  routePropagation:
    "https://docs.aws.amazon.com/vpc/latest/userguide/WorkWithRouteTables.html#EnableDisableRouteProp (VPC User Guide, Enable or disable route propagation)",
  vpcQuotas:
    "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html (VPC User Guide, Quotas: routes per route table)",
  tagRestrictions:
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions (EC2 User Guide, Tag restrictions: 50 tags per resource)",
  routeTables:
    "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html (VPC User Guide, Route tables: a route whose target is not available is a blackhole)",
  sourceDestCheck:
    'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceAttribute.html (SourceDestCheck: "You must disable source/destination checks if the instance runs services such as network address translation, routing, or firewalls.")',
  lambdaVpc:
    "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html (Lambda Developer Guide, Giving Lambda functions access to resources in a VPC)",
  lambdaInternet:
    "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html (Lambda Developer Guide, Internet access for VPC-connected functions: a public subnet gives no public IP)",
  eventBridgeEndpoint:
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-related-service-vpc.html (EventBridge User Guide, Using EventBridge with interface VPC endpoints)",
  localZonesDx:
    "https://docs.aws.amazon.com/local-zones/latest/ug/how-local-zones-work.html (Local Zones User Guide, How Local Zones work: Direct Connect traffic to a Local Zone does not travel through the parent Region)",
  eventBusPermissions:
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html (EventBridge User Guide, Permissions for event buses)",
  arns: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html (IAM User Guide, ARN format: partition and Region)",
} as const;

const caches = new WeakMap<DoctorContext, Map<string, Promise<unknown>>>();

/** `load()` once per context and key: the checks of one run share their reads. */
export const cachedRead = <T>(ctx: DoctorContext, key: string, load: () => Promise<T>): Promise<T> => {
  let cache = caches.get(ctx);
  if (cache === undefined) {
    cache = new Map();
    caches.set(ctx, cache);
  }
  let entry = cache.get(key) as Promise<T> | undefined;
  if (entry === undefined) {
    entry = load();
    cache.set(key, entry);
  }
  return entry;
};
