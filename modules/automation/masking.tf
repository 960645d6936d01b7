################################################################################
# After-load masking: the HMAC key of the hash and fake_email rules
#
# The key's value never passes through Terraform: the module creates the
# secret without a version, and the post-process Lambda stores a generated key
# in it on its first run (PutSecretValue with a fixed ClientRequestToken, so two
# concurrent first runs cannot store two keys). Neither the state, a plan, an
# output nor the Lambda environment holds the key, which would let anyone who
# reads them reverse hashed low-entropy values (phone numbers, national IDs).
# A write-only secret_string_wo with an ephemeral random password would do the
# same from Terraform, but needs Terraform 1.11 and AWS provider 5.100.
################################################################################

resource "aws_secretsmanager_secret" "masking_key" {
  #checkov:skip=CKV2_AWS_57:Rotating the masking key changes every hashed value, and consumers must know when; it is a documented manual step (README), not a schedule.
  count = local.create_masking_key ? 1 : 0

  name        = local.masking_key_secret_name
  description = "HMAC key of the hash and fake_email masking rules of DMS task ${var.replication_task_id}; written by its post-process Lambda on first use."
  kms_key_id  = local.kms_key_arn
  # 0 by default: an environment destroyed and created again under the same name
  # finds the name free (see secret_recovery_window_in_days).
  recovery_window_in_days = var.secret_recovery_window_in_days
  tags                    = var.tags
}

################################################################################
# After-load masking: the rules, in an SSM parameter the post-process Lambda
# reads at run time
#
# Lambda refuses an environment over 4 KB, measured as the JSON of the
# variables, so rules in the environment fail to apply from about 30 rules on.
# The parameter holds the rules document gzip-compressed and base64-encoded:
# about 13 bytes a rule with realistic names, so a Standard parameter (4 KB)
# holds some 300 rules and an Advanced one (8 KB) some 600.
################################################################################

resource "aws_ssm_parameter" "masking_rules" {
  count = local.after_load_masking ? 1 : 0

  name        = local.masking_rules_parameter_name
  description = "After-load masking rules of DMS task ${var.replication_task_id} (gzip, base64), read by its post-process Lambda."
  type        = "SecureString"
  key_id      = local.kms_key_arn
  value       = local.masking_rules_value
  # The provider recreates a parameter moved down from Advanced to Standard.
  tier = local.masking_rules_value_bytes <= 4096 ? "Standard" : "Advanced"
  tags = var.tags

  lifecycle {
    precondition {
      condition     = local.masking_rules_value_bytes <= 8192
      error_message = "The masking rules document is ${local.masking_rules_value_bytes} bytes once compressed, over the 8 KB of an Advanced SSM parameter (about 600 rules with realistic names): move rules that DMS can apply to where = \"dms\", or split the task."
    }
  }
}

################################################################################
# After-load masking: the coverage check. After each masked load the
# post-process Lambda logs one "masking-coverage" line with the number of
# columns that look sensitive and that no rule masks; this metric counts them,
# with no extra API call, and with fail_on_unmasked_columns an alarm watches it
# (alarms.tf).
################################################################################

resource "aws_cloudwatch_log_metric_filter" "unmasked_columns" {
  count = local.after_load_masking ? 1 : 0

  name           = "${local.name_prefix}-unmasked-columns"
  log_group_name = aws_cloudwatch_log_group.post_process.name
  pattern        = local.masking_coverage_log_pattern

  metric_transformation {
    namespace = "DMSAutomation/${local.name_prefix}"
    name      = "UnmaskedColumns"
    value     = "$.uncovered_count"
  }
}
