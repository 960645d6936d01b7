# The skip flags let this example plan with no AWS account and no network;
# drop them (and use real credentials) to apply it.
provider "aws" {
  region                      = var.region
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

# A nightly refresh of a lower environment: the baseline creates an Oracle source
# restored from a production snapshot, an Aurora MySQL target and a full-load
# task; the automation reloads the target every night at 02:00 UTC.
module "dms_automation" {
  source = "../.."

  create_baseline             = true
  migration_refresh_indicator = "data-refresh"
  migration_refresh_type      = "full-load"
  schedule_or_one_time        = "schedule"
  schedule_expression         = "cron(0 2 * * ? *)"

  name_prefix = "nightly-refresh"
  baseline = {
    oracle_driver_layer_arn    = var.oracle_driver_layer_arn
    source_snapshot_identifier = var.source_snapshot_identifier
    create_dms_iam_roles       = var.create_dms_iam_roles
  }

  tags = { environment = "qa" }
}
