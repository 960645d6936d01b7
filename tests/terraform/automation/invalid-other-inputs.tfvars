migration_refresh_indicator    = "data-refresh"
migration_refresh_type         = "full-load"
schedule_or_one_time           = "schedule"
kms_key_arn                    = "alias/aws/sns"
alarm_sns_topic_arn            = "arn:aws:sqs:eu-west-1:123456789012:alarms"
log_retention_in_days          = 10
notification_endpoints         = [{ protocol = "sms", endpoint = "+15555550100" }]
secret_recovery_window_in_days = 3
