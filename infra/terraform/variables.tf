# ---------------------------------------------------------------------------------------------------------------
# Naming and placement
# ---------------------------------------------------------------------------------------------------------------

variable "project" {
  description = "Project name: the first part of every resource name and of the SSM prefix (/<project>/<environment>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.project))
    error_message = "project: lower-case letters, digits and '-', starting with a letter, at most 16 characters (ALB and target group names are capped at 32)."
  }
}

variable "environment" {
  description = "Environment name (production, staging, …): the second part of every resource name and of the SSM prefix."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,11}$", var.environment))
    error_message = "environment: lower-case letters, digits and '-', starting with a letter, at most 12 characters."
  }
}

variable "region" {
  description = "AWS region for every resource, e.g. eu-west-1."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region: an AWS region name such as eu-west-1."
  }
}

variable "tags" {
  description = "Extra tags for every resource (Project, Environment, Service and ManagedBy are always set)."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------------------------------
# Network: create a VPC, or use an existing one
# ---------------------------------------------------------------------------------------------------------------

variable "create_vpc" {
  description = "true: create a VPC with public subnets (ALB, NAT gateways) and private subnets (instances). false: use vpc_id, public_subnet_ids and private_subnet_ids."
  type        = bool
  default     = true
}

variable "vpc_cidr" {
  description = "CIDR of the VPC created when create_vpc is true; split into /20 public and private subnets."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 20
    error_message = "vpc_cidr: an IPv4 CIDR of /20 or larger."
  }
}

variable "az_count" {
  description = "Availability zones to spread the created VPC's subnets (and so the instances) over. An ALB needs at least 2."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "az_count: 2 to 4."
  }
}

variable "availability_zones" {
  description = "With create_vpc: the zones to use, by name (e.g. [\"eu-west-1a\", \"eu-west-1b\"]). Empty: the first az_count available zones, sorted by name."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.availability_zones) == 0 || (length(var.availability_zones) >= 2 && length(var.availability_zones) <= 8)
    error_message = "availability_zones: empty, or 2 to 8 zone names (the subnets are /20 slices: 8 public, 8 private)."
  }
}

variable "single_nat_gateway" {
  description = "With create_vpc: one NAT gateway for all private subnets (cheaper; an AZ outage cuts the others' egress) instead of one per AZ."
  type        = bool
  default     = false
}

variable "enable_flow_logs" {
  description = "With create_vpc: record the VPC's flow logs (rejected and accepted) in a KMS-encrypted CloudWatch log group."
  type        = bool
  default     = true
}

variable "vpc_id" {
  description = "With create_vpc = false: the VPC to use."
  type        = string
  default     = null
}

variable "public_subnet_ids" {
  description = "With create_vpc = false: subnets for the internet-facing ALB (at least two, in different AZs, routed to an internet gateway)."
  type        = list(string)
  default     = []
}

variable "private_subnet_ids" {
  description = "With create_vpc = false: subnets for the instances (egress to GHCR and AWS APIs through NAT or VPC endpoints)."
  type        = list(string)
  default     = []
}

variable "associate_public_ip_address" {
  description = "Give instances a public IP. Only for instance subnets without NAT (public subnets); keep false with private subnets."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------------------------------------------
# Instances and the Auto Scaling group
# ---------------------------------------------------------------------------------------------------------------

variable "instance_type" {
  description = "EC2 instance type. skiff's ONNX inference is CPU-bound: compute-optimised types fit (match architecture)."
  type        = string
  default     = "c7i.large"
}

variable "architecture" {
  description = "CPU architecture of instance_type and of the Amazon Linux 2023 AMI: x86_64 or arm64 (the image is multi-arch)."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture: x86_64 or arm64."
  }
}

variable "ami_id" {
  description = "AMI to launch. null: the newest Amazon Linux 2023 AMI for the architecture at plan time (a newer one changes the launch template and starts an instance refresh; pin an ID to avoid that)."
  type        = string
  default     = null
}

variable "root_volume_size_gb" {
  description = "Size of the encrypted gp3 root volume (OS, Docker images, models)."
  type        = number
  default     = 30

  validation {
    condition     = var.root_volume_size_gb >= 16
    error_message = "root_volume_size_gb: at least 16 (the image and its models need room)."
  }
}

variable "key_name" {
  description = "EC2 key pair for SSH (Ansible over SSH). null: no key; use Session Manager."
  type        = string
  default     = null
}

variable "ssh_ingress_cidrs" {
  description = "CIDRs allowed to reach the instances on port 22 (a bastion, the Ansible runner). Empty: no SSH ingress."
  type        = list(string)
  default     = []
}

variable "enable_session_manager" {
  description = "Let SSM Session Manager reach the instances (a minimal policy, not AmazonSSMManagedInstanceCore, which can read every parameter)."
  type        = bool
  default     = true
}

variable "create_ansible_bucket" {
  description = "Create the S3 bucket Ansible's Session Manager connection moves files through (SKIFF_ANSIBLE_SSM_BUCKET; files expire after a day)."
  type        = bool
  default     = true
}

variable "min_size" {
  description = "Fewest instances in the Auto Scaling group."
  type        = number
  default     = 2

  validation {
    condition     = var.min_size >= 0
    error_message = "min_size: 0 or more."
  }
}

variable "max_size" {
  description = "Most instances in the Auto Scaling group."
  type        = number
  default     = 6

  validation {
    condition     = var.max_size >= var.min_size
    error_message = "max_size: at least min_size."
  }
}

variable "desired_capacity" {
  description = "Instances at creation. Afterwards scaling owns it, and Terraform leaves it alone (ignore_changes)."
  type        = number
  default     = 2

  validation {
    condition     = var.desired_capacity >= var.min_size && var.desired_capacity <= var.max_size
    error_message = "desired_capacity: between min_size and max_size."
  }
}

variable "health_check_grace_period" {
  description = "Seconds after launch before the Auto Scaling group acts on failed ELB health checks: boot, Docker install, image pull, SSM load and model load."
  type        = number
  default     = 420
}

variable "instance_warmup_seconds" {
  description = "Seconds a new instance's metrics are left out of scaling decisions and instance refresh waits after it is healthy."
  type        = number
  default     = 120
}

variable "scaling_metric" {
  description = "Target-tracking metric: cpu (ASGAverageCPUUtilization) or requests (ALBRequestCountPerTarget)."
  type        = string
  default     = "cpu"

  validation {
    condition     = contains(["cpu", "requests"], var.scaling_metric)
    error_message = "scaling_metric: cpu or requests."
  }
}

variable "cpu_target_percent" {
  description = "With scaling_metric = cpu: the average CPU utilisation to hold."
  type        = number
  default     = 60

  validation {
    condition     = var.cpu_target_percent > 0 && var.cpu_target_percent < 100
    error_message = "cpu_target_percent: between 0 and 100."
  }
}

variable "requests_per_target_per_minute" {
  description = "With scaling_metric = requests: ALB requests per instance per minute to hold."
  type        = number
  default     = 3000
}

# ---------------------------------------------------------------------------------------------------------------
# Image and SSM
# ---------------------------------------------------------------------------------------------------------------

variable "image_repository" {
  description = "Container image repository without tag, e.g. ghcr.io/acme/skiff. Its registry host is the one logged in to."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._-]+(/[a-z0-9._-]+)*$", var.image_repository))
    error_message = "image_repository: registry/owner/name in lower case, without a tag, e.g. ghcr.io/acme/skiff."
  }
}

variable "image_tag" {
  description = "Tag written to <ssm_prefix>/ml_server_image_tag when Terraform creates it. Afterwards the release workflow owns the parameter (ignore_changes) and new instances run whatever tag it holds."
  type        = string
  default     = "latest"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "image_tag: a Docker tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})."
  }
}

variable "registry_username" {
  description = "User name for the registry login. null: the repository's owner (ghcr.io/<owner>/…); GHCR accepts any user name with a token."
  type        = string
  default     = null

  validation {
    condition     = var.registry_username == null || can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]*$", var.registry_username))
    error_message = "registry_username: letters, digits, '.', '_' and '-'."
  }
}

variable "ssm_prefix" {
  description = "SSM hierarchy skiff loads at boot (SSM_PARAMETER_PATH). null: /<project>/<environment>. Leading '/', no trailing '/'."
  type        = string
  default     = null

  validation {
    condition     = var.ssm_prefix == null || can(regex("^(/[A-Za-z0-9_.-]+)+$", var.ssm_prefix))
    error_message = "ssm_prefix: like /project/environment, with a leading '/' and no trailing '/'."
  }
}

variable "ghcr_token_parameter_name" {
  description = "SecureString parameter holding the registry token (a GitHub token with read:packages), encrypted with this module's SSM key. null: <ssm_prefix>-deploy/ghcr_token, outside the prefix so skiff never loads it into its environment. Create it yourself: Terraform never holds its value."
  type        = string
  default     = null

  validation {
    condition     = var.ghcr_token_parameter_name == null || can(regex("^(/[A-Za-z0-9_.-]+)+$", var.ghcr_token_parameter_name))
    error_message = "ghcr_token_parameter_name: a full parameter name with a leading '/'."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Load balancer
# ---------------------------------------------------------------------------------------------------------------

variable "certificate_arn" {
  description = "ACM certificate for the HTTPS listener (in region)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.certificate_arn))
    error_message = "certificate_arn: an ACM certificate ARN."
  }
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener: TLS 1.3 with TLS 1.2 forward-secret AEAD ciphers only."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
}

variable "alb_ingress_cidrs" {
  description = "IPv4 CIDRs allowed to reach the ALB on 443 (and 80, which only redirects)."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "alb_idle_timeout" {
  description = "ALB idle timeout in seconds: above GATEWAY_TIMEOUT_SECONDS (600), since a non-streamed LLM answer sends nothing until it is complete and the ALB would cut it with a 504 (and the SDK retry it, paying again). skiff's IDLE_TIMEOUT_SECONDS is set 15 s above it, so the ALB never reuses a connection skiff has just closed."
  type        = number
  default     = 660

  validation {
    condition     = var.alb_idle_timeout >= 1 && var.alb_idle_timeout <= 4000
    error_message = "alb_idle_timeout: 1 to 4000 seconds."
  }
}

variable "alb_deletion_protection" {
  description = "Protect the ALB from deletion (set false before `terraform destroy`)."
  type        = bool
  default     = true
}

variable "access_logs_bucket" {
  description = "S3 bucket for ALB access logs (its policy must let the regional ELB account write). null: no access logs."
  type        = string
  default     = null
}

variable "access_logs_prefix" {
  description = "Key prefix for ALB access logs in access_logs_bucket. null: <project>/<environment>."
  type        = string
  default     = null
}

variable "web_acl_arn" {
  description = "WAFv2 web ACL (REGIONAL) to associate with the ALB. null: none."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------------------------------------------
# Graceful shutdown: skiff's timings and the target group's deregistration delay
# ---------------------------------------------------------------------------------------------------------------

variable "drain_delay_seconds" {
  description = "skiff's DRAIN_DELAY_SECONDS: after SIGTERM, /health/ready answers 503 this long before the listener closes."
  type        = number
  default     = 5

  validation {
    condition     = var.drain_delay_seconds >= 0 && var.drain_delay_seconds <= 300
    error_message = "drain_delay_seconds: 0 to 300."
  }
}

variable "shutdown_grace_seconds" {
  description = "skiff's SHUTDOWN_GRACE_SECONDS: after the drain delay, in-flight requests get this long to finish."
  type        = number
  default     = 25

  validation {
    condition     = var.shutdown_grace_seconds >= 1 && var.shutdown_grace_seconds <= 600
    error_message = "shutdown_grace_seconds: 1 to 600."
  }
}

variable "deregistration_delay" {
  description = "Target group deregistration delay (seconds a deregistered target keeps its in-flight requests). At least drain_delay_seconds + shutdown_grace_seconds; the default 45 = 5 + 25 + 15 s margin. Ansible's target_status_timeout must be longer."
  type        = number
  default     = 45

  validation {
    condition     = var.deregistration_delay >= var.drain_delay_seconds + var.shutdown_grace_seconds && var.deregistration_delay <= 3600
    error_message = "deregistration_delay: at least drain_delay_seconds + shutdown_grace_seconds (skiff may still be finishing requests that long), at most 3600."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Logs and alarms
# ---------------------------------------------------------------------------------------------------------------

variable "log_retention_days" {
  description = "Retention of the CloudWatch log groups (skiff, instance system logs, VPC flow logs)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days: one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "alarm_actions" {
  description = "Extra ARNs (SNS topics, …) notified when an alarm fires or clears, besides the topic created here."
  type        = list(string)
  default     = []
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (AWS sends a confirmation mail). null: no subscription."
  type        = string
  default     = null
}

variable "alarm_5xx_rate_percent" {
  description = "Alarm when 5xx answers (skiff's and the ALB's own) exceed this share of requests."
  type        = number
  default     = 5
}

variable "alarm_5xx_min_requests" {
  description = "Requests a minute below which the 5xx-rate alarm stays quiet (one error in three requests is not an outage)."
  type        = number
  default     = 20
}

variable "alarm_p95_latency_seconds" {
  description = "Alarm when the p95 target response time (to the first response byte) exceeds this many seconds."
  type        = number
  default     = 3
}
