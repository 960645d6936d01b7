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
  table_selection        = var.table_selection

  # Null settings fall back to the baseline module's defaults.
  availability_zones                     = var.baseline.availability_zones
  create_dms_iam_roles                   = var.baseline.create_dms_iam_roles
  deletion_protection                    = var.baseline.deletion_protection
  extra_table_mapping_rules              = var.baseline.extra_table_mapping_rules
  private_subnet_cidrs                   = var.baseline.private_subnet_cidrs
  replication_instance_allocated_storage = var.baseline.replication_instance_allocated_storage
  replication_instance_class             = var.baseline.replication_instance_class
  replication_instance_engine_version    = var.baseline.replication_instance_engine_version
  replication_instance_multi_az          = var.baseline.replication_instance_multi_az
  replication_task_settings_json         = var.baseline.replication_task_settings_json
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
  target_allowed_security_group_ids      = var.baseline.target_allowed_security_group_ids
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
}

module "automation" {
  source = "./modules/automation"

  replication_task_arn        = local.replication_task_arn
  replication_task_id         = local.replication_task_id
  migration_refresh_indicator = var.migration_refresh_indicator
  migration_refresh_type      = var.migration_refresh_type
  schedule_or_one_time        = var.schedule_or_one_time
  schedule_expression         = var.schedule_expression

  # With the baseline, both modules share one prefix ("dms" unless given).
  name_prefix            = var.create_baseline ? coalesce(var.name_prefix, "dms") : var.name_prefix
  tags                   = var.tags
  kms_key_arn            = var.kms_key_arn
  log_retention_in_days  = var.log_retention_in_days
  alarm_sns_topic_arn    = var.alarm_sns_topic_arn
  notification_endpoints = var.notification_endpoints
}
