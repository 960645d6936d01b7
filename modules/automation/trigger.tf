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
