# The instance role: what the boot script, skiff and the CloudWatch agent need, and nothing account-wide for
# SSM, KMS or CloudWatch Logs.

data "aws_iam_policy_document" "instance_assume" {
  statement {
    sid     = "Ec2Assume"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "instance" {
  name               = "${local.name}-instance"
  description        = "skiff instances: read ${local.ssm_prefix}, ship logs to ${local.app_log_group_name}"
  assume_role_policy = data.aws_iam_policy_document.instance_assume.json
}

resource "aws_iam_instance_profile" "instance" {
  name = "${local.name}-instance"
  role = aws_iam_role.instance.name
}

data "aws_iam_policy_document" "instance" {
  # skiff's boot: GetParametersByPath is authorised against the path's own ARN
  # (arn:…:parameter/<project>/<environment>), and returns everything below it, recursively.
  statement {
    sid       = "LoadSkiffConfiguration"
    actions   = ["ssm:GetParametersByPath"]
    resources = [local.ssm_path_arn]
  }

  # The boot script reads exactly these two.
  statement {
    sid       = "ReadImageTagAndRegistryToken"
    actions   = ["ssm:GetParameter"]
    resources = [local.image_tag_parameter_arn, local.ghcr_token_parameter_arn]
  }

  # SecureString values: only this module's key, only through SSM, only for those parameters.
  statement {
    sid       = "DecryptTheseSecureStrings"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.ssm.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ssm.${var.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:PARAMETER_ARN"
      values   = ["${local.ssm_path_arn}/*", local.ghcr_token_parameter_arn]
    }
  }

  # skiff's log shipper: a stream named after the instance id in its group.
  statement {
    sid       = "ShipSkiffLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [aws_cloudwatch_log_group.app.arn, "${aws_cloudwatch_log_group.app.arn}:*"]
  }

  # The CloudWatch agent: boot logs into the system group …
  statement {
    sid       = "AgentShipsBootLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = [aws_cloudwatch_log_group.system.arn, "${aws_cloudwatch_log_group.system.arn}:*"]
  }

  # … and memory/disk metrics. PutMetricData has no resource type; the namespace condition scopes it.
  statement {
    sid       = "AgentPutsMetricsInItsNamespace"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = [local.metrics_namespace]
    }
  }

  # Session Manager's minimum (AWS's "custom instance profile for Session Manager"): register the instance,
  # open the session channels. ssmmessages has no resource types.
  dynamic "statement" {
    for_each = var.enable_session_manager ? [1] : []

    content {
      sid       = "SessionManagerRegistersThisInstance"
      actions   = ["ssm:UpdateInstanceInformation"]
      resources = ["arn:${local.partition}:ec2:${var.region}:${local.account_id}:instance/*"]
    }
  }

  dynamic "statement" {
    for_each = var.enable_session_manager ? [1] : []

    content {
      sid = "SessionManagerChannels"
      actions = [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
      ]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "instance" {
  name   = "skiff-instance"
  role   = aws_iam_role.instance.id
  policy = data.aws_iam_policy_document.instance.json
}
