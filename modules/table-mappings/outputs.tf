output "has_dms_masking_rules" {
  description = "Whether the document holds DMS data-masking rules (rule-action data-masking-*): the replication instance must then run engine 3.5.4 or later."
  value       = local.has_dms_masking_rules
}

output "json" {
  description = "The table-mapping document, JSON ({\"rules\": [...]}), ready for aws_dms_replication_task.table_mappings."
  value       = jsonencode({ rules = local.rules })
}

output "target_schemas" {
  description = "The exact schema names the selection includes (where a MySQL target's DMS user needs write grants); empty when a pattern or an expert document makes them unknown."
  value       = local.target_schemas
}
