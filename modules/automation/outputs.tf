################################################################################
# Outputs, in alphabetical order
################################################################################

output "alarm_arns" {
  description = "ARNs of the CloudWatch alarms, by alarm: starter_errors, post_process_errors, task_failed, dead_letter, and unmasked_columns with fail_on_unmasked_columns."
  value       = { for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.arn }
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms, by alarm (the keys of alarm_arns)."
  value       = { for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.alarm_name }
}

output "assessment_bucket_name" {
  description = "S3 bucket of the CDC source check's premigration assessment results (check_cdc_source with a cdc or full-load-and-cdc task), or null."
  value       = try(aws_s3_bucket.assessments[0].bucket, null)
}

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

output "iam_role_arns" {
  description = "ARNs of the IAM roles the module creates: starter, post_process, and assessment (the role DMS writes the CDC source check's results with; null without that check)."
  value = {
    starter      = aws_iam_role.starter.arn
    post_process = aws_iam_role.post_process.arn
    assessment   = try(aws_iam_role.assessment[0].arn, null)
  }
}

output "kms_key_arn" {
  description = "ARN of the KMS key of the topic, the Lambda environment and the log groups (and the dead-letter queue when given): kms_key_arn as given, or the key the module created."
  value       = local.kms_key_arn
}

output "log_group_names" {
  description = "CloudWatch log groups of the Lambdas: starter, post_process."
  value = {
    starter      = aws_cloudwatch_log_group.starter.name
    post_process = aws_cloudwatch_log_group.post_process.name
  }
}

output "masking_key_secret_arn" {
  description = "ARN of the secret holding the HMAC key of hash and fake_email after-load rules (the one the module created, or masking_key_secret_arn), or null without such rules."
  value       = local.masking_key_needed ? (local.create_masking_key ? aws_secretsmanager_secret.masking_key[0].arn : var.masking_key_secret_arn) : null
}

output "masking_rules_parameter_name" {
  description = "Name of the SSM parameter holding the masking rules the post-process Lambda applies (MASKING_RULES_PARAMETER), or null without after-load rules."
  value       = try(aws_ssm_parameter.masking_rules[0].name, null)
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
