#!/bin/bash
# skiff instance bootstrap (Amazon Linux 2023), rendered by Terraform's templatefile() from
# infra/terraform/templates/user-data.sh.tftpl. Runs once, as root, at first boot; its output goes to
# /var/log/cloud-init-output.log, which the CloudWatch agent ships to the system log group.
#
# Installs Docker and the CloudWatch agent, reads the image tag and the registry token from SSM, pulls the image
# and runs skiff on port 5001 with its SSM path. The token is read into a variable and handed to
# `docker login` on stdin: it is never echoed, never on a command line, and tracing (set -x) is never on.
# Ansible rollouts reuse /etc/skiff/skiff.env and the container name "skiff".
set -euo pipefail

region='eu-west-1'
ssm_parameter_path='/acme/production/'
image_repository='ghcr.io/acme/skiff'
registry='ghcr.io'
registry_username='acme'
registry_token_parameter='/acme/production-deploy/ghcr_token'
image_tag_parameter='/acme/production/ml_server_image_tag'
app_log_group='/acme/production/skiff'
container_port='5001'
shutdown_grace_seconds='25'
drain_delay_seconds='5'
idle_timeout_seconds='675'
stop_timeout_seconds='35'

log() { printf '%s skiff-boot: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

# retry ATTEMPTS COMMAND...: run COMMAND until it succeeds, at most ATTEMPTS times, 5 s apart (the instance
# profile's credentials can take a moment to appear; AWS APIs and registries throttle).
retry() {
  local attempts=$1 attempt=1
  shift
  until "$@"; do
    if [ "$attempt" -ge "$attempts" ]; then
      return 1
    fi
    attempt=$((attempt + 1))
    sleep 5
  done
}

# ssm_value NAME: the parameter's (decrypted) value on stdout; errors go to stderr, never the value.
ssm_value() {
  aws ssm get-parameter --region "$region" --name "$1" --with-decryption --query Parameter.Value --output text
}

registry_token=''
registry_login() {
  printf '%s' "$registry_token" | docker login --username "$registry_username" --password-stdin "$registry" >/dev/null
}

log "installing Docker and the CloudWatch agent"
retry 5 dnf install -y -q docker amazon-cloudwatch-agent

# Docker waits for skiff's drain delay and shutdown grace on `docker stop` and at shutdown; container logs
# rotate (skiff ships its own lines to CloudWatch).
install -d -m 0755 /etc/docker
cat > /etc/docker/daemon.json <<'JSON'
{
  "log-driver": "local",
  "log-opts": { "max-size": "20m", "max-file": "5" },
  "shutdown-timeout": 35
}
JSON
systemctl enable --now docker

log "starting the CloudWatch agent"
cat > /opt/aws/amazon-cloudwatch-agent/etc/skiff.json <<'JSON'
{
  "agent": { "metrics_collection_interval": 60, "run_as_user": "root" },
  "metrics": {
    "namespace": "skiff/acme/production",
    "append_dimensions": { "InstanceId": "${aws:InstanceId}" },
    "aggregation_dimensions": [["InstanceId"], []],
    "metrics_collected": {
      "mem": { "measurement": ["mem_used_percent"] },
      "disk": { "measurement": ["used_percent"], "resources": ["/"] }
    }
  },
  "logs": {
    "logs_collected": {
      "files": {
        "collect_list": [
          {
            "file_path": "/var/log/cloud-init-output.log",
            "log_group_name": "/acme/production/skiff-system",
            "log_stream_name": "{instance_id}/cloud-init-output"
          }
        ]
      }
    }
  }
}
JSON
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \
  -c file:/opt/aws/amazon-cloudwatch-agent/etc/skiff.json

log "reading the image tag from $image_tag_parameter"
image_tag=$(retry 12 ssm_value "$image_tag_parameter")
if ! [[ $image_tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then
  log "$image_tag_parameter does not hold a Docker tag"
  exit 1
fi
image="$image_repository:$image_tag"

log "logging in to $registry as $registry_username (token from $registry_token_parameter)"
registry_token=$(retry 12 ssm_value "$registry_token_parameter")
retry 5 registry_login
registry_token=''

log "pulling $image"
retry 5 docker pull --quiet "$image" >/dev/null
docker logout "$registry" >/dev/null

# Settings that belong to the infrastructure; everything else comes from SSM, which skiff loads itself.
# Variables set here win over parameters of the same name (SSM_OVERWRITE_ENV=false).
install -d -m 0755 /etc/skiff
cat > /etc/skiff/skiff.env <<ENV
SSM_PARAMETER_PATH=$ssm_parameter_path
AWS_REGION=$region
CLOUDWATCH_LOG_GROUP=$app_log_group
TRUSTED_PROXY_COUNT=1
ML_SERVER_PORT=$container_port
SHUTDOWN_GRACE_SECONDS=$shutdown_grace_seconds
DRAIN_DELAY_SECONDS=$drain_delay_seconds
IDLE_TIMEOUT_SECONDS=$idle_timeout_seconds
ENV
printf '%s\n' "$image" > /etc/skiff/image

log "starting $image"
docker rm --force skiff >/dev/null 2>&1 || true
docker run --detach --name skiff \
  --restart unless-stopped \
  --stop-timeout "$stop_timeout_seconds" \
  --publish "$container_port:$container_port" \
  --env-file /etc/skiff/skiff.env \
  "$image" >/dev/null

# Not needed for correctness (the target group's health check decides), but it puts the outcome, and on failure
# skiff's own last words, in the boot log.
for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$container_port/health/ready"; then
    log "skiff is ready"
    exit 0
  fi
  sleep 5
done
log "skiff is not ready after 10 minutes; the container's last log lines follow"
docker logs --tail 50 skiff 2>&1 || true
