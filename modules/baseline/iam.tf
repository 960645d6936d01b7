################################################################################
# Account-wide roles DMS requires (fixed names, once per account)
################################################################################

data "aws_iam_policy_document" "dms_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["dms.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "dms_vpc" {
  count = var.create_dms_iam_roles ? 1 : 0

  name               = "dms-vpc-role"
  description        = "Lets DMS manage the network interfaces of replication instances"
  assume_role_policy = data.aws_iam_policy_document.dms_assume.json

  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "dms_vpc" {
  count = var.create_dms_iam_roles ? 1 : 0

  role       = aws_iam_role.dms_vpc[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonDMSVPCManagementRole"
}

resource "aws_iam_role" "dms_cloudwatch_logs" {
  count = var.create_dms_iam_roles ? 1 : 0

  name               = "dms-cloudwatch-logs-role"
  description        = "Lets DMS write replication task logs to CloudWatch Logs"
  assume_role_policy = data.aws_iam_policy_document.dms_assume.json

  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "dms_cloudwatch_logs" {
  count = var.create_dms_iam_roles ? 1 : 0

  role       = aws_iam_role.dms_cloudwatch_logs[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonDMSCloudWatchLogsRole"
}

################################################################################
# Secrets access: the role the DMS endpoints assume to read their two secrets
################################################################################

data "aws_iam_policy_document" "secrets_access_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["dms.${data.aws_region.current.name}.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "secrets_access" {
  statement {
    sid       = "ReadEndpointSecrets"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = compact([local.source_secret_arn, local.target_secret_arn])
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "DecryptEndpointSecrets"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${data.aws_region.current.name}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role" "secrets_access" {
  name               = "${var.name_prefix}-dms-secrets-access"
  description        = "Lets the DMS endpoints read the source and target credentials from Secrets Manager"
  assume_role_policy = data.aws_iam_policy_document.secrets_access_assume.json

  tags = local.tags
}

resource "aws_iam_role_policy" "secrets_access" {
  name   = "read-endpoint-secrets"
  role   = aws_iam_role.secrets_access.id
  policy = data.aws_iam_policy_document.secrets_access.json
}
