/** The IAM actions a snapshot calls (all read-only), by service prefix: the policy docs/snapshot.md prints. */
export const SNAPSHOT_ACTIONS: readonly string[] = [
  "ec2:DescribeInstances",
  "ec2:DescribeInstanceStatus",
  "ec2:DescribeInstanceTypes",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeRouteTables",
  "ec2:DescribeSubnets",
  "ec2:DescribeVpcs",
  "ec2:DescribeLocalGatewayRouteTables",
  "ec2:SearchLocalGatewayRoutes",
  "ec2:DescribeAddresses",
  "ec2:GetSubnetCidrReservations",
  "ec2:DescribeManagedPrefixLists",
  "ec2:GetManagedPrefixListEntries",
  "autoscaling:DescribeAutoScalingGroups",
  "autoscaling:DescribeLifecycleHooks",
  "autoscaling:DescribeWarmPool",
  "cloudwatch:DescribeAlarms",
  "cloudwatch:ListTagsForResource",
  "cloudwatch:GetMetricData",
  "directconnect:DescribeVirtualInterfaces",
  "outposts:GetOutpost",
  "outposts:GetOutpostInstanceTypes",
];

/** The read-only IAM policy document for `npm run snapshot`. */
export const snapshotPolicy = () => ({
  Version: "2012-10-17",
  Statement: [
    { Sid: "OpsToolkitSnapshotReadOnly", Effect: "Allow", Action: [...SNAPSHOT_ACTIONS], Resource: "*" },
  ],
});
