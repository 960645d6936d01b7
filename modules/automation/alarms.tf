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
