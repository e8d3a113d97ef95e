output "alb_dns_name" {
  description = "DNS name of the ALB: point your domain's CNAME (or a Route 53 alias) at it."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Hosted zone of the ALB, for a Route 53 alias record."
  value       = aws_lb.this.zone_id
}

output "alb_arn" {
  description = "ARN of the ALB."
  value       = aws_lb.this.arn
}

output "asg_name" {
  description = "Name of the Auto Scaling group (its instances carry the tag aws:autoscaling:groupName with it)."
  value       = aws_autoscaling_group.this.name
}

output "ml_tg_arn" {
  description = "ARN of skiff's target group (port 5001, /health/ready)."
  value       = aws_lb_target_group.ml.arn
}

output "ml_tg_name" {
  description = "Name of skiff's target group."
  value       = aws_lb_target_group.ml.name
}

output "deregistration_delay" {
  description = "Seconds a deregistered target drains; Ansible's target_status_timeout must be longer."
  value       = var.deregistration_delay
}

output "launch_template_id" {
  description = "ID of the launch template."
  value       = aws_launch_template.this.id
}

output "instance_role_arn" {
  description = "ARN of the instances' IAM role."
  value       = aws_iam_role.instance.arn
}

output "instance_security_group_id" {
  description = "Security group of the instances (add it to VPC endpoint or database groups to grant access)."
  value       = aws_security_group.instance.id
}

output "alb_security_group_id" {
  description = "Security group of the ALB."
  value       = aws_security_group.alb.id
}

output "log_group_name" {
  description = "CloudWatch log group skiff ships to (CLOUDWATCH_LOG_GROUP; one stream per instance id)."
  value       = aws_cloudwatch_log_group.app.name
}

output "system_log_group_name" {
  description = "CloudWatch log group of the instances' boot logs (CloudWatch agent)."
  value       = aws_cloudwatch_log_group.system.name
}

output "ssm_prefix" {
  description = "SSM hierarchy skiff loads (SSM_PARAMETER_PATH is this plus '/')."
  value       = local.ssm_prefix
}

output "image_tag_parameter_name" {
  description = "SSM parameter holding the image tag to run; the release workflow writes it."
  value       = aws_ssm_parameter.image_tag.name
}

output "ghcr_token_parameter_name" {
  description = "SecureString parameter the instances read the registry token from (create it with ssm_kms_key_arn)."
  value       = local.ghcr_token_parameter_name
}

output "ssm_kms_key_arn" {
  description = "KMS key to encrypt SecureString parameters under the prefix and the registry token with (--key-id)."
  value       = aws_kms_key.ssm.arn
}

output "ssm_kms_key_alias" {
  description = "Alias of that key."
  value       = aws_kms_alias.ssm.name
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = aws_sns_topic.alarms.arn
}

output "vpc_id" {
  description = "VPC the stack runs in (created or given)."
  value       = local.vpc_id
}

output "private_subnet_ids" {
  description = "Subnets of the instances."
  value       = local.private_subnet_ids
}

output "public_subnet_ids" {
  description = "Subnets of the ALB."
  value       = local.public_subnet_ids
}

output "infrastructure_parameter_names" {
  description = "SSM parameters holding these outputs for Ansible and the release workflow."
  value       = { for key, parameter in aws_ssm_parameter.infrastructure : key => parameter.name }
}

output "ansible_ssm_bucket_name" {
  description = "S3 bucket for Ansible's Session Manager connection (SKIFF_ANSIBLE_SSM_BUCKET); null when create_ansible_bucket is false."
  value       = var.create_ansible_bucket ? aws_s3_bucket.ansible[0].id : null
}
