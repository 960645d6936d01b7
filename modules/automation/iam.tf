################################################################################
# Execution roles: one per Lambda, scoped to this task, this rule and the
# function's own log group
################################################################################

data "aws_iam_policy_document" "lambda_assume_role" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

################################################################################
# Starter
################################################################################

resource "aws_iam_role" "starter" {
  name                 = local.starter_function_name
  description          = "Starter Lambda of DMS task ${var.replication_task_id}."
  path                 = var.iam_role_path
  permissions_boundary = var.iam_role_permissions_boundary
  assume_role_policy   = data.aws_iam_policy_document.lambda_assume_role.json
  tags                 = var.tags
}

# What both Lambdas do alike: keep failed invocations, use a given key, write traces.
data "aws_iam_policy_document" "lambda_common" {
  statement {
    sid       = "KeepFailedInvocations"
    actions   = ["sqs:SendMessage"]
    resources = [local.dead_letter_queue_arn]
  }

  statement {
    sid = "ReadAndWriteRunState"
    # The run state is one item, read strongly consistent and changed only by
    # conditional writes (lambda_src/dms_automation/state.py).
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [local.state_table_arn]
  }

  dynamic "statement" {
    # A given key only: the module's own key admits both roles in its key
    # policy, which keeps these policies known at plan time.
    for_each = var.kms_key_arn == null ? [] : [1]
    content {
      sid       = "UseKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [var.kms_key_arn]
    }
  }

  dynamic "statement" {
    # The state table is encrypted with the given key: DynamoDB uses it on the
    # caller's behalf (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html).
    for_each = var.kms_key_arn == null ? [] : [1]
    content {
      sid       = "UseKeyThroughDynamoDb"
      actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
      resources = [var.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["dynamodb.${local.task_region}.${data.aws_partition.current.dns_suffix}"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.lambda_tracing_mode == "Active" ? [1] : []
    content {
      sid = "WriteTraces"
      # The X-Ray write actions have no resource-level permissions: "*" only here.
      actions   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
      resources = ["*"]
    }
  }
}

data "aws_iam_policy_document" "starter" {
  source_policy_documents = [data.aws_iam_policy_document.lambda_common.json]
  statement {
    sid = "DescribeTasks"
    # dms:DescribeReplicationTasks has no resource-level permissions (the
    # Service Authorization Reference lists no resource type for it): "*" only here.
    actions   = ["dms:DescribeReplicationTasks"]
    resources = ["*"]
  }

  statement {
    sid       = "StartThisTask"
    actions   = ["dms:StartReplicationTask"]
    resources = [var.replication_task_arn]
  }

  dynamic "statement" {
    for_each = var.test_endpoint_connections ? [1] : []
    content {
      sid = "TestConnections"
      # TestConnection authorizes against the endpoint and the replication instance it
      # names. With task_resource_arns (the root module passes the baseline's), exactly
      # this task's two endpoints and its instance; without it they are only known at
      # run time (nothing may call AWS at plan time), so the grant falls back to the
      # endpoints and instances of the task's account and region.
      actions   = ["dms:TestConnection"]
      resources = local.test_connection_arns
    }
  }

  dynamic "statement" {
    for_each = var.test_endpoint_connections ? [1] : []
    content {
      sid = "DescribeConnections"
      # dms:DescribeConnections has no resource-level permissions: "*" only here.
      actions   = ["dms:DescribeConnections"]
      resources = ["*"]
    }
  }

  statement {
    sid = "ManageThisRule"
    actions = [
      "events:DescribeRule",
      "events:DisableRule",
      "events:EnableRule",
    ]
    resources = [local.event_rule_arn]
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arns.starter}:*"]
  }

  # The CDC source check (assessment.tf). Resource types from the Service
  # Authorization Reference for DMS: StartReplicationTaskAssessmentRun and
  # DescribeApplicableIndividualAssessments name the task; the two list calls
  # name no resource (below).
  dynamic "statement" {
    for_each = local.check_cdc_source ? [1] : []
    content {
      sid       = "AssessThisTaskSource"
      actions   = ["dms:StartReplicationTaskAssessmentRun"]
      resources = [var.replication_task_arn]
    }
  }

  dynamic "statement" {
    for_each = local.check_cdc_source ? [1] : []
    content {
      sid       = "ReadThisTaskApplicableAssessments"
      actions   = ["dms:DescribeApplicableIndividualAssessments"]
      resources = [var.replication_task_arn]
    }
  }

  dynamic "statement" {
    for_each = local.check_cdc_source ? [1] : []
    content {
      sid = "ListAssessmentRuns"
      # These two calls carry filters only (the task's ARN is a filter value, not a
      # resource of the request: API_DescribeReplicationTaskAssessmentRuns and
      # API_DescribeReplicationTaskIndividualAssessments in the DMS API reference), so
      # IAM has no resource to match a scoped statement against: the Service Authorization
      # Reference lists only optional resource types for them ("Actions, resources, and
      # condition keys for AWS Database Migration Service",
      # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsdatabasemigrationservice.html),
      # and a grant on the task and its runs is refused (AccessDenied). They read
      # assessment metadata only; "*" here, as for DescribeReplicationTasks.
      actions = [
        "dms:DescribeReplicationTaskAssessmentRuns",
        "dms:DescribeReplicationTaskIndividualAssessments",
      ]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = local.check_cdc_source ? [1] : []
    content {
      sid       = "PassTheAssessmentRoleToDms"
      actions   = ["iam:PassRole"]
      resources = [local.assessment_role_arn]

      condition {
        test     = "StringEquals"
        variable = "iam:PassedToService"
        values   = ["dms.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "starter" {
  name   = "starter"
  role   = aws_iam_role.starter.id
  policy = data.aws_iam_policy_document.starter.json
}

################################################################################
# Post-process
################################################################################

resource "aws_iam_role" "post_process" {
  name                 = local.post_process_function_name
  description          = "Post-process Lambda of DMS task ${var.replication_task_id}."
  path                 = var.iam_role_path
  permissions_boundary = var.iam_role_permissions_boundary
  assume_role_policy   = data.aws_iam_policy_document.lambda_assume_role.json
  tags                 = var.tags
}

data "aws_iam_policy_document" "post_process" {
  source_policy_documents = [data.aws_iam_policy_document.lambda_common.json]
  statement {
    sid = "DescribeTasks"
    # dms:DescribeReplicationTasks has no resource-level permissions: "*" only here.
    actions   = ["dms:DescribeReplicationTasks"]
    resources = ["*"]
  }

  statement {
    sid       = "ReadThisTaskStatistics"
    actions   = ["dms:DescribeTableStatistics"]
    resources = [var.replication_task_arn]
  }

  statement {
    sid = "RearmThisRule"
    # The rule follows the run state: disabled while a run or its
    # post-processing is pending, enabled again afterwards (schedule mode).
    actions = [
      "events:DescribeRule",
      "events:DisableRule",
      "events:EnableRule",
    ]
    resources = [local.event_rule_arn]
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arns.post_process}:*"]
  }

  statement {
    sid = "ContinueInFreshInvocation"
    # Long post-processing goes on in a new asynchronous invocation of itself
    # before Lambda's 15-minute limit.
    actions   = ["lambda:InvokeFunction"]
    resources = [local.post_process_function_arn]
  }

  # After-load masking only: the function runs in the VPC of the target and
  # reads the target's credentials.

  dynamic "statement" {
    for_each = local.after_load_masking ? [1] : []
    content {
      sid = "CreateNetworkInterfacesInMaskingSubnets"
      # Lambda creates the function's network interfaces with this role; the
      # grant names the given subnets and security groups (and any new
      # interface, whose id does not exist yet).
      actions   = ["ec2:CreateNetworkInterface"]
      resources = concat([local.network_interface_arns_pattern], local.masking_network_arns)
    }
  }

  dynamic "statement" {
    for_each = local.after_load_masking ? [1] : []
    content {
      sid = "ManageOwnNetworkInterfaces"
      # These take a network interface resource only, whose id Lambda picks at
      # run time: granted on the interfaces of the task's account and region.
      actions = [
        "ec2:AssignPrivateIpAddresses",
        "ec2:DeleteNetworkInterface",
        "ec2:UnassignPrivateIpAddresses",
      ]
      resources = [local.network_interface_arns_pattern]
    }
  }

  dynamic "statement" {
    for_each = local.after_load_masking ? [1] : []
    content {
      sid = "DescribeNetworkInterfaces"
      # The EC2 actions of AWS's managed policy for VPC-attached functions,
      # AWSLambdaVPCAccessExecutionRole (v3, January 2024, which added
      # ec2:DescribeSubnets), are all here or in the two statements above:
      # https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html
      # These two have no resource-level permissions: "*" only here.
      actions   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = local.after_load_masking ? [1] : []
    content {
      sid       = "ReadTargetSecret"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [var.masking_secret_arn]
    }
  }

  dynamic "statement" {
    for_each = local.after_load_masking ? [1] : []
    content {
      sid       = "ReadMaskingRules"
      actions   = ["ssm:GetParameter"]
      resources = [local.masking_rules_parameter_arn]
    }
  }

  dynamic "statement" {
    for_each = local.masking_key_needed ? [1] : []
    content {
      sid       = "ReadMaskingKey"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [local.masking_key_secret_arn]
    }
  }

  dynamic "statement" {
    # Only the secret the module created, which has no value until the first run.
    for_each = local.create_masking_key ? [1] : []
    content {
      sid       = "StoreGeneratedMaskingKey"
      actions   = ["secretsmanager:PutSecretValue"]
      resources = [local.masking_key_secret_arn]
    }
  }

  dynamic "statement" {
    for_each = local.after_load_masking && var.kms_key_arn != null ? [1] : []
    content {
      sid = "DecryptTargetSecret"
      # A secret encrypted with the given key is decrypted through Secrets
      # Manager only, never directly.
      actions   = ["kms:Decrypt"]
      resources = [var.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.task_region}.${data.aws_partition.current.dns_suffix}"]
      }
    }
  }
}

resource "aws_iam_role_policy" "post_process" {
  name   = "post-process"
  role   = aws_iam_role.post_process.id
  policy = data.aws_iam_policy_document.post_process.json
}
