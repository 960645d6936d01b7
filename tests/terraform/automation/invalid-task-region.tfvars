# The provider of the fixture is in eu-west-1.
replication_task_arn        = "arn:aws:dms:us-east-1:123456789012:task:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
migration_refresh_indicator = "data-refresh"
migration_refresh_type      = "full-load"
schedule_or_one_time        = "schedule"
