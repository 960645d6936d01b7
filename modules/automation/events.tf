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
