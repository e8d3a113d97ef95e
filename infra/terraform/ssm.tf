# The tag new instances run. Terraform creates it once; the release workflow then writes each new tag
# (aws ssm put-parameter --overwrite) and Terraform leaves the value alone.
resource "aws_ssm_parameter" "image_tag" {
  #checkov:skip=CKV2_AWS_34:An image tag is public information; String keeps it writable by the release workflow and readable without KMS.
  name        = local.image_tag_parameter_name
  description = "skiff image tag that new instances run (written by the release workflow)"
  type        = "String"
  value       = var.image_tag

  lifecycle {
    ignore_changes = [value]
  }
}

# What Ansible and the release workflow look up: names and ARNs, no secrets. They sit under the prefix, so
# skiff also sees them as ALB_DNS_NAME, ASG_NAME, … (harmless; it reads none of them).
locals {
  infrastructure_parameters = {
    alb_dns_name               = aws_lb.this.dns_name
    alb_arn_suffix             = aws_lb.this.arn_suffix
    asg_name                   = aws_autoscaling_group.this.name
    ml_tg_arn                  = aws_lb_target_group.ml.arn
    ml_tg_name                 = aws_lb_target_group.ml.name
    ml_tg_deregistration_delay = tostring(aws_lb_target_group.ml.deregistration_delay)
    ml_server_image_repository = var.image_repository
    log_group_name             = aws_cloudwatch_log_group.app.name
    ssm_kms_key_arn            = aws_kms_key.ssm.arn
  }
  ansible_bucket_parameter = var.create_ansible_bucket ? { ansible_ssm_bucket = aws_s3_bucket.ansible[0].id } : {}
}

resource "aws_ssm_parameter" "infrastructure" {
  #checkov:skip=CKV2_AWS_34:Resource names and ARNs, not secrets; String keeps them readable by deploy tooling without KMS.
  for_each = merge(local.infrastructure_parameters, local.ansible_bucket_parameter)

  name        = "${local.ssm_prefix}/${each.key}"
  description = "skiff infrastructure output ${each.key} (Terraform)"
  type        = "String"
  value       = each.value
}
