################################################################################
# Run state: one item per task, changed by the Lambdas with conditional writes
# (lambda_src/dms_automation/state.py; docs/design.md, "The run state").
# Terraform creates the table only: it never writes or reads the item, so an
# apply cannot undo what a run recorded.
################################################################################

resource "aws_dynamodb_table" "state" {
  name                        = local.state_table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.state_table_deletion_protection
  tags                        = var.tags

  attribute {
    name = "pk"
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = local.kms_key_arn
  }

  point_in_time_recovery {
    enabled = true
  }
}
