################################################################################
# The whole solution: a DMS task (created here, or one you already have) and the
# automation that runs it.
################################################################################

module "baseline" {
  source = "./modules/baseline"
  count  = var.create_baseline ? 1 : 0

  name_prefix            = var.name_prefix
  tags                   = var.tags
  kms_key_arn            = var.kms_key_arn
  migration_refresh_type = var.migration_refresh_type

  iam_role_path                 = var.iam_role_path
  iam_role_permissions_boundary = var.iam_role_permissions_boundary

  masking_user = local.after_load_masking ? { schemas = distinct([for r in var.masking_rules : r.schema if coalesce(r.where, var.masking_default_where) == "after_load"]), coverage_schemas = coalescelist(var.masking_coverage_schemas, distinct([for r in var.masking_rules : r.schema])) } : null
  # With environments, a shared source: no target and no task of its own (environments.tf).
  create_target = local.single_task
  create_task   = local.single_task

  oracle_driver_layer_arn = var.baseline.oracle_driver_layer_arn
  prepare_databases       = var.baseline.prepare_databases
  source_dms_username     = var.baseline.source_dms_username
  target_dms_username     = var.baseline.target_dms_username
  table_selection         = var.table_selection

  # Null settings fall back to the baseline module's defaults.
  availability_zones                     = var.baseline.availability_zones
  create_dms_iam_roles                   = var.baseline.create_dms_iam_roles
  deletion_protection                    = var.baseline.deletion_protection
  extra_table_mapping_rules              = local.extra_table_mapping_rules
  private_subnet_cidrs                   = var.baseline.private_subnet_cidrs
  replication_instance_allocated_storage = var.baseline.replication_instance_allocated_storage
  replication_instance_class             = var.baseline.replication_instance_class
  replication_instance_engine_version    = var.baseline.replication_instance_engine_version
  replication_instance_multi_az          = var.baseline.replication_instance_multi_az
  replication_task_settings_json         = var.baseline.replication_task_settings_json
  secret_recovery_window_in_days         = var.baseline.secret_recovery_window_in_days
  skip_final_snapshot                    = var.baseline.skip_final_snapshot
  source_allocated_storage               = var.baseline.source_allocated_storage
  source_database_name                   = var.baseline.source_database_name
  source_dms_secret_arn                  = var.baseline.source_dms_secret_arn
  source_engine                          = var.baseline.source_engine
  source_engine_version                  = var.baseline.source_engine_version
  source_instance_class                  = var.baseline.source_instance_class
  source_license_model                   = var.baseline.source_license_model
  source_master_username                 = var.baseline.source_master_username
  source_snapshot_identifier             = var.baseline.source_snapshot_identifier
  subnet_ids                             = var.baseline.subnet_ids
  table_mappings_json                    = var.baseline.table_mappings_json
  target_allowed_security_group_ids      = concat(coalesce(var.baseline.target_allowed_security_group_ids, []), aws_security_group.masking[*].id)
  vpc_endpoint_client_security_group_ids = aws_security_group.masking[*].id
  target_database_name                   = var.baseline.target_database_name
  target_dms_secret_arn                  = var.baseline.target_dms_secret_arn
  target_engine_version                  = var.baseline.target_engine_version
  target_instance_class                  = var.baseline.target_instance_class
  target_master_username                 = var.baseline.target_master_username
  vpc_cidr                               = var.baseline.vpc_cidr
  vpc_id                                 = var.baseline.vpc_id
}

locals {
  replication_task_arn = var.create_baseline ? module.baseline[0].replication_task_arn : var.replication_task_arn
  replication_task_id  = var.create_baseline ? module.baseline[0].replication_task_id : var.replication_task_id

  # Both modules share one prefix (required with the baseline; null without it:
  # the automation's default from the task identifier).
  name_prefix = var.name_prefix

  # Masking rules applied by DMS go into the created task's table mappings, after
  # the user's own extra rules (a list, or JSON of a list or a {"rules": [...]}
  # document; see modules/baseline).
  _user_extra_rules = var.baseline.extra_table_mapping_rules == null ? [] : try(
    jsondecode(var.baseline.extra_table_mapping_rules).rules,
    jsondecode(var.baseline.extra_table_mapping_rules),
    var.baseline.extra_table_mapping_rules.rules,
    var.baseline.extra_table_mapping_rules,
  )
  extra_table_mapping_rules = concat(local._user_extra_rules, try(module.automation[0].dms_transformation_rules, []), local.environments_dms_rules)

  # Rules applied after load: the post-process Lambda masks the target, so with
  # the baseline it runs in the baseline's subnets, in a security group the
  # target admits, and reads the target's secret.
  after_load_masking           = length([for r in var.masking_rules : r if coalesce(r.where, var.masking_default_where) == "after_load"]) > 0
  baseline_masking_network     = var.create_baseline && local.after_load_masking && local.single_task
  create_masking_vpc_endpoints = local.baseline_masking_network && var.baseline.vpc_id == null

  # The AWS APIs the post-process Lambda calls from inside the VPC; Secrets
  # Manager's endpoint is the baseline's (it exists whenever the baseline creates
  # the network, for the replication instance), which admits this Lambda too.
  masking_vpc_endpoint_services = local.create_masking_vpc_endpoints ? toset(["dms", "events", "lambda", "ssm"]) : toset([])
}

data "aws_region" "current" {}

################################################################################
# Network of the post-process Lambda when it masks the baseline's target after
# load: its own security group, allowed into the target; interface endpoints for
# the AWS APIs it calls when the baseline created the VPC (private subnets with
# no internet path).
################################################################################

resource "aws_security_group" "masking" {
  count = local.baseline_masking_network ? 1 : 0

  name        = "${local.name_prefix}-post-process"
  description = "Post-process Lambda: MySQL to the target, HTTPS to the AWS APIs it calls"
  vpc_id      = module.baseline[0].vpc_id
  tags        = merge(var.tags, { Name = "${local.name_prefix}-post-process" })
}

# Its own name: the baseline's "<prefix>-vpc-endpoints" group (Secrets Manager) is in the same
# VPC, and a group name is unique per VPC (InvalidGroup.Duplicate).
resource "aws_security_group" "vpc_endpoints" {
  count = local.create_masking_vpc_endpoints ? 1 : 0

  name        = "${local.name_prefix}-masking-endpoints"
  description = "Interface endpoints of the AWS APIs: HTTPS from the post-process Lambda only"
  vpc_id      = module.baseline[0].vpc_id
  tags        = merge(var.tags, { Name = "${local.name_prefix}-masking-endpoints" })
}

resource "aws_vpc_security_group_ingress_rule" "vpc_endpoints_from_masking" {
  count = local.create_masking_vpc_endpoints ? 1 : 0

  security_group_id            = aws_security_group.vpc_endpoints[0].id
  description                  = "HTTPS from the post-process Lambda"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.masking[0].id
  tags                         = var.tags
}

resource "aws_vpc_endpoint" "masking" {
  for_each = local.masking_vpc_endpoint_services

  vpc_id              = module.baseline[0].vpc_id
  service_name        = "com.amazonaws.${data.aws_region.current.name}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = module.baseline[0].subnet_ids
  security_group_ids  = [aws_security_group.vpc_endpoints[0].id]
  private_dns_enabled = true
  tags                = merge(var.tags, { Name = "${local.name_prefix}-${each.key}" })
}

# The post-process Lambda keeps the run state in DynamoDB: a gateway endpoint
# on the private subnets' route table, and HTTPS to DynamoDB's prefix list
# (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-ddb.html).
resource "aws_vpc_endpoint" "dynamodb" {
  count = local.create_masking_vpc_endpoints ? 1 : 0

  vpc_id            = module.baseline[0].vpc_id
  service_name      = "com.amazonaws.${data.aws_region.current.name}.dynamodb"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [module.baseline[0].main_route_table_id]
  tags              = merge(var.tags, { Name = "${local.name_prefix}-dynamodb" })
}

# The post-process Lambda's egress, one rule per destination, keyed by it; a
# destination this network does not have is left out. Each rule names one of a
# security group, a CIDR or a prefix list (null: the others).
locals {
  _masking_egress = {
    target = {
      create         = local.baseline_masking_network
      description    = "MySQL port of the target"
      port           = one(module.baseline[*].target_port)
      security_group = one(module.baseline[*].security_group_ids.target)
      cidr_ipv4      = null
      prefix_list_id = null
    }
    vpc_endpoints = {
      create         = local.create_masking_vpc_endpoints
      description    = "HTTPS to the VPC endpoints of the AWS APIs"
      port           = 443
      security_group = one(aws_security_group.vpc_endpoints[*].id)
      cidr_ipv4      = null
      prefix_list_id = null
    }
    secrets_manager = {
      create         = local.create_masking_vpc_endpoints
      description    = "HTTPS to the baseline's Secrets Manager endpoint"
      port           = 443
      security_group = one(module.baseline[*].vpc_endpoints_security_group_id)
      cidr_ipv4      = null
      prefix_list_id = null
    }
    # Your own VPC: the AWS APIs are reached through your NAT gateway or endpoints.
    aws_apis = {
      create         = local.baseline_masking_network && !local.create_masking_vpc_endpoints
      description    = "HTTPS to the AWS APIs (through the VPC's NAT gateway or endpoints)"
      port           = 443
      security_group = null
      cidr_ipv4      = "0.0.0.0/0"
      prefix_list_id = null
    }
    dynamodb = {
      create         = local.create_masking_vpc_endpoints
      description    = "HTTPS to DynamoDB through the gateway endpoint (the run state)"
      port           = 443
      security_group = null
      cidr_ipv4      = null
      prefix_list_id = one(aws_vpc_endpoint.dynamodb[*].prefix_list_id)
    }
  }
  masking_egress = { for k, rule in local._masking_egress : k => rule if rule.create }
}

resource "aws_vpc_security_group_egress_rule" "masking" {
  for_each = local.masking_egress

  security_group_id            = aws_security_group.masking[0].id
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.security_group
  cidr_ipv4                    = each.value.cidr_ipv4
  prefix_list_id               = each.value.prefix_list_id
  tags                         = var.tags
}

# Formerly one resource per destination.
moved {
  from = aws_vpc_security_group_egress_rule.masking_to_target[0]
  to   = aws_vpc_security_group_egress_rule.masking["target"]
}

moved {
  from = aws_vpc_security_group_egress_rule.masking_to_endpoints[0]
  to   = aws_vpc_security_group_egress_rule.masking["vpc_endpoints"]
}

moved {
  from = aws_vpc_security_group_egress_rule.masking_to_secrets_manager[0]
  to   = aws_vpc_security_group_egress_rule.masking["secrets_manager"]
}

moved {
  from = aws_vpc_security_group_egress_rule.masking_to_aws_apis[0]
  to   = aws_vpc_security_group_egress_rule.masking["aws_apis"]
}

moved {
  from = aws_vpc_security_group_egress_rule.masking_to_dynamodb[0]
  to   = aws_vpc_security_group_egress_rule.masking["dynamodb"]
}

module "automation" {
  source = "./modules/automation"
  count  = local.single_task ? 1 : 0

  replication_task_arn        = local.replication_task_arn
  replication_task_id         = local.replication_task_id
  migration_refresh_indicator = var.migration_refresh_indicator
  migration_refresh_type      = var.migration_refresh_type
  schedule_or_one_time        = var.schedule_or_one_time
  schedule_expression         = var.schedule_expression
  automation_enabled          = var.automation_enabled
  # Unless automation.check_cdc_source says otherwise: a source the baseline
  # prepares for CDC needs no check; any other (a task you bring, your own source
  # DMS user, prepare_databases = false) is checked before the task's first start.
  check_cdc_source = (
    var.automation.check_cdc_source != null ? var.automation.check_cdc_source
    : var.create_baseline ? !module.baseline[0].cdc_source_prepared : true
  )

  iam_role_path                 = var.iam_role_path
  iam_role_permissions_boundary = var.iam_role_permissions_boundary

  # Null settings fall back to the automation module's defaults.
  kms_key_deletion_window_in_days = var.automation.kms_key_deletion_window_in_days
  lambda_tracing_mode             = var.automation.lambda_tracing_mode
  masking_chunk_rows              = var.automation.masking_chunk_rows
  post_process_timeout            = var.automation.post_process_timeout
  secret_recovery_window_in_days  = var.automation.secret_recovery_window_in_days
  starter_timeout                 = var.automation.starter_timeout
  state_table_deletion_protection = var.automation.state_table_deletion_protection
  test_endpoint_connections       = var.automation.test_endpoint_connections
  watchdog_schedule_expression    = var.automation.watchdog_schedule_expression
  # The starter may test the connections of the created task's endpoints and instance
  # only; a task you bring: see modules/automation's task_resource_arns.
  task_resource_arns = var.create_baseline ? {
    replication_instance_arn = module.baseline[0].replication_instance_arn
    source_endpoint_arn      = module.baseline[0].source_endpoint_arn
    target_endpoint_arn      = module.baseline[0].target_endpoint_arn
  } : null

  name_prefix            = local.name_prefix
  tags                   = var.tags
  kms_key_arn            = var.kms_key_arn
  log_retention_in_days  = var.log_retention_in_days
  alarm_sns_topic_arn    = var.alarm_sns_topic_arn
  notification_endpoints = var.notification_endpoints

  # Masking: with the baseline, after-load masking uses the created target's
  # secret and network; without it, what is given.
  masking_rules          = var.masking_rules
  masking_default_where  = var.masking_default_where
  masking_key_secret_arn = var.masking_key_secret_arn
  # Null falls back to the automation's default list.
  masking_sensitive_column_patterns = var.masking_sensitive_column_patterns
  masking_coverage_schemas          = var.masking_coverage_schemas
  fail_on_unmasked_columns          = var.fail_on_unmasked_columns
  masking_secret_arn = (
    var.create_baseline ? (local.after_load_masking ? module.baseline[0].masking_secret_arn : null) : var.masking_secret_arn
  )
  masking_vpc_config = (
    var.create_baseline
    ? (local.after_load_masking ? { subnet_ids = module.baseline[0].subnet_ids, security_group_ids = [aws_security_group.masking[0].id] } : null)
    : var.masking_vpc_config
  )
  # The created target's secret is RDS-managed (username and password only): the
  # Lambda learns where to connect from the cluster itself.
  masking_database = (
    var.create_baseline
    ? (local.after_load_masking ? { host = module.baseline[0].target_cluster_endpoint, port = module.baseline[0].target_port, name = module.baseline[0].target_database_name } : null)
    : var.masking_database
  )
}
