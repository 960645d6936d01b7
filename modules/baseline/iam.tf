################################################################################
# The account-wide roles DMS requires (dms-vpc-role, dms-cloudwatch-logs-role)
# are no longer created here: their names are fixed, so two configurations that
# both created them fought over them. modules/dms-iam-roles creates them, once
# per account. Roles an earlier version created stay in AWS: Terraform forgets
# them instead of destroying them (every replication instance of the account
# needs them), and they can be imported into that module (CHANGELOG.md).
################################################################################

removed {
  from = aws_iam_role.dms_vpc

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role_policy_attachment.dms_vpc

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role.dms_cloudwatch_logs

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role_policy_attachment.dms_cloudwatch_logs

  lifecycle {
    destroy = false
  }
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
  name                 = "${var.name_prefix}-dms-secrets-access"
  path                 = var.iam_role_path
  permissions_boundary = var.iam_role_permissions_boundary
  description          = "Lets the DMS endpoints read the source and target credentials from Secrets Manager"
  assume_role_policy   = data.aws_iam_policy_document.secrets_access_assume.json

  tags = local.tags
}

resource "aws_iam_role_policy" "secrets_access" {
  name   = "read-endpoint-secrets"
  role   = aws_iam_role.secrets_access.id
  policy = data.aws_iam_policy_document.secrets_access.json
}
