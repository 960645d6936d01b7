output "event_rule_name" {
  description = "Name of the EventBridge rule that triggers a run."
  value       = module.dms_automation.event_rule_name
}

output "replication_task_arn" {
  description = "ARN of the DMS replication task."
  value       = module.dms_automation.replication_task_arn
}

output "replication_task_id" {
  description = "Identifier of the DMS replication task."
  value       = module.dms_automation.replication_task_id
}

output "table_mappings" {
  description = "The task's table-mapping document (JSON)."
  value       = module.dms_automation.table_mappings
}
