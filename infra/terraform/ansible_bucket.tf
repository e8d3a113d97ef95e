# The bucket Ansible's Session Manager connection (community.aws.aws_ssm) moves module files through: the
# controller uploads them and hands the instance presigned URLs, which it fetches with curl. So only the
# controller (the release workflow's role) needs access; the instance role gets none. Files live a day.

resource "aws_s3_bucket" "ansible" {
  #checkov:skip=CKV_AWS_18:Transient Ansible module files that expire after a day; access logs would outlive what they describe.
  #checkov:skip=CKV_AWS_144:Transient files; nothing to replicate.
  #checkov:skip=CKV2_AWS_62:No consumer for event notifications on transient files.
  #checkov:skip=CKV_AWS_21:Transient files that expire after a day; versions would only keep them longer.
  #checkov:skip=CKV_AWS_145:SSE-S3: with a KMS key the presigned URLs the instances fetch would also need the controller's KMS grants; the files are Ansible's own modules, no secrets.
  count = var.create_ansible_bucket ? 1 : 0

  bucket_prefix = "${local.name}-ansible-"
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "ansible" {
  count = var.create_ansible_bucket ? 1 : 0

  bucket                  = aws_s3_bucket.ansible[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "ansible" {
  count = var.create_ansible_bucket ? 1 : 0

  bucket = aws_s3_bucket.ansible[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "ansible" {
  count = var.create_ansible_bucket ? 1 : 0

  bucket = aws_s3_bucket.ansible[0].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "ansible" {
  count = var.create_ansible_bucket ? 1 : 0

  bucket = aws_s3_bucket.ansible[0].id

  rule {
    id     = "expire-transfers"
    status = "Enabled"

    filter {}

    expiration {
      days = 1
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "ansible_bucket" {
  count = var.create_ansible_bucket ? 1 : 0

  statement {
    sid       = "DenyPlainHttp"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.ansible[0].arn, "${aws_s3_bucket.ansible[0].arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "ansible" {
  count = var.create_ansible_bucket ? 1 : 0

  bucket = aws_s3_bucket.ansible[0].id
  policy = data.aws_iam_policy_document.ansible_bucket[0].json

  depends_on = [aws_s3_bucket_public_access_block.ansible]
}
