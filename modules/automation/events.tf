################################################################################
# DMS events: event subscription -> SNS topic -> post-process Lambda, and the
# same events through EventBridge -> post-process Lambda
################################################################################

resource "aws_sns_topic" "this" {
  name              = local.sns_topic_name
  kms_master_key_id = local.kms_key_arn
  tags              = var.tags
}

# The statement DMS's user guide gives for a topic its event subscriptions
# publish to, with the condition it recommends: aws:SourceArn, the ARN of the
# event subscription that publishes ("Validating the access policy of your SNS
# topic", https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Events.html).
# The guide documents no other condition for DMS's publishing (aws:SourceAccount
# is not among them), so only this subscription of this account may publish.
data "aws_iam_policy_document" "sns" {
  statement {
    sid       = "AllowThisDmsEventSubscriptionToPublish"
    effect    = "Allow"
    actions   = ["sns:Publish"]
    resources = [local.sns_topic_arn]

    principals {
      type        = "Service"
      identifiers = ["dms.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.event_subscription_arn]
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

# DMS also sends its events to EventBridge ("DMS Replication Task State Change",
# source aws.dms, the task's ARN in resources), and an account whose event
# subscriptions were moved to EventBridge (UpdateSubscriptionsToEventBridge,
# recommended from DMS 3.4.5/3.4.6 on) gets its notifications only there:
# "Working with Amazon EventBridge events and notifications in AWS Database
# Migration Service", https://docs.aws.amazon.com/dms/latest/userguide/CHAP_EventBridge.html
# and the event reference, https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-dms.html
# The rule always exists: where the subscription still publishes to the topic the
# post-process Lambda sees each ending twice, which the run state makes harmless
# (a duplicate changes nothing; tests/unit/test_eventbridge_events.py).
resource "aws_cloudwatch_event_rule" "dms_events" {
  name        = local.dms_events_rule_name
  description = "Sends the state changes of DMS task ${var.replication_task_id} to its post-process Lambda."
  event_pattern = jsonencode({
    source        = ["aws.dms"]
    "detail-type" = ["DMS Replication Task State Change"]
    resources     = [var.replication_task_arn]
  })
  state = "ENABLED"
  tags  = var.tags
}

resource "aws_cloudwatch_event_target" "dms_events" {
  rule      = aws_cloudwatch_event_rule.dms_events.name
  target_id = "post-process"
  arn       = aws_lambda_function.post_process.arn

  # As long as the post-process Lambda keeps a failed asynchronous invocation.
  retry_policy {
    maximum_event_age_in_seconds = aws_lambda_function_event_invoke_config.post_process.maximum_event_age_in_seconds
    maximum_retry_attempts       = 8
  }

  dead_letter_config {
    arn = aws_sqs_queue.dead_letter.arn
  }

  depends_on = [aws_lambda_permission.dms_events]
}
