################################################################################
# Provider: every service at the local emulator, fake credentials, no account
# lookups. max_retries = 2 makes an operation the emulator lacks fail in seconds
# instead of looking like a hang.
################################################################################

provider "aws" {
  region                      = var.region
  access_key                  = "AKIAIOSFODNN7EXAMPLE"
  secret_key                  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
  max_retries                 = 2

  endpoints {
    cloudwatch     = var.aws_endpoint_url
    dms            = var.aws_endpoint_url
    dynamodb       = var.aws_endpoint_url
    ec2            = var.aws_endpoint_url
    events         = var.aws_endpoint_url
    iam            = var.aws_endpoint_url
    kms            = var.aws_endpoint_url
    lambda         = var.aws_endpoint_url
    logs           = var.aws_endpoint_url
    rds            = var.aws_endpoint_url
    s3             = var.aws_endpoint_url
    secretsmanager = var.aws_endpoint_url
    sns            = var.aws_endpoint_url
    sqs            = var.aws_endpoint_url
    ssm            = var.aws_endpoint_url
    sts            = var.aws_endpoint_url
  }

  default_tags {
    tags = {
      Project     = "dms-automation"
      Environment = "local"
    }
  }
}

################################################################################
# After-load masking of the demo's target table (scripts/sample_data.py creates
# it in a local MariaDB: staging.customers, loaded from production.customers by
# the emulated DMS full load). Applied only when the target's secret is given:
# the demo creates that secret at run time, with a password it generates, so no
# credential is ever written here; without it (and for continuous tasks, which
# never stop for after-load masking) the automation runs with no masking.
################################################################################

locals {
  masking_rules = [
    { schema = "staging", table = "customers", column = "full_name", strategy = "hash" },
    { schema = "staging", table = "customers", column = "email", strategy = "fake_email" },
    { schema = "staging", table = "customers", column = "phone", strategy = "redact", options = { keep_last = 2 } },
  ]
}

################################################################################
# The automation, unmodified, on a task that already exists in the emulator
################################################################################

module "dms_automation" {
  source = "../../modules/automation"

  replication_task_arn        = var.replication_task_arn
  replication_task_id         = var.replication_task_id
  migration_refresh_indicator = var.migration_refresh_indicator
  migration_refresh_type      = var.migration_refresh_type
  schedule_or_one_time        = var.schedule_or_one_time
  schedule_expression         = var.schedule_expression
  name_prefix                 = var.name_prefix
  log_retention_in_days       = 7

  masking_rules      = [for rule in local.masking_rules : rule if var.masking_secret_arn != null]
  masking_secret_arn = var.masking_secret_arn
  masking_vpc_config = var.masking_secret_arn == null ? null : var.masking_vpc_config
}
