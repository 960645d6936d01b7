################################################################################
# A DMS task's table-mapping document from data: table_selection rendered into
# selection rules (or an expert's whole document), then the extra rules
# (masking transformations, ...) renumbered after them. Used by modules/baseline
# and modules/environment, so every task of the solution is rendered alike.
################################################################################

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

  rules = concat(local._base_rules, local._extra_rules)

  # DMS applies data-masking transformation rules (rule-action data-masking-*) from
  # replication engine 3.5.4 on ("Using data masking to hide sensitive information",
  # https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Masking.html).
  has_dms_masking_rules = anytrue([
    for rule in local.rules : startswith(try(tostring(rule["rule-action"]), ""), "data-masking-")
  ])

  # Target schemas a DMS user must be able to write: the exact schema names the
  # selection includes (DMS names a MySQL target's schemas after the source's);
  # with a pattern or an expert document they are not known (empty: grant on *.*).
  _included_schemas = [for rule in var.table_selection : rule.schema if rule.action != "exclude"]
  target_schemas = (
    var.table_mappings_json == null && length([for s in local._included_schemas : s if strcontains(s, "%")]) == 0
    ? distinct(local._included_schemas)
    : []
  )
}
