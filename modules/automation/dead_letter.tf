################################################################################
# Failed invocations: one dead-letter queue for both Lambdas, the rules and
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
      values = concat(
        [local.event_rule_arn, local.dms_events_rule_arn],
        local.is_schedule ? [local.watchdog_rule_arn] : [],
      )
    }
  }
}
