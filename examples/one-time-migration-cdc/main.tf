# The skip flags let this example plan with no AWS account and no network;
# drop them (and use real credentials) to apply it.
provider "aws" {
  region                      = var.region
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

# A one-time migration with ongoing replication: full load, then CDC until you
# cut over. The trigger runs once and stays disabled.
module "dms_automation" {
  source = "../.."

  create_baseline             = true
  migration_refresh_indicator = "data-migration"
  migration_refresh_type      = "full-load-and-cdc"
  schedule_or_one_time        = "one-time"

  name_prefix = "orders-migration"
  baseline = {
    oracle_driver_layer_arn = var.oracle_driver_layer_arn
    create_dms_iam_roles    = var.create_dms_iam_roles
    # The live source keeps being read during CDC: a Multi-AZ replication instance.
    replication_instance_multi_az = true
  }
}
