# The skip flags let this example plan with no AWS account and no network;
# drop them (and use real credentials) to apply it.
provider "aws" {
  region                      = var.region
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

# Automation only, on a DMS task you already have: modules/automation directly.
module "dms_automation" {
  source = "../../modules/automation"

  replication_task_arn        = var.replication_task_arn
  replication_task_id         = var.replication_task_id
  migration_refresh_indicator = "data-migration"
  migration_refresh_type      = "full-load"
  schedule_or_one_time        = "schedule"
  schedule_expression         = "cron(30 1 ? * SUN *)"

  notification_endpoints = [{ protocol = "email", endpoint = "dba-team@example.com" }]
}
