output "event_rule_name" {
  description = "The trigger rule; the starter disables it, the post-process Lambda re-arms it (schedule)."
  value       = module.dms_automation.event_rule_name
}

output "event_subscription_name" {
  description = "The DMS event subscription that publishes the task's events to the SNS topic."
  value       = module.dms_automation.event_subscription_name
}

output "post_process_function_name" {
  description = "The Lambda SNS delivers the task's DMS events to."
  value       = module.dms_automation.post_process_function_name
}

output "replication_task_arn" {
  description = "The DMS task the automation drives."
  value       = module.dms_automation.replication_task_arn
}

output "sns_topic_arn" {
  description = "The topic DMS publishes the task's events to."
  value       = module.dms_automation.sns_topic_arn
}

output "starter_function_name" {
  description = "The Lambda the trigger invokes."
  value       = module.dms_automation.starter_function_name
}

output "state_table_name" {
  description = "The DynamoDB table that keeps the run state the trigger follows."
  value       = module.dms_automation.state_table_name
}
