################################################################################
# Outputs, in alphabetical order
################################################################################

output "dead_letter_queue_arn" {
  description = "ARN of the SQS queue that keeps failed invocations of both Lambdas, the EventBridge rules and the SNS delivery."
  value       = aws_sqs_queue.dead_letter.arn
}

output "dms_transformation_rules" {
  description = "DMS table-mapping transformation rules of the masking rules applied by DMS (where = \"dms\"); add them to the task's table mappings (DMS 3.5.4 or later). Empty without such rules."
  value       = module.masking_rules.dms_transformation_rules
}

output "event_rule_arn" {
  description = "ARN of the EventBridge rule that triggers the runs."
  value       = aws_cloudwatch_event_rule.this.arn
}

output "event_rule_name" {
  description = "Name of the EventBridge rule that triggers the runs (EVENT_RULE_NAME of both Lambdas)."
  value       = aws_cloudwatch_event_rule.this.name
}

output "event_subscription_name" {
  description = "Name of the DMS event subscription on the task."
  value       = aws_dms_event_subscription.this.name
}

output "kms_key_arn" {
  description = "ARN of the KMS key of the topic, the Lambda environment and the log groups (and the dead-letter queue when given): kms_key_arn as given, or the key the module created."
  value       = local.kms_key_arn
}

output "post_process_function_arn" {
  description = "ARN of the post-process Lambda."
  value       = aws_lambda_function.post_process.arn
}

output "post_process_function_name" {
  description = "Name of the post-process Lambda."
  value       = aws_lambda_function.post_process.function_name
}

output "replication_task_arn" {
  description = "ARN of the automated DMS task (as given)."
  value       = var.replication_task_arn
}

output "replication_task_id" {
  description = "Identifier of the automated DMS task (as given)."
  value       = var.replication_task_id
}

output "sns_topic_arn" {
  description = "ARN of the SNS topic that carries the task's DMS events."
  value       = aws_sns_topic.this.arn
}

output "starter_function_arn" {
  description = "ARN of the starter Lambda."
  value       = aws_lambda_function.starter.arn
}

output "starter_function_name" {
  description = "Name of the starter Lambda."
  value       = aws_lambda_function.starter.function_name
}

output "state_table_arn" {
  description = "ARN of the DynamoDB table that keeps the run state."
  value       = aws_dynamodb_table.state.arn
}

output "state_table_name" {
  description = "Name of the DynamoDB table that keeps the run state (STATE_TABLE_NAME of both Lambdas)."
  value       = aws_dynamodb_table.state.name
}

output "watchdog_rule_name" {
  description = "Name of the watchdog EventBridge rule (schedule mode), or null."
  value       = try(aws_cloudwatch_event_rule.watchdog[0].name, null)
}
