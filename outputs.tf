output "dead_letter_queue_arn" {
  description = "ARN of the queue that keeps failed asynchronous Lambda invocations."
  value       = try(module.automation[0].dead_letter_queue_arn, null)
}

output "dms_transformation_rules" {
  description = "DMS transformation rules of the masking rules applied by DMS (already in the created task's table mappings with create_baseline; add them to your own task otherwise)."
  value       = try(module.automation[0].dms_transformation_rules, null)
}

output "environments" {
  description = "Per environment (environments), what operating and wiring it needs: the task (replication_task_arn, replication_task_id), its target (target_endpoint_arn, target_secret_arn, target_cluster_endpoint: null for a target you bring) and its automation (event_rule_name, starter_function_name, post_process_function_name, state_table_name, sns_topic_arn, event_subscription_name, dead_letter_queue_arn, kms_key_arn). Empty without environments."
  value = {
    for key, env in module.environment : key => {
      replication_task_arn       = env.replication_task_arn
      replication_task_id        = env.replication_task_id
      table_mappings             = env.table_mappings
      target_endpoint_arn        = env.target_endpoint_arn
      target_secret_arn          = env.target_secret_arn
      target_cluster_endpoint    = env.target_cluster_endpoint
      event_rule_name            = module.environment_automation[key].event_rule_name
      event_subscription_name    = module.environment_automation[key].event_subscription_name
      starter_function_name      = module.environment_automation[key].starter_function_name
      post_process_function_name = module.environment_automation[key].post_process_function_name
      state_table_name           = module.environment_automation[key].state_table_name
      sns_topic_arn              = module.environment_automation[key].sns_topic_arn
      dead_letter_queue_arn      = module.environment_automation[key].dead_letter_queue_arn
      kms_key_arn                = module.environment_automation[key].kms_key_arn
    }
  }
}

output "event_rule_arn" {
  description = "ARN of the EventBridge rule that triggers a run."
  value       = try(module.automation[0].event_rule_arn, null)
}

output "event_rule_name" {
  description = "Name of the EventBridge rule that triggers a run."
  value       = try(module.automation[0].event_rule_name, null)
}

output "event_subscription_name" {
  description = "Name of the DMS event subscription on the task."
  value       = try(module.automation[0].event_subscription_name, null)
}

output "kms_key_arn" {
  description = "ARN of the KMS key of the automation's topic, Lambda environment and log groups (kms_key_arn as given, or the key the automation created)."
  value       = try(module.automation[0].kms_key_arn, null)
}

output "post_process_function_arn" {
  description = "ARN of the post-process Lambda."
  value       = try(module.automation[0].post_process_function_arn, null)
}

output "post_process_function_name" {
  description = "Name of the post-process Lambda."
  value       = try(module.automation[0].post_process_function_name, null)
}

output "replication_instance_arn" {
  description = "ARN of the created DMS replication instance (null without create_baseline)."
  value       = try(module.baseline[0].replication_instance_arn, null)
}

output "replication_task_arn" {
  description = "ARN of the DMS replication task the automation runs (created or given)."
  value       = local.replication_task_arn
}

output "replication_task_id" {
  description = "Identifier of the DMS replication task the automation runs (created or given)."
  value       = local.replication_task_id
}

output "sns_topic_arn" {
  description = "ARN of the SNS topic that carries the task's DMS events."
  value       = try(module.automation[0].sns_topic_arn, null)
}

output "source_endpoint_arn" {
  description = "ARN of the created DMS source endpoint (null without create_baseline)."
  value       = try(module.baseline[0].source_endpoint_arn, null)
}

output "starter_function_arn" {
  description = "ARN of the starter Lambda."
  value       = try(module.automation[0].starter_function_arn, null)
}

output "starter_function_name" {
  description = "Name of the starter Lambda."
  value       = try(module.automation[0].starter_function_name, null)
}

output "state_table_name" {
  description = "Name of the DynamoDB table that keeps the automation's run state."
  value       = try(module.automation[0].state_table_name, null)
}

output "table_mappings" {
  description = "The created task's table-mapping document, JSON (null without create_baseline)."
  value       = try(module.baseline[0].table_mappings, null)
}

output "target_cluster_endpoint" {
  description = "Writer endpoint of the created Aurora MySQL target (null without create_baseline)."
  value       = try(module.baseline[0].target_cluster_endpoint, null)
}

output "target_endpoint_arn" {
  description = "ARN of the created DMS target endpoint (null without create_baseline)."
  value       = try(module.baseline[0].target_endpoint_arn, null)
}

output "target_secret_arn" {
  description = "ARN of the secret the created target endpoint reads (null without create_baseline)."
  value       = try(module.baseline[0].target_secret_arn, null)
}

output "vpc_id" {
  description = "VPC of the created baseline (null without create_baseline)."
  value       = try(module.baseline[0].vpc_id, null)
}

output "watchdog_rule_name" {
  description = "Name of the watchdog EventBridge rule (schedule mode), or null."
  value       = try(module.automation[0].watchdog_rule_name, null)
}
