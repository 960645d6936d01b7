output "alarm_arns" {
  description = "ARNs of the automation's CloudWatch alarms, by alarm (see modules/automation); null with environments (see the environments output)."
  value       = try(module.automation[0].alarm_arns, null)
}

output "alarm_names" {
  description = "Names of the automation's CloudWatch alarms, by alarm."
  value       = try(module.automation[0].alarm_names, null)
}

output "assessment_bucket_name" {
  description = "S3 bucket of the CDC source check's assessment results, or null."
  value       = try(module.automation[0].assessment_bucket_name, null)
}

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

output "iam_role_arns" {
  description = "ARNs of every IAM role the modules create: the automation's (starter, post_process, assessment) and, with create_baseline, the baseline's (secrets_access, prepare_databases); null where not created."
  value = merge({ starter = null, post_process = null, assessment = null }, one(module.automation[*].iam_role_arns), {
    secrets_access    = try(module.baseline[0].iam_role_arns.secrets_access, null)
    prepare_databases = try(module.baseline[0].iam_role_arns.prepare_databases, null)
  })
}

output "kms_key_arn" {
  description = "ARN of the KMS key of the automation's topic, Lambda environment and log groups (kms_key_arn as given, or the key the automation created)."
  value       = try(module.automation[0].kms_key_arn, null)
}

output "log_group_names" {
  description = "CloudWatch log groups: the Lambdas' (starter, post_process) and the preparation function's (prepare_databases; null without create_baseline or its preparation)."
  value = merge({ starter = null, post_process = null }, one(module.automation[*].log_group_names), {
    prepare_databases = try(module.baseline[0].log_group_names.prepare_databases, null)
  })
}

output "masking_key_secret_arn" {
  description = "ARN of the secret holding the masking HMAC key, or null without hash or fake_email after-load rules."
  value       = try(module.automation[0].masking_key_secret_arn, null)
}

output "masking_rules_parameter_name" {
  description = "Name of the SSM parameter holding the after-load masking rules, or null."
  value       = try(module.automation[0].masking_rules_parameter_name, null)
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

output "replication_instance_id" {
  description = "Identifier of the created DMS replication instance (null without create_baseline)."
  value       = try(module.baseline[0].replication_instance_id, null)
}

output "replication_task_arn" {
  description = "ARN of the DMS replication task the automation runs (created or given)."
  value       = local.replication_task_arn
}

output "replication_task_id" {
  description = "Identifier of the DMS replication task the automation runs (created or given)."
  value       = local.replication_task_id
}

output "security_group_ids" {
  description = "Security groups created, by part: the baseline's (replication_instance, source, target) and the post-process Lambda's (post_process, with after-load masking); null where not created."
  value = {
    replication_instance = try(module.baseline[0].security_group_ids.replication_instance, null)
    source               = try(module.baseline[0].security_group_ids.source, null)
    target               = try(module.baseline[0].security_group_ids.target, null)
    post_process         = try(aws_security_group.masking[0].id, null)
  }
}

output "sns_topic_arn" {
  description = "ARN of the SNS topic that carries the task's DMS events."
  value       = try(module.automation[0].sns_topic_arn, null)
}

output "source_db_instance_identifier" {
  description = "Identifier of the created source RDS instance (null without create_baseline)."
  value       = try(module.baseline[0].source_db_instance_identifier, null)
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

output "subnet_ids" {
  description = "Subnets of the created baseline's databases and replication instance (null without create_baseline)."
  value       = try(module.baseline[0].subnet_ids, null)
}

output "table_mappings" {
  description = "The created task's table-mapping document, JSON (null without create_baseline)."
  value       = try(module.baseline[0].table_mappings, null)
}

output "target_cluster_endpoint" {
  description = "Writer endpoint of the created Aurora MySQL target (null without create_baseline)."
  value       = try(module.baseline[0].target_cluster_endpoint, null)
}

output "target_cluster_identifier" {
  description = "Identifier of the created Aurora MySQL target cluster (null without create_baseline)."
  value       = try(module.baseline[0].target_cluster_identifier, null)
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
