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
  target_secret_arn = var.target_dms_secret_arn != null ? var.target_dms_secret_arn : aws_secretsmanager_secret.dms_target[0].arn

  tags = merge(var.tags, { "dms-automation:part" = "baseline" })
}

locals {
  # One DMS selection rule per table_selection entry, numbered from 1 in order.
  _selection_rules = [
    for index, rule in var.table_selection : {
      "rule-type"   = "selection"
      "rule-id"     = tostring(index + 1)
      "rule-name"   = coalesce(rule.name, "select-${index + 1}")
      "rule-action" = rule.action
      "object-locator" = {
        "schema-name" = rule.schema
        "table-name"  = rule.table
      }
      "filters" = [
        for filter in rule.filters : {
          "filter-type" = "source"
          "column-name" = filter.column
          "filter-conditions" = [
            for condition in filter.conditions : {
              for key, value in {
                "filter-operator" = condition.operator
                "value"           = condition.value
                "start-value"     = condition.start
                "end-value"       = condition.end
              } : key => value if value != null
            }
          ]
        }
      ]
    }
  ]

  # The expert document, when given, replaces the rendered selection rules.
  # (Both sides go through JSON: their element types differ.)
  _base_rules = jsondecode(coalesce(var.table_mappings_json, jsonencode({ rules = local._selection_rules }))).rules

  # Extra rules (masking transformations, ...) follow, renumbered after the highest id so far.
  _extra_rules_raw = try(
    try(jsondecode(var.extra_table_mapping_rules).rules, jsondecode(var.extra_table_mapping_rules)),
    var.extra_table_mapping_rules.rules,
    var.extra_table_mapping_rules,
  )
  _highest_rule_id = max(0, [for rule in local._base_rules : try(tonumber(rule["rule-id"]), 0)]...)
  _extra_rules = [
    for index, rule in local._extra_rules_raw :
    merge(rule, { "rule-id" = tostring(local._highest_rule_id + index + 1) })
  ]

  table_mappings = jsonencode({ rules = concat(local._base_rules, local._extra_rules) })

  # DMS applies data-masking transformation rules (rule-action data-masking-*) from
  # replication engine 3.5.4 on ("Using data masking to hide sensitive information",
  # https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Masking.html):
  # with such a rule the engine is 3.5.4 unless a later one is given, and an earlier one is refused.
  dms_masking = anytrue([
    for rule in concat(local._base_rules, local._extra_rules) :
    startswith(try(tostring(rule["rule-action"]), ""), "data-masking-")
  ])
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
