# The skip flags let this example plan with no AWS account and no network;
# drop them (and use real credentials) to apply it.
provider "aws" {
  region                      = var.region
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

# One-way sync of part of a database, declared as data: the HR schema without
# its audit table, and only the European orders of 2024.
module "dms_automation" {
  source = "../.."

  create_baseline             = true
  migration_refresh_indicator = "data-refresh"
  migration_refresh_type      = "full-load"
  schedule_or_one_time        = "schedule"

  name_prefix = "subset-sync"
  table_selection = [
    { schema = "HR", table = "%" },
    { schema = "HR", table = "AUDIT_LOG", action = "exclude", name = "skip-hr-audit" },
    {
      schema = "SALES"
      table  = "ORDERS"
      name   = "eu-orders-2024"
      filters = [
        { column = "REGION", conditions = [{ operator = "eq", value = "EU" }] },
        { column = "ORDER_DATE", conditions = [{ operator = "between", start = "2024-01-01", end = "2024-12-31" }] },
      ]
    },
  ]
  baseline = {
    oracle_driver_layer_arn = var.oracle_driver_layer_arn
    create_dms_iam_roles    = var.create_dms_iam_roles
  }
}
