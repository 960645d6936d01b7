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
}
