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
  tags        = var.tags
}
