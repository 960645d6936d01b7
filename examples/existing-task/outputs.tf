output "event_rule_name" {
  description = "Name of the EventBridge rule that triggers a run."
  value       = module.dms_automation.event_rule_name
}

output "post_process_function_name" {
  description = "Name of the post-process Lambda."
  value       = module.dms_automation.post_process_function_name
}

output "sns_topic_arn" {
  description = "ARN of the SNS topic that carries the task's DMS events."
  value       = module.dms_automation.sns_topic_arn
}

output "starter_function_name" {
  description = "Name of the starter Lambda."
  value       = module.dms_automation.starter_function_name
}
