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
