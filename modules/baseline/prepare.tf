################################################################################
# DMS secrets and the database preparation that fills them.
#
# DMS cannot use the master-user secrets RDS manages: they hold no host or port
# ("Using secrets to access AWS Database Migration Service endpoints",
# https://docs.aws.amazon.com/dms/latest/userguide/security_iam_secretsmanager.html),
# and their password rotates every 7 days by default ("Password management with
# Amazon RDS and AWS Secrets Manager",
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html).
# So each endpoint reads the secret of a dedicated DMS user. Terraform creates
# only the secret containers; a one-shot function (dms_automation.db_prep),
# invoked on apply, reads the master secrets at run time, creates the DMS users
# with the grants AWS documents, prepares an Oracle source for CDC and writes
# the secrets' versions. With masking_user it also creates the user after-load
# masking connects as, with only the grants masking uses, and writes its secret:
# the post-process Lambda never connects as the cluster's master user. No password is a variable, a plan value, an output or
# state: the invocation's input and result hold ARNs, hosts and names only.
################################################################################

locals {
  create_source_dms_secret = var.source_dms_secret_arn == null
  create_target_dms_secret = var.create_target && var.target_dms_secret_arn == null
  # The masking user exists only where the preparation runs (it creates the user).
  create_masking_user = var.masking_user != null && var.prepare_databases && var.create_target
  prepare_databases   = var.prepare_databases && (local.create_source_dms_secret || local.create_target_dms_secret || local.create_masking_user)

  # Target schemas the DMS user may write: the exact schema names the selection
  # includes (DMS names a MySQL target's schemas after the source's); with a
  # pattern or an expert document they are not known, and the grant is on *.*.
  target_schemas = module.table_mappings.target_schemas

  # The account, from an ARN AWS gives (no caller-identity lookup).
  _account_id                    = split(":", aws_iam_role.secrets_access.arn)[4]
  _arn_prefix                    = "arn:${data.aws_partition.current.partition}:ec2:${data.aws_region.current.name}:${local._account_id}"
  prepare_network_interfaces_arn = "${local._arn_prefix}:network-interface/*"

  prepare_input = {
    target = local.create_target_dms_secret || local.create_masking_user ? {
      master_secret_arn = aws_rds_cluster.target[0].master_user_secret[0].secret_arn
      dms_secret_arn    = local.create_target_dms_secret ? aws_secretsmanager_secret.dms_target[0].arn : null
      host              = aws_rds_cluster.target[0].endpoint
      port              = local.target_port
      dbname            = var.target_database_name
      username          = local.create_target_dms_secret ? var.target_dms_username : null
      schemas           = local.target_schemas
      masking = local.create_masking_user ? {
        secret_arn       = aws_secretsmanager_secret.masking[0].arn
        username         = var.masking_user.username
        schemas          = distinct(var.masking_user.schemas)
        coverage_schemas = distinct(var.masking_user.coverage_schemas)
        progress_schema  = var.masking_user.progress_schema
      } : null
    } : null
    source = local.create_source_dms_secret ? {
      master_secret_arn = aws_db_instance.source.master_user_secret[0].secret_arn
      dms_secret_arn    = aws_secretsmanager_secret.dms_source[0].arn
      host              = aws_db_instance.source.address
      port              = local.source_port
      dbname            = aws_db_instance.source.db_name
      username          = var.source_dms_username
      cdc               = var.migration_refresh_type != "full-load"
    } : null
  }
}

resource "aws_secretsmanager_secret" "dms_source" {
  #checkov:skip=CKV2_AWS_57:The DMS user's password is generated and reset by the preparation function (re-run it to rotate); a rotation Lambda would have to reach the source too.
  #checkov:skip=CKV_AWS_149:Encrypted with kms_key_arn when given, else with the AWS managed key of Secrets Manager.
  count = local.create_source_dms_secret ? 1 : 0

  name                    = "${var.name_prefix}-dms-source"
  description             = "Credentials of the DMS user on the source Oracle database (written by the preparation function)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_in_days

  tags = local.tags
}

resource "aws_secretsmanager_secret" "dms_target" {
  #checkov:skip=CKV2_AWS_57:The DMS user's password is generated and reset by the preparation function (re-run it to rotate); a rotation Lambda would have to reach the target too.
  #checkov:skip=CKV_AWS_149:Encrypted with kms_key_arn when given, else with the AWS managed key of Secrets Manager.
  count = local.create_target_dms_secret ? 1 : 0

  name                    = "${var.name_prefix}-dms-target"
  description             = "Credentials of the DMS user on the target Aurora MySQL cluster (written by the preparation function)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_in_days

  tags = local.tags
}

resource "aws_secretsmanager_secret" "masking" {
  #checkov:skip=CKV2_AWS_57:The masking user's password is generated and reset by the preparation function (re-run it to rotate); a rotation Lambda would have to reach the target too.
  #checkov:skip=CKV_AWS_149:Encrypted with kms_key_arn when given, else with the AWS managed key of Secrets Manager.
  count = local.create_masking_user ? 1 : 0

  name                    = "${var.name_prefix}-masking"
  description             = "Credentials of the user after-load masking connects as on the target Aurora MySQL cluster (written by the preparation function)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_in_days

  tags = local.tags
}

################################################################################
# The preparation function: in the databases' subnets, MySQL and Oracle to the
# two databases, HTTPS to Secrets Manager, nothing else.
################################################################################

resource "aws_security_group" "prepare_databases" {
  count = local.prepare_databases ? 1 : 0

  name        = "${var.name_prefix}-prepare-databases"
  description = "Database preparation function: Oracle to the source, MySQL to the target, HTTPS to Secrets Manager"
  vpc_id      = local.vpc_id

  tags = merge(local.tags, { Name = "${var.name_prefix}-prepare-databases" })
}

# Its egress, one rule per destination, keyed by it. Secrets Manager is the
# VPC's endpoint (network.tf) or, in your own VPC, HTTPS anywhere (your endpoint
# or NAT gateway). Its ingress into the databases is with the databases' other
# rules (network.tf).
locals {
  _prepare_egress = {
    source = {
      create         = local.prepare_databases
      description    = "Oracle listener of the source"
      port           = local.source_port
      security_group = aws_security_group.source.id
      cidr_ipv4      = null
    }
    target = {
      create         = local.prepare_databases && var.create_target
      description    = "MySQL port of the target"
      port           = local.target_port
      security_group = one(aws_security_group.target[*].id)
      cidr_ipv4      = null
    }
    secrets_manager = {
      create         = local.prepare_databases
      description    = local.create_vpc ? "HTTPS to the Secrets Manager endpoint" : "HTTPS to Secrets Manager (through your VPC endpoint or NAT gateway)"
      port           = 443
      security_group = one(aws_security_group.vpc_endpoints[*].id)
      cidr_ipv4      = local.create_vpc ? null : "0.0.0.0/0"
    }
  }
  prepare_egress = { for k, rule in local._prepare_egress : k => rule if rule.create }
}

resource "aws_vpc_security_group_egress_rule" "prepare" {
  for_each = local.prepare_egress

  security_group_id            = aws_security_group.prepare_databases[0].id
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.security_group
  cidr_ipv4                    = each.value.cidr_ipv4

  tags = local.tags
}

moved {
  from = aws_vpc_security_group_egress_rule.prepare_to_source[0]
  to   = aws_vpc_security_group_egress_rule.prepare["source"]
}

moved {
  from = aws_vpc_security_group_egress_rule.prepare_to_target[0]
  to   = aws_vpc_security_group_egress_rule.prepare["target"]
}

moved {
  from = aws_vpc_security_group_egress_rule.prepare_to_secrets_manager[0]
  to   = aws_vpc_security_group_egress_rule.prepare["secrets_manager"]
}

resource "aws_cloudwatch_log_group" "prepare_databases" {
  #checkov:skip=CKV_AWS_158:Encrypted with kms_key_arn when given, else with CloudWatch Logs' own encryption.
  count = local.prepare_databases ? 1 : 0

  name              = "/aws/lambda/${var.name_prefix}-prepare-databases"
  retention_in_days = 365
  kms_key_id        = var.kms_key_arn

  tags = local.tags
}

data "aws_iam_policy_document" "prepare_databases_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "prepare_databases" {
  count = local.prepare_databases ? 1 : 0

  name                 = "${var.name_prefix}-prepare-databases"
  path                 = var.iam_role_path
  permissions_boundary = var.iam_role_permissions_boundary
  description          = "Database preparation function: reads the master secrets, writes the DMS secrets"
  assume_role_policy   = data.aws_iam_policy_document.prepare_databases_assume.json

  tags = local.tags
}

data "aws_iam_policy_document" "prepare_databases" {
  count = local.prepare_databases ? 1 : 0

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.prepare_databases[0].arn}:*"]
  }

  statement {
    sid     = "ReadMasterSecrets"
    actions = ["secretsmanager:GetSecretValue"]
    resources = compact([
      local.create_source_dms_secret ? aws_db_instance.source.master_user_secret[0].secret_arn : "",
      local.create_target_dms_secret || local.create_masking_user ? aws_rds_cluster.target[0].master_user_secret[0].secret_arn : "",
    ])
  }

  statement {
    sid       = "WriteDmsSecrets"
    actions   = ["secretsmanager:PutSecretValue"]
    resources = concat(aws_secretsmanager_secret.dms_source[*].arn, aws_secretsmanager_secret.dms_target[*].arn, aws_secretsmanager_secret.masking[*].arn)
  }

  # The EC2 actions of AWSLambdaVPCAccessExecutionRole (v3):
  # https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html
  statement {
    sid     = "CreateNetworkInterfaces"
    actions = ["ec2:CreateNetworkInterface"]
    resources = concat(
      [local.prepare_network_interfaces_arn, "${local._arn_prefix}:security-group/${aws_security_group.prepare_databases[0].id}"],
      [for id in local.subnet_ids : "${local._arn_prefix}:subnet/${id}"],
    )
  }

  statement {
    sid       = "ManageOwnNetworkInterfaces"
    actions   = ["ec2:AssignPrivateIpAddresses", "ec2:DeleteNetworkInterface", "ec2:UnassignPrivateIpAddresses"]
    resources = [local.prepare_network_interfaces_arn]
  }

  statement {
    sid       = "DescribeNetwork"
    actions   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "SecretsWithTheKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${data.aws_region.current.name}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "prepare_databases" {
  count = local.prepare_databases ? 1 : 0

  name   = "prepare-databases"
  role   = aws_iam_role.prepare_databases[0].id
  policy = data.aws_iam_policy_document.prepare_databases[0].json
}

resource "aws_lambda_function" "prepare_databases" {
  #checkov:skip=CKV_AWS_50:A one-shot function invoked by Terraform; its log group keeps every decision.
  #checkov:skip=CKV_AWS_115:Invoked once per apply by Terraform, never concurrently.
  #checkov:skip=CKV_AWS_116:Invoked synchronously by Terraform: a failure fails the apply, there is no asynchronous event to keep.
  #checkov:skip=CKV_AWS_272:Code signing does not apply: the module ships a committed, byte-reproducible package.
  #checkov:skip=CKV_AWS_173:The function has no environment variables.
  count = local.prepare_databases ? 1 : 0

  function_name    = "${var.name_prefix}-prepare-databases"
  description      = "Creates the DMS users on the source and the target and writes their secrets"
  role             = aws_iam_role.prepare_databases[0].arn
  runtime          = "python3.12"
  handler          = "dms_automation.db_prep.handler"
  filename         = "${path.module}/../automation/lambda/dms_automation.zip"
  source_code_hash = filebase64sha256("${path.module}/../automation/lambda/dms_automation.zip")
  timeout          = 300
  memory_size      = 256
  layers           = var.oracle_driver_layer_arn == null ? [] : [var.oracle_driver_layer_arn]

  vpc_config {
    subnet_ids         = local.subnet_ids
    security_group_ids = [aws_security_group.prepare_databases[0].id]
  }

  tags = local.tags

  depends_on = [aws_cloudwatch_log_group.prepare_databases, aws_iam_role_policy.prepare_databases]
}

resource "aws_lambda_invocation" "prepare_databases" {
  count = local.prepare_databases ? 1 : 0

  function_name = aws_lambda_function.prepare_databases[0].function_name
  input         = jsonencode({ for side, value in local.prepare_input : side => value if value != null })

  # Run again when the function's code or what it prepares changes (a new input
  # runs it again too): a task switched to CDC gets its source prepared for CDC.
  triggers = {
    package        = aws_lambda_function.prepare_databases[0].source_code_hash
    sides          = join(",", [for side, value in local.prepare_input : side if value != null])
    source_cdc     = tostring(var.migration_refresh_type != "full-load" && local.create_source_dms_secret)
    target_schemas = join(",", local.target_schemas)
    masking_user   = jsonencode(var.masking_user)
  }

  # The network paths must exist before the function connects.
  depends_on = [
    aws_vpc_security_group_egress_rule.prepare,
    aws_vpc_security_group_ingress_rule.source,
    aws_vpc_security_group_ingress_rule.target,
    aws_vpc_security_group_ingress_rule.vpc_endpoints_from_clients,
    aws_vpc_endpoint.secretsmanager,
    aws_rds_cluster_instance.target,
  ]
}
