# The skip flags let this example plan with no AWS account and no network;
# drop them (and use real credentials) to apply it.
provider "aws" {
  region                      = var.region
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

# One production source refreshed into three lower environments. The DMS
# replication instance and the production source endpoint already exist and
# are shared; each environment brings its own database (its secret), and gets
# its own DMS target endpoint, task and automation, named orders-<environment>.
# dev refreshes every night, stage every morning with the employees' SSNs
# masked by DMS while loading, qa once a week.
module "dms_automation" {
  source = "../.."

  name_prefix = "orders"

  # The defaults of every environment.
  migration_refresh_indicator = "data-refresh"
  migration_refresh_type      = "full-load"
  schedule_or_one_time        = "schedule"
  table_selection             = [{ schema = "HR" }, { schema = "SALES" }]

  shared_source = {
    replication_instance_arn = var.replication_instance_arn
    source_endpoint_arn      = var.source_endpoint_arn
  }

  environments = {
    dev = {
      schedule_expression = "cron(0 1 * * ? *)" # 01:00 UTC daily
      table_selection     = [{ schema = "SALES" }]
      target              = { create = false, secret_arn = var.target_secret_arns["dev"] }
    }
    stage = {
      schedule_expression = "cron(0 4 * * ? *)" # 04:00 UTC daily
      masking_rules = [
        { schema = "HR", table = "EMPLOYEES", column = "SSN", strategy = "randomize_digits", where = "dms" },
        { schema = "HR", table = "EMPLOYEES", column = "PHONE", strategy = "mask_digits", where = "dms" },
      ]
      target = { create = false, secret_arn = var.target_secret_arns["stage"] }
    }
    qa = {
      schedule_expression = "cron(0 6 ? * MON *)" # Mondays, 06:00 UTC
      target              = { create = false, secret_arn = var.target_secret_arns["qa"] }
    }
  }

  log_retention_in_days = var.log_retention_in_days
  tags                  = { team = "orders" }
}
