migration_refresh_indicator = "data-refresh"
migration_refresh_type      = "full-load"
schedule_or_one_time        = "schedule"
name_prefix                 = "qa-orders"
schedule_expression         = "cron(30 2 ? * MON-FRI *)"
log_retention_in_days       = 90
kms_key_arn                 = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
alarm_sns_topic_arn         = "arn:aws:sns:eu-west-1:123456789012:platform-alarms"
test_endpoint_connections   = false
notification_endpoints = [
  { protocol = "email", endpoint = "dba@example.com" },
  { protocol = "https", endpoint = "https://hooks.example.com/dms" },
]
tags = { team = "data-platform" }
