#!/bin/bash
# ops-toolkit dx-failover: EC2 user data that installs and starts the path probe agent at first boot, on
# the utility instance in a Local Zone subnet of the group (its route table keeps the propagated Direct
# Connect route). See functions/dx-failover/README.md ("The agent on a utility instance").
#
# Before use: build the bundle and upload it with the unit file, then fill in the values below.
#   npx esbuild tools/dx-probe.ts --bundle --platform=node --target=node20 --format=esm --outfile=dx-probe.mjs
#   aws s3 cp dx-probe.mjs         s3://<bucket>/ops-toolkit/dx-probe.mjs
#   aws s3 cp deploy/dx-probe.service s3://<bucket>/ops-toolkit/dx-probe.service
# The instance profile needs s3:GetObject on those two objects, plus the agent policy of the README
# (cloudwatch:PutMetricData in the toolkit's namespace, events:PutEvents on the trigger bus), and its role
# listed in dxFailover.agentRoleArns. Tested shape: Amazon Linux 2023 (dnf, systemd).
set -euo pipefail

ARTIFACTS="s3://CHANGE-ME-bucket/ops-toolkit"  # where dx-probe.mjs and dx-probe.service are
GROUP="lz-prod"                                 # dxFailover.groups[].name
DX_TARGETS="10.200.0.10:22,10.200.0.11:443"     # on-premises targets reached through Direct Connect
VPN_TARGETS="10.200.0.10:22"                    # the same (or others) reached through the VPN appliance
OPTS="--interval 1000 --threshold 2 --bus ops-toolkit-dx-trigger"

# The Region of this instance (IMDSv2), for the SDK and the agent's --region.
TOKEN=$(curl -sS -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60")
REGION=$(curl -sS -H "X-aws-ec2-metadata-token: ${TOKEN}" http://169.254.169.254/latest/meta-data/placement/region)

dnf install -y nodejs20 awscli-2
NODE=$(command -v node-20 || command -v node)

id dx-probe >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin dx-probe
install -d -m 0755 /opt/ops-toolkit /etc/ops-toolkit
aws s3 cp --region "${REGION}" "${ARTIFACTS}/dx-probe.mjs" /opt/ops-toolkit/dx-probe.mjs
aws s3 cp --region "${REGION}" "${ARTIFACTS}/dx-probe.service" /etc/systemd/system/dx-probe.service
chmod 0644 /opt/ops-toolkit/dx-probe.mjs /etc/systemd/system/dx-probe.service
# The unit runs /usr/bin/node; point it at the installed Node 20.
sed -i "s|^ExecStart=/usr/bin/node |ExecStart=${NODE} |" /etc/systemd/system/dx-probe.service

umask 027
cat >/etc/ops-toolkit/dx-probe.env <<EOF
DX_PROBE_GROUP=${GROUP}
AWS_REGION=${REGION}
DX_PROBE_DX=${DX_TARGETS}
DX_PROBE_VPN=${VPN_TARGETS}
DX_PROBE_OPTS=${OPTS}
EOF
chgrp dx-probe /etc/ops-toolkit/dx-probe.env

# One probe round before starting the service: exit 1 means Direct Connect did not answer (logged, not
# fatal: the service keeps probing and the failover function decides).
sudo -u dx-probe "${NODE}" /opt/ops-toolkit/dx-probe.mjs --dx "${DX_TARGETS}" --vpn "${VPN_TARGETS}" --once \
  || echo "dx-probe: Direct Connect did not answer the first probe round" >&2

systemctl daemon-reload
systemctl enable --now dx-probe
