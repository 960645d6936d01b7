################################################################################
# The CDC source check (check_cdc_source, cdc and full-load-and-cdc only): the
# bucket DMS writes premigration assessment results to, and the role it writes
# them with. The starter runs the assessment before the task's first start
# (lambda_src/dms_automation/assessment.py).
#
# "Oracle assessments", https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.AssessmentReport.Oracle.html
# "Specifying, starting, and viewing premigration assessment runs",
# https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.AssessmentReport1.html
################################################################################

resource "aws_s3_bucket" "assessments" {
  #checkov:skip=CKV_AWS_18:Access logging would need a second bucket; only DMS (through the role below) and the account's administrators reach this one, and CloudTrail records the API calls.
  #checkov:skip=CKV_AWS_21:Versioning keeps nothing worth keeping: each object is one assessment result, rewritten by nobody and expired by the lifecycle rule.
  #checkov:skip=CKV_AWS_144:Cross-region replication of short-lived assessment results is not wanted.
  #checkov:skip=CKV_AWS_145:SSE-S3, not SSE-KMS: the results describe the source's configuration, not its data, and a KMS key would need grants to DMS's service role too.
  #checkov:skip=CKV2_AWS_62:No event notifications: the starter reads the results through the DMS API.
  count = local.check_cdc_source ? 1 : 0

  bucket = local.assessment_bucket_name
  # The results are transient; a destroy takes them with the bucket.
  force_destroy = true
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "assessments" {
  count = local.check_cdc_source ? 1 : 0

  bucket                  = aws_s3_bucket.assessments[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "assessments" {
  count = local.check_cdc_source ? 1 : 0

  bucket = aws_s3_bucket.assessments[0].id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "assessments" {
  count = local.check_cdc_source ? 1 : 0

  bucket = aws_s3_bucket.assessments[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "assessments" {
  count = local.check_cdc_source ? 1 : 0

  bucket = aws_s3_bucket.assessments[0].id
  rule {
    id     = "expire-assessment-results"
    status = "Enabled"
    filter {}
    expiration {
      days = 90
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "assessments_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.assessment_bucket_arn, "${local.assessment_bucket_arn}/*"]

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

resource "aws_s3_bucket_policy" "assessments" {
  count = local.check_cdc_source ? 1 : 0

  bucket = aws_s3_bucket.assessments[0].id
  policy = data.aws_iam_policy_document.assessments_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.assessments]
}

# The service role DMS assumes to write the results: the trust policy's
# conditions are those DMS documents against the confused deputy problem for
# this role (the account, and assessment runs and this task as the source),
# https://docs.aws.amazon.com/dms/latest/userguide/cross-service-confused-deputy-prevention.html
data "aws_iam_policy_document" "assessment_assume_role" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["dms.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.task_account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.assessment_runs_arn, var.replication_task_arn]
    }
  }
}

resource "aws_iam_role" "assessment" {
  count = local.check_cdc_source ? 1 : 0

  name                 = local.assessment_role_name
  path                 = var.iam_role_path
  permissions_boundary = var.iam_role_permissions_boundary
  description          = "DMS writes the premigration assessment results of task ${var.replication_task_id} to ${local.assessment_bucket_name}."
  assume_role_policy   = data.aws_iam_policy_document.assessment_assume_role.json
  tags                 = var.tags
}

# The permissions DMS's user guide lists for storing assessment results
# ("Storing premigration assessment runs in an S3 bucket",
# https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.AssessmentReport.html),
# on this bucket only.
data "aws_iam_policy_document" "assessment" {
  statement {
    sid       = "WriteAssessmentResults"
    actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"]
    resources = ["${local.assessment_bucket_arn}/*"]
  }

  statement {
    sid       = "FindTheBucket"
    actions   = ["s3:GetBucketLocation", "s3:ListBucket"]
    resources = [local.assessment_bucket_arn]
  }
}

resource "aws_iam_role_policy" "assessment" {
  count = local.check_cdc_source ? 1 : 0

  name   = "assessment-results"
  role   = aws_iam_role.assessment[0].id
  policy = data.aws_iam_policy_document.assessment.json
}
