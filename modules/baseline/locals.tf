################################################################################
# Names, network and table mappings
################################################################################

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  create_vpc = var.vpc_id == null

  # No aws_availability_zones lookup: the region's "a" and "b" zones unless given.
  availability_zones = (
    length(var.availability_zones) > 0
    ? var.availability_zones
    : ["${data.aws_region.current.name}a", "${data.aws_region.current.name}b"]
  )

  vpc_id     = local.create_vpc ? aws_vpc.this[0].id : var.vpc_id
  subnet_ids = local.create_vpc ? aws_subnet.private[*].id : var.subnet_ids

  vpc_endpoint_client_security_group_ids = concat(var.vpc_endpoint_client_security_group_ids, aws_security_group.prepare_databases[*].id)

  source_port = 1521
  target_port = 3306

  source_license_model = coalesce(
    var.source_license_model,
    startswith(var.source_engine, "oracle-se2") ? "license-included" : "bring-your-own-license",
  )

  restore_source = var.source_snapshot_identifier != null

  # The DMS users' secrets (prepare.tf), or the ones given; never the RDS-managed master secrets.
  source_secret_arn = var.source_dms_secret_arn != null ? var.source_dms_secret_arn : aws_secretsmanager_secret.dms_source[0].arn
  target_secret_arn = !var.create_target ? null : var.target_dms_secret_arn != null ? var.target_dms_secret_arn : aws_secretsmanager_secret.dms_target[0].arn

  tags = merge(var.tags, { "dms-automation:part" = "baseline" })
}

# The task's table mappings, rendered by modules/table-mappings (shared with
# modules/environment, so every task of the solution is rendered alike).
module "table_mappings" {
  source = "../table-mappings"

  table_selection           = var.table_selection
  table_mappings_json       = var.table_mappings_json
  extra_table_mapping_rules = var.extra_table_mapping_rules
}

locals {
  table_mappings = module.table_mappings.json

  # DMS applies data-masking transformation rules (rule-action data-masking-*) from
  # replication engine 3.5.4 on ("Using data masking to hide sensitive information",
  # https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Masking.html):
  # with such a rule the engine is 3.5.4 unless a later one is given, and an earlier one is refused.
  dms_masking                = module.table_mappings.has_dms_masking_rules
  masking_min_engine_version = "3.5.4"
  _engine_parts              = var.replication_instance_engine_version == null ? [] : [for part in split(".", var.replication_instance_engine_version) : tonumber(part)]
  engine_version_supports_masking = (
    length(local._engine_parts) == 3
    ? local._engine_parts[0] * 1000000 + local._engine_parts[1] * 1000 + local._engine_parts[2] >= 3005004
    : true
  )
  replication_instance_engine_version = (
    var.replication_instance_engine_version == null && local.dms_masking
    ? local.masking_min_engine_version
    : var.replication_instance_engine_version
  )
}
