################################################################################
# One environment of a shared source: its DMS target endpoint and its task, on a
# replication instance and a source endpoint that several environments share.
# The target is an Aurora MySQL cluster created here (target.tf) or a database
# you already have, named by its secret (create_target = false).
################################################################################

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  target_port = 3306

  # The DMS user's secret this module creates (target.tf), or the one given.
  target_secret_arn = var.create_target ? aws_secretsmanager_secret.dms_target[0].arn : var.target_secret_arn

  tags = merge(var.tags, { "dms-automation:part" = "environment" })
}

# The environment's own table selection (and masking transformation rules),
# rendered like every task of the solution.
module "table_mappings" {
  source = "../table-mappings"

  table_selection           = var.table_selection
  extra_table_mapping_rules = var.extra_table_mapping_rules
}

################################################################################
# The role the target endpoint assumes to read its secret: this environment's
# secret only. DMS reads endpoint credentials from Secrets Manager through a
# role whose trust names the regional DMS service ("Using secrets to access
# AWS Database Migration Service endpoints",
# https://docs.aws.amazon.com/dms/latest/userguide/security_iam_secretsmanager.html).
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
    sid       = "ReadTargetSecret"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [local.target_secret_arn]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "DecryptTargetSecret"
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
  description          = "Lets the DMS target endpoint of ${var.name_prefix} read its credentials from Secrets Manager"
  assume_role_policy   = data.aws_iam_policy_document.secrets_access_assume.json

  tags = local.tags
}

resource "aws_iam_role_policy" "secrets_access" {
  name   = "read-target-secret"
  role   = aws_iam_role.secrets_access.id
  policy = data.aws_iam_policy_document.secrets_access.json
}

################################################################################
# The target endpoint and the task
################################################################################

resource "aws_dms_endpoint" "target" {
  endpoint_id   = "${var.name_prefix}-target"
  endpoint_type = "target"
  engine_name   = var.create_target ? "aurora" : var.target_engine_name

  secrets_manager_arn             = local.target_secret_arn
  secrets_manager_access_role_arn = aws_iam_role.secrets_access.arn
  kms_key_arn                     = var.kms_key_arn

  tags = local.tags

  # DMS assumes the role when the endpoint is created; a created target's secret
  # holds the DMS user's credentials once the preparation function has run.
  depends_on = [aws_iam_role_policy.secrets_access, aws_lambda_invocation.prepare_target]
}

resource "aws_dms_replication_task" "this" {
  replication_task_id       = "${var.name_prefix}-task"
  migration_type            = var.migration_refresh_type
  replication_instance_arn  = var.replication_instance_arn
  source_endpoint_arn       = var.source_endpoint_arn
  target_endpoint_arn       = aws_dms_endpoint.target.endpoint_arn
  table_mappings            = module.table_mappings.json
  replication_task_settings = var.replication_task_settings_json

  # The automation starts the task (on its trigger), never Terraform.
  start_replication_task = false

  tags = local.tags
}
