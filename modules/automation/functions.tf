################################################################################
# Lambda functions: log groups, functions, asynchronous invocation configs and
# the permissions of the rules and the topic to invoke them
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
    variables = local.starter_environment
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

resource "aws_lambda_permission" "dms_events" {
  statement_id  = "AllowInvokeFromDmsEventsRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.post_process.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.dms_events.arn
}
