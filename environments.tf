################################################################################
# Many environments on one shared source (var.environments): per environment a
# target, a DMS endpoint and a task (modules/environment) on the shared
# replication instance and source endpoint, and the automation on that task
# (modules/automation), named "<name_prefix>-<key>". The shared source is the
# baseline's, which then creates no target and no task of its own, or the one
# given as shared_source. Without environments nothing here exists and the
# root module runs its one task as before.
################################################################################

locals {
  # One task (module.automation) without environments; with them, one per environment.
  single_task = length(var.environments) == 0

  shared_source = var.create_baseline ? {
    replication_instance_arn               = module.baseline[0].replication_instance_arn
    source_endpoint_arn                    = module.baseline[0].source_endpoint_arn
    vpc_id                                 = module.baseline[0].vpc_id
    db_subnet_group_name                   = module.baseline[0].db_subnet_group_name
    replication_instance_security_group_id = module.baseline[0].security_group_ids.replication_instance
  } : var.shared_source

  # Every attribute an environment leaves out is the root input of the same name.
  environments = {
    for key, env in var.environments : key => {
      name_prefix                    = "${var.name_prefix}-${key}"
      migration_refresh_indicator    = coalesce(env.migration_refresh_indicator, var.migration_refresh_indicator)
      migration_refresh_type         = coalesce(env.migration_refresh_type, var.migration_refresh_type)
      schedule_or_one_time           = coalesce(env.schedule_or_one_time, var.schedule_or_one_time)
      schedule_expression            = coalesce(env.schedule_expression, var.schedule_expression)
      automation_enabled             = coalesce(env.automation_enabled, var.automation_enabled)
      table_selection                = env.table_selection != null ? env.table_selection : var.table_selection
      masking_rules                  = env.masking_rules != null ? env.masking_rules : var.masking_rules
      masking_default_where          = coalesce(env.masking_default_where, var.masking_default_where)
      notification_endpoints         = env.notification_endpoints != null ? env.notification_endpoints : var.notification_endpoints
      alarm_sns_topic_arn            = env.alarm_sns_topic_arn != null ? env.alarm_sns_topic_arn : var.alarm_sns_topic_arn
      replication_task_settings_json = env.replication_task_settings_json != null ? env.replication_task_settings_json : var.baseline.replication_task_settings_json
      tags                           = merge(var.tags, { "dms-automation:environment" = key }, env.tags)
      target                         = env.target
    }
  }

  # DMS masking rules of every environment: the shared replication instance must
  # run engine 3.5.4 or later for them, which the baseline decides (and checks)
  # from the rules it is given (modules/baseline, "Engine version and DMS masking").
  environments_dms_rules = flatten([for key, masking in module.environment_masking : masking.dms_transformation_rules])
}

# Each environment's masking rules rendered as DMS transformation rules for its
# task, as its automation renders them (the same submodule and inputs); read
# here rather than from the automation, whose outputs follow the task.
module "environment_masking" {
  source   = "./modules/automation/modules/masking-rules"
  for_each = local.environments

  masking_rules = each.value.masking_rules
  default_where = each.value.masking_default_where
}

module "environment" {
  source   = "./modules/environment"
  for_each = local.environments

  name_prefix              = each.value.name_prefix
  replication_instance_arn = local.shared_source.replication_instance_arn
  source_endpoint_arn      = local.shared_source.source_endpoint_arn
  migration_refresh_type   = each.value.migration_refresh_type
  kms_key_arn              = var.kms_key_arn
  tags                     = each.value.tags

  # Null: every table of every schema.
  table_selection                = each.value.table_selection
  extra_table_mapping_rules      = module.environment_masking[each.key].dms_transformation_rules
  replication_task_settings_json = each.value.replication_task_settings_json

  create_target                          = each.value.target.create
  target_secret_arn                      = each.value.target.secret_arn
  target_engine_name                     = each.value.target.engine_name
  target_database_name                   = each.value.target.database_name
  target_dms_username                    = each.value.target.dms_username
  target_engine_version                  = each.value.target.engine_version
  target_instance_class                  = each.value.target.instance_class
  target_master_username                 = each.value.target.master_username
  vpc_id                                 = local.shared_source.vpc_id
  target_db_subnet_group_name            = local.shared_source.db_subnet_group_name
  replication_instance_security_group_id = local.shared_source.replication_instance_security_group_id
  preparation                            = var.create_baseline ? module.baseline[0].preparation : null
  deletion_protection                    = var.baseline.deletion_protection
  skip_final_snapshot                    = var.baseline.skip_final_snapshot
  secret_recovery_window_in_days         = var.baseline.secret_recovery_window_in_days

  iam_role_path                 = var.iam_role_path
  iam_role_permissions_boundary = var.iam_role_permissions_boundary
}

module "environment_automation" {
  source   = "./modules/automation"
  for_each = local.environments

  replication_task_arn        = module.environment[each.key].replication_task_arn
  replication_task_id         = module.environment[each.key].replication_task_id
  migration_refresh_indicator = each.value.migration_refresh_indicator
  migration_refresh_type      = each.value.migration_refresh_type
  schedule_or_one_time        = each.value.schedule_or_one_time
  schedule_expression         = each.value.schedule_expression
  automation_enabled          = each.value.automation_enabled
  # Unless automation.check_cdc_source says otherwise: a source the baseline
  # prepares for CDC (the root's migration_refresh_type is cdc or
  # full-load-and-cdc) needs no check; any other (shared_source, your own source
  # DMS user, prepare_databases = false) is checked before a CDC task's first start.
  check_cdc_source = (
    var.automation.check_cdc_source != null ? var.automation.check_cdc_source
    : var.create_baseline ? !module.baseline[0].cdc_source_prepared : true
  )

  iam_role_path                 = var.iam_role_path
  iam_role_permissions_boundary = var.iam_role_permissions_boundary

  # The root's automation settings, the same for every environment (null: the
  # automation module's defaults).
  kms_key_deletion_window_in_days = var.automation.kms_key_deletion_window_in_days
  lambda_tracing_mode             = var.automation.lambda_tracing_mode
  masking_chunk_rows              = var.automation.masking_chunk_rows
  post_process_timeout            = var.automation.post_process_timeout
  secret_recovery_window_in_days  = var.automation.secret_recovery_window_in_days
  starter_timeout                 = var.automation.starter_timeout
  state_table_deletion_protection = var.automation.state_table_deletion_protection
  test_endpoint_connections       = var.automation.test_endpoint_connections
  watchdog_schedule_expression    = var.automation.watchdog_schedule_expression
  # The starter may test the connections of this environment's task only: the
  # shared instance and source endpoint, and the environment's own target endpoint.
  task_resource_arns = {
    replication_instance_arn = local.shared_source.replication_instance_arn
    source_endpoint_arn      = local.shared_source.source_endpoint_arn
    target_endpoint_arn      = module.environment[each.key].target_endpoint_arn
  }

  name_prefix            = each.value.name_prefix
  tags                   = each.value.tags
  kms_key_arn            = var.kms_key_arn
  log_retention_in_days  = var.log_retention_in_days
  alarm_sns_topic_arn    = each.value.alarm_sns_topic_arn
  notification_endpoints = each.value.notification_endpoints

  # DMS applies the masking while loading (the rules go into the environment's
  # task); the validation of var.environments refuses rules after load.
  masking_rules          = each.value.masking_rules
  masking_default_where  = each.value.masking_default_where
  masking_key_secret_arn = var.masking_key_secret_arn
}

# The one task's automation went under count (none with environments); an
# existing deployment keeps its objects.
moved {
  from = module.automation
  to   = module.automation[0]
}
