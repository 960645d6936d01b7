output "after_load_rules_json" {
  description = "The after-load rules as JSON, {\"version\": 1, \"rules\": [...]} (the post-process Lambda reads every rule, from the SSM parameter modules/automation writes)."
  value       = jsonencode(local.after_load_document)
}

output "after_load_tables" {
  description = "\"schema.table\" of every table masked after load, sorted (for grants and documentation)."
  value       = sort(distinct([for r in local.after_load_rules : "${r.schema}.${r.table}"]))
}

output "dms_transformation_rules" {
  description = "DMS table-mapping transformation rules (rule-type \"transformation\", rule-target \"column\") for the rules applied by DMS; concatenate them with your selection rules."
  value       = local.dms_transformation_rules
}

output "dms_transformation_rules_json" {
  description = "dms_transformation_rules as JSON (a list), ready to merge into a table-mappings document."
  value       = jsonencode(local.dms_transformation_rules)
}

output "has_after_load_rules" {
  description = "True when the post-process Lambda has masking to do (it then needs the target's secret and network access)."
  value       = length(local.after_load_rules) > 0
}

output "has_dms_rules" {
  description = "True when DMS applies some masking (the replication instance must run DMS 3.5.4 or later)."
  value       = length(local.dms_rules) > 0
}

output "has_keyed_after_load_rules" {
  description = "True when some after-load rule (hash, fake_email) needs the masking key."
  value       = length([for r in local.after_load_rules : r if contains(["hash", "fake_email"], r.strategy)]) > 0
}

output "rules" {
  description = "Every rule as rendered for the post-process Lambda (where resolved, unset options dropped), those applied by DMS included: the coverage check counts their columns as masked."
  value = [
    for r in local._rules : {
      schema   = r.schema
      table    = r.table
      column   = r.column
      strategy = r.strategy
      where    = r.where
      options  = r.options
    }
  ]
}
