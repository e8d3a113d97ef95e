data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:Only the first az_count zones by name are used (or the availability_zones variable pins them), so a zone AWS adds later does not move subnets.
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

# The newest Amazon Linux 2023 AMI, unless ami_id pins one. Owner "amazon" only (no look-alike images).
data "aws_ami" "al2023" {
  count = var.ami_id == null ? 1 : 0

  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["al2023-ami-2023.*-kernel-*-${var.architecture}"]
  }

  filter {
    name   = "architecture"
    values = [var.architecture]
  }

  filter {
    name   = "virtualization-type"
    values = ["hvm"]
  }
}

locals {
  name       = "${var.project}-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # skiff's port: the container listens on it, the host publishes it, the target group sends to it.
  container_port = 5001

  # SSM. The hierarchy skiff loads, and the ARN that GetParametersByPath is authorised against: the path
  # itself (…:parameter/project/environment), not a wildcard below it.
  ssm_prefix                = coalesce(var.ssm_prefix, "/${var.project}/${var.environment}")
  ssm_parameter_arn_base    = "arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter"
  ssm_path_arn              = "${local.ssm_parameter_arn_base}${local.ssm_prefix}"
  image_tag_parameter_name  = "${local.ssm_prefix}/ml_server_image_tag"
  image_tag_parameter_arn   = "${local.ssm_parameter_arn_base}${local.image_tag_parameter_name}"
  ghcr_token_parameter_name = coalesce(var.ghcr_token_parameter_name, "${local.ssm_prefix}-deploy/ghcr_token")
  ghcr_token_parameter_arn  = "${local.ssm_parameter_arn_base}${local.ghcr_token_parameter_name}"

  # Registry host and the default login name: ghcr.io/<owner>/skiff → ghcr.io, <owner>.
  registry          = split("/", var.image_repository)[0]
  registry_username = coalesce(var.registry_username, split("/", var.image_repository)[1])

  # CloudWatch. skiff ships its own log lines (stream = instance id); the agent ships boot logs and metrics.
  log_group_prefix      = "/${var.project}/${var.environment}"
  app_log_group_name    = "${local.log_group_prefix}/skiff"
  system_log_group_name = "${local.log_group_prefix}/skiff-system"
  flow_log_group_name   = "${local.log_group_prefix}/vpc-flow-logs"
  metrics_namespace     = "skiff/${var.project}/${var.environment}"

  # Shutdown arithmetic (README "Graceful shutdown"): skiff needs drain + grace after SIGTERM, so Docker waits
  # that plus 5 s before SIGKILL; the target group keeps a deregistered target that long at least.
  stop_timeout_seconds = var.drain_delay_seconds + var.shutdown_grace_seconds + 5
  idle_timeout_seconds = var.alb_idle_timeout + 15

  ami_id = var.ami_id != null ? var.ami_id : data.aws_ami.al2023[0].id

  vpc_id             = var.create_vpc ? aws_vpc.this[0].id : var.vpc_id
  public_subnet_ids  = var.create_vpc ? aws_subnet.public[*].id : var.public_subnet_ids
  private_subnet_ids = var.create_vpc ? aws_subnet.private[*].id : var.private_subnet_ids
}
