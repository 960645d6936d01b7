################################################################################
# Alarms: one shape, one resource. Every alarm fires on one datapoint >= 1 in
# five minutes, treats missing data as not breaching and notifies
# alarm_sns_topic_arn on alarm and on OK.
################################################################################

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

locals {
  # Keyed by the alarm's former resource name (see the moved blocks below).
  alarms = merge(
    {
      starter_errors = {
        name        = "${local.starter_function_name}-errors"
        description = "The starter Lambda of DMS task ${var.replication_task_id} failed."
        namespace   = "AWS/Lambda"
        metric_name = "Errors"
        dimensions  = { FunctionName = aws_lambda_function.starter.function_name }
        statistic   = "Sum"
      }
      post_process_errors = {
        name        = "${local.post_process_function_name}-errors"
        description = "The post-process Lambda of DMS task ${var.replication_task_id} failed; in schedule mode the trigger may stay disabled until it is fixed."
        namespace   = "AWS/Lambda"
        metric_name = "Errors"
        dimensions  = { FunctionName = aws_lambda_function.post_process.function_name }
        statistic   = "Sum"
      }
      task_failed = {
        name        = "${local.name_prefix}-task-failed"
        description = "DMS task ${var.replication_task_id} failed (reported by its post-process Lambda)."
        namespace   = aws_cloudwatch_log_metric_filter.task_failed.metric_transformation[0].namespace
        metric_name = aws_cloudwatch_log_metric_filter.task_failed.metric_transformation[0].name
        dimensions  = null
        statistic   = "Sum"
      }
      dead_letter = {
        name        = "${local.name_prefix}-failed-invocations"
        description = "An invocation or delivery of the DMS automation of task ${var.replication_task_id} failed for good and was kept in ${local.dead_letter_queue_name}."
        namespace   = "AWS/SQS"
        metric_name = "ApproximateNumberOfMessagesVisible"
        dimensions  = { QueueName = aws_sqs_queue.dead_letter.name }
        statistic   = "Maximum"
      }
    },
    # The coverage check's metric (masking.tf), with fail_on_unmasked_columns.
    local.after_load_masking && var.fail_on_unmasked_columns ? {
      unmasked_columns = {
        name        = "${local.name_prefix}-unmasked-columns"
        description = "After a load of DMS task ${var.replication_task_id}, columns that look sensitive were not masked; the run failed and the trigger stays disabled (fail_on_unmasked_columns)."
        namespace   = aws_cloudwatch_log_metric_filter.unmasked_columns[0].metric_transformation[0].namespace
        metric_name = aws_cloudwatch_log_metric_filter.unmasked_columns[0].metric_transformation[0].name
        dimensions  = null
        statistic   = "Maximum"
      }
    } : {},
  )
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = each.value.name
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# The alarms were four resources and a counted one: existing deployments move.
moved {
  from = aws_cloudwatch_metric_alarm.starter_errors
  to   = aws_cloudwatch_metric_alarm.this["starter_errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.post_process_errors
  to   = aws_cloudwatch_metric_alarm.this["post_process_errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.task_failed
  to   = aws_cloudwatch_metric_alarm.this["task_failed"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dead_letter
  to   = aws_cloudwatch_metric_alarm.this["dead_letter"]
}

moved {
  from = aws_cloudwatch_metric_alarm.unmasked_columns[0]
  to   = aws_cloudwatch_metric_alarm.this["unmasked_columns"]
}
