# Two customer-managed keys:
# - ssm: encrypts the SecureString parameters skiff and the boot script read. The instance role may decrypt
#   with it only through SSM and only for parameters under the prefix and the registry token (iam.tf). Not the
#   account-wide aws/ssm key, which every principal in the account that can read a parameter may use.
# - logs: encrypts the CloudWatch log groups and the alarm topic.
# Both key policies give the account root full control, which delegates use of the key to IAM policies.

data "aws_iam_policy_document" "ssm_key" {
  #checkov:skip=CKV_AWS_109:A key policy's Resource "*" means this key only; the root-account statement is AWS's default that delegates the key to IAM.
  #checkov:skip=CKV_AWS_111:A key policy's Resource "*" means this key only; the root-account statement is AWS's default that delegates the key to IAM.
  #checkov:skip=CKV_AWS_356:A key policy's Resource "*" means this key only; the root-account statement is AWS's default that delegates the key to IAM.
  statement {
    sid       = "AccountAdministersTheKeyThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "ssm" {
  description             = "${local.name}: SecureString parameters under ${local.ssm_prefix} and the registry token"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.ssm_key.json
}

resource "aws_kms_alias" "ssm" {
  name          = "alias/${local.name}-ssm"
  target_key_id = aws_kms_key.ssm.key_id
}

data "aws_iam_policy_document" "logs_key" {
  #checkov:skip=CKV_AWS_109:A key policy's Resource "*" means this key only; the root-account statement is AWS's default that delegates the key to IAM.
  #checkov:skip=CKV_AWS_111:A key policy's Resource "*" means this key only; the root-account statement is AWS's default that delegates the key to IAM.
  #checkov:skip=CKV_AWS_356:A key policy's Resource "*" means this key only; the root-account statement is AWS's default that delegates the key to IAM.
  statement {
    sid       = "AccountAdministersTheKeyThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid = "CloudWatchLogsEncryptsThisProjectsGroups"
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:${local.log_group_prefix}/*"]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublishToTheEncryptedTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    # As AWS documents it for alarms to an encrypted topic: SNS calls KMS on CloudWatch's behalf and passes no
    # source-account context to condition on.
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "logs" {
  description             = "${local.name}: CloudWatch log groups under ${local.log_group_prefix}/ and the alarm topic"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.logs_key.json
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${local.name}-logs"
  target_key_id = aws_kms_key.logs.key_id
}
