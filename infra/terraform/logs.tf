# skiff ships its own JSON log lines here (CLOUDWATCH_LOG_GROUP), one stream per instance id. The group exists
# before any instance starts, so the role needs no logs:CreateLogGroup.
resource "aws_cloudwatch_log_group" "app" {
  name              = local.app_log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

# The CloudWatch agent ships the instances' boot log (user data, docker pull, the first health wait) here.
resource "aws_cloudwatch_log_group" "system" {
  name              = local.system_log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}
