################################################################################
# Context: partition and region of the provider, read without an API call
################################################################################

data "aws_partition" "current" {}

data "aws_region" "current" {}

################################################################################
# Masking rules, declared once: DMS transformation rules (an output for the
# task's table mappings) and the post-process Lambda's after-load JSON
################################################################################

module "masking_rules" {
  source = "./modules/masking-rules"

  masking_rules = var.masking_rules
  default_where = var.masking_default_where
}

################################################################################
# Encryption: the module's own customer managed key (kms_key_arn = null).
# DMS cannot publish to a topic encrypted with the AWS managed alias/aws/sns,
# whose key policy cannot admit dms.amazonaws.com; this key's policy admits
# each service for this module's resources only.
################################################################################

data "aws_iam_policy_document" "kms" {
  count = local.create_kms_key ? 1 : 0

  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.account_root_arn]
    }
  }

  statement {
    sid       = "LambdasUseTheKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.role_arns.starter, local.role_arns.post_process]
    }
  }

  # DMS publishes its event notifications to the encrypted topic. The statement is
  # the one the DMS user guide gives for an encrypted topic ("Working with Amazon
  # SNS events and notifications in AWS Database Migration Service",
  # https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Events.html): the
  # service principal and the two actions, with no condition. DMS documents
  # neither aws:SourceAccount / aws:SourceArn nor the SNS encryption context for
  # its calls, and CreateEventSubscription fails with KMSAccessDeniedFault when
  # the key policy requires them, so none is set. Only this module's topic uses
  # the key for SNS, and the key is used by nothing outside this module.
  statement {
    sid       = "DmsPublishesToTheTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["dms.amazonaws.com"]
    }
  }

  statement {
    # The state table: DynamoDB uses the key on behalf of the two Lambdas, as
    # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html
    # describes for a customer managed key.
    sid       = "LambdasUseTheKeyThroughDynamoDb"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.role_arns.starter, local.role_arns.post_process]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${local.task_region}.${data.aws_partition.current.dns_suffix}"]
    }
  }

  statement {
    sid = "LogsEncryptTheLogGroups"
    actions = [
      "kms:Decrypt*",
      "kms:Describe*",
      "kms:Encrypt*",
      "kms:GenerateDataKey*",
      "kms:ReEncrypt*",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.task_region}.${data.aws_partition.current.dns_suffix}"]
    }

    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = [local.log_group_arns.starter, local.log_group_arns.post_process]
    }
  }
}

resource "aws_kms_key" "this" {
  count = local.create_kms_key ? 1 : 0

  description             = "DMS automation of task ${var.replication_task_id}: SNS topic, Lambda environment, log groups, dead-letter queue."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.kms[0].json
  tags                    = var.tags

  # KMS refuses a key policy that names a role that does not exist yet.
  depends_on = [aws_iam_role.starter, aws_iam_role.post_process]
}

resource "aws_kms_alias" "this" {
  count = local.create_kms_key ? 1 : 0

  name          = local.kms_alias_name
  target_key_id = aws_kms_key.this[0].key_id
}

################################################################################
# Trigger: the schedule that starts a run, and the watchdog (schedule mode)
################################################################################

resource "aws_cloudwatch_event_rule" "this" {
  name                = local.event_rule_name
  description         = "Starts a run of DMS task ${var.replication_task_id} (${var.migration_refresh_indicator}, ${var.migration_refresh_type}, ${var.schedule_or_one_time})."
  schedule_expression = var.schedule_expression
  state               = "ENABLED"
  tags                = var.tags

  lifecycle {
    # After creation the Lambdas own the rule's state: the starter disables it
    # when a run starts and the post-process Lambda re-enables it (schedule mode).
    # Terraform must not re-arm a one-time trigger or a run in flight on apply.
    # The rule follows the run state kept in the state table (state.tf); the
    # Lambdas write nothing else on it (WRITTEN in
    # lambda_src/dms_automation/trigger.py, tied to this list by a test).
    ignore_changes = [state]

    precondition {
      condition     = local.task_region == data.aws_region.current.name
      error_message = "replication_task_arn = \"${var.replication_task_arn}\" is in region ${local.task_region}, but the AWS provider of this module is configured for ${data.aws_region.current.name}; configure the provider for ${local.task_region} or pass the ARN of a task in ${data.aws_region.current.name}."
    }

    precondition {
      condition     = local.task_partition == data.aws_partition.current.partition
      error_message = "replication_task_arn = \"${var.replication_task_arn}\" is in partition ${local.task_partition}, but the AWS provider of this module works in partition ${data.aws_partition.current.partition}."
    }
  }
}

resource "aws_cloudwatch_event_target" "this" {
  rule      = aws_cloudwatch_event_rule.this.name
  target_id = "starter"
  arn       = aws_lambda_function.starter.arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 4
  }

  dead_letter_config {
    arn = aws_sqs_queue.dead_letter.arn
  }
}

resource "aws_cloudwatch_event_rule" "watchdog" {
  count = local.is_schedule ? 1 : 0

  name                = local.watchdog_rule_name
  description         = "Asks the starter of DMS task ${var.replication_task_id} to re-arm a trigger left disabled with no run in flight."
  schedule_expression = var.watchdog_schedule_expression
  state               = "ENABLED"
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "watchdog" {
  count = local.is_schedule ? 1 : 0

  rule      = aws_cloudwatch_event_rule.watchdog[0].name
  target_id = "starter-watchdog"
  arn       = aws_lambda_function.starter.arn
  input     = jsonencode({ dms_automation = "watchdog" })

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 4
  }

  dead_letter_config {
    arn = aws_sqs_queue.dead_letter.arn
  }
}

################################################################################
# Lambda functions
################################################################################

resource "aws_cloudwatch_log_group" "starter" {
  name              = "/aws/lambda/${local.starter_function_name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags
}

resource "aws_cloudwatch_log_group" "post_process" {
  name              = "/aws/lambda/${local.post_process_function_name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = local.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "starter" {
  #checkov:skip=CKV_AWS_50:X-Ray tracing is configurable through lambda_tracing_mode (PassThrough by default).
  #checkov:skip=CKV_AWS_115:No reserved concurrency: new accounts cannot reserve any (unreserved concurrency must stay >= 10); a second run is prevented by the starter disabling the rule and checking the task status.
  #checkov:skip=CKV_AWS_117:The function calls only AWS APIs (DMS, EventBridge); it needs no VPC.
  #checkov:skip=CKV_AWS_272:Code signing does not apply: the module ships a committed, byte-reproducible package.
  #checkov:skip=CKV_AWS_116:Failed asynchronous invocations go to the dead-letter queue through an on-failure destination (aws_lambda_function_event_invoke_config), the successor of a function DLQ.
  function_name    = local.starter_function_name
  description      = "Starts DMS task ${var.replication_task_id} when its trigger fires and disables the trigger while the run is in flight."
  role             = aws_iam_role.starter.arn
  runtime          = "python3.12"
  handler          = "dms_automation.starter.handler"
  filename         = "${path.module}/lambda/dms_automation.zip"
  source_code_hash = filebase64sha256("${path.module}/lambda/dms_automation.zip")
  memory_size      = 256
  timeout          = var.starter_timeout
  kms_key_arn      = local.kms_key_arn
  tags             = var.tags

  environment {
    variables = local.lambda_environment
  }

  tracing_config {
    mode = var.lambda_tracing_mode
  }

  depends_on = [aws_cloudwatch_log_group.starter, aws_iam_role_policy.starter]
}

resource "aws_lambda_function" "post_process" {
  #checkov:skip=CKV_AWS_50:X-Ray tracing is configurable through lambda_tracing_mode (PassThrough by default).
  #checkov:skip=CKV_AWS_115:No reserved concurrency: new accounts cannot reserve any (unreserved concurrency must stay >= 10); duplicate SNS deliveries are made harmless by the handler's idempotency.
  #checkov:skip=CKV_AWS_117:In a VPC only with after-load masking (masking_vpc_config), to reach the target database; otherwise it calls only AWS APIs.
  #checkov:skip=CKV_AWS_272:Code signing does not apply: the module ships a committed, byte-reproducible package.
  #checkov:skip=CKV_AWS_116:Failed asynchronous invocations go to the dead-letter queue through an on-failure destination (aws_lambda_function_event_invoke_config), the successor of a function DLQ.
  function_name    = local.post_process_function_name
  description      = "Handles the DMS events of task ${var.replication_task_id}: post-processing, then re-arms the trigger in schedule mode."
  role             = aws_iam_role.post_process.arn
  runtime          = "python3.12"
  handler          = "dms_automation.post_process.handler"
  filename         = "${path.module}/lambda/dms_automation.zip"
  source_code_hash = filebase64sha256("${path.module}/lambda/dms_automation.zip")
  memory_size      = 256
  timeout          = var.post_process_timeout
  kms_key_arn      = local.kms_key_arn
  tags             = var.tags

  environment {
    variables = local.post_process_environment
  }

  # Only with after-load masking: the function then reaches the target database.
  dynamic "vpc_config" {
    for_each = local.after_load_masking ? [var.masking_vpc_config] : []
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  tracing_config {
    mode = var.lambda_tracing_mode
  }

  lifecycle {
    precondition {
      condition     = local.post_process_environment_bytes <= 4096
      error_message = "The post-process Lambda's environment would be ${local.post_process_environment_bytes} bytes as Lambda measures it (the JSON of the variables), over its 4 KB limit: shorten name_prefix, masking_database or the secret ARNs."
    }
  }

  depends_on = [aws_cloudwatch_log_group.post_process, aws_iam_role_policy.post_process]
}

# Failed asynchronous invocations (after Lambda's retries) are kept in the
# dead-letter queue, with the request and the error, through an on-failure
# destination. The functions themselves do not wait for the queue.
resource "aws_lambda_function_event_invoke_config" "starter" {
  function_name                = aws_lambda_function.starter.function_name
  maximum_event_age_in_seconds = 3600
  maximum_retry_attempts       = 2

  destination_config {
    on_failure {
      destination = aws_sqs_queue.dead_letter.arn
    }
  }
}

resource "aws_lambda_function_event_invoke_config" "post_process" {
  function_name                = aws_lambda_function.post_process.function_name
  maximum_event_age_in_seconds = 21600
  maximum_retry_attempts       = 2

  destination_config {
    on_failure {
      destination = aws_sqs_queue.dead_letter.arn
    }
  }
}

resource "aws_lambda_permission" "events" {
  statement_id  = "AllowStartFromTriggerRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.starter.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this.arn
}

resource "aws_lambda_permission" "watchdog" {
  count = local.is_schedule ? 1 : 0

  statement_id  = "AllowStartFromWatchdogRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.starter.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.watchdog[0].arn
}

resource "aws_lambda_permission" "sns" {
  statement_id  = "AllowInvokeFromDmsEventsTopic"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.post_process.function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.this.arn
}

################################################################################
# DMS events: event subscription -> SNS topic -> post-process Lambda
################################################################################

resource "aws_sns_topic" "this" {
  name              = local.sns_topic_name
  kms_master_key_id = local.kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "sns" {
  statement {
    sid       = "AllowDmsToPublishFromThisAccount"
    effect    = "Allow"
    actions   = ["sns:Publish"]
    resources = [local.sns_topic_arn]

    principals {
      type        = "Service"
      identifiers = ["dms.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.task_account_id]
    }
  }
}

resource "aws_sns_topic_policy" "this" {
  arn    = aws_sns_topic.this.arn
  policy = data.aws_iam_policy_document.sns.json
}

resource "aws_dms_event_subscription" "this" {
  name             = local.event_subscription_name
  enabled          = true
  sns_topic_arn    = aws_sns_topic.this.arn
  source_type      = "replication-task"
  source_ids       = [var.replication_task_id]
  event_categories = local.event_categories
  tags             = var.tags

  depends_on = [aws_sns_topic_policy.this]
}

resource "aws_sns_topic_subscription" "post_process" {
  topic_arn = aws_sns_topic.this.arn
  protocol  = "lambda"
  endpoint  = aws_lambda_function.post_process.arn

  # Deliveries SNS could not make (after its own retries) are kept.
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dead_letter.arn })

  depends_on = [aws_lambda_permission.sns]
}

resource "aws_sns_topic_subscription" "notification" {
  for_each = { for e in var.notification_endpoints : "${e.protocol}:${e.endpoint}" => e }

  topic_arn = aws_sns_topic.this.arn
  protocol  = each.value.protocol
  endpoint  = each.value.endpoint
}

################################################################################
# Failed invocations: one dead-letter queue for both Lambdas, both rules and
# the SNS subscription
################################################################################

resource "aws_sqs_queue" "dead_letter" {
  name                      = local.dead_letter_queue_name
  message_retention_seconds = 1209600
  # With the user's own key, the queue uses it too; otherwise SQS-managed
  # encryption, which EventBridge and SNS can write to with no key policy, so
  # the queue does not wait for the module's key.
  kms_master_key_id       = var.kms_key_arn
  sqs_managed_sse_enabled = var.kms_key_arn == null ? true : null
  # Inline rather than an aws_sqs_queue_policy: one resource, one wait for the
  # attributes to settle instead of two.
  policy = data.aws_iam_policy_document.dead_letter.json
  tags   = var.tags
}

data "aws_iam_policy_document" "dead_letter" {
  statement {
    sid       = "AllowSnsRedrive"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [local.dead_letter_queue_arn]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.sns_topic_arn]
    }
  }

  statement {
    sid       = "AllowEventBridgeDeadLetters"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [local.dead_letter_queue_arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = local.is_schedule ? [local.event_rule_arn, local.watchdog_rule_arn] : [local.event_rule_arn]
    }
  }
}

################################################################################
# Alarms
################################################################################

resource "aws_cloudwatch_metric_alarm" "starter_errors" {
  alarm_name          = "${local.starter_function_name}-errors"
  alarm_description   = "The starter Lambda of DMS task ${var.replication_task_id} failed."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.starter.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "post_process_errors" {
  alarm_name          = "${local.post_process_function_name}-errors"
  alarm_description   = "The post-process Lambda of DMS task ${var.replication_task_id} failed; in schedule mode the trigger may stay disabled until it is fixed."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.post_process.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_log_metric_filter" "task_failed" {
  name           = "${local.name_prefix}-task-failed"
  log_group_name = aws_cloudwatch_log_group.post_process.name
  pattern        = local.task_failed_log_pattern

  metric_transformation {
    namespace     = "DMSAutomation/${local.name_prefix}"
    name          = "TaskFailed"
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "task_failed" {
  alarm_name          = "${local.name_prefix}-task-failed"
  alarm_description   = "DMS task ${var.replication_task_id} failed (reported by its post-process Lambda)."
  namespace           = aws_cloudwatch_log_metric_filter.task_failed.metric_transformation[0].namespace
  metric_name         = aws_cloudwatch_log_metric_filter.task_failed.metric_transformation[0].name
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "dead_letter" {
  alarm_name          = "${local.name_prefix}-failed-invocations"
  alarm_description   = "An invocation or delivery of the DMS automation of task ${var.replication_task_id} failed for good and was kept in ${local.dead_letter_queue_name}."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dead_letter.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}
