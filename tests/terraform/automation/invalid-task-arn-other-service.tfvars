replication_task_arn        = "arn:aws:rds:eu-west-1:123456789012:db:orders"
migration_refresh_indicator = "data-refresh"
migration_refresh_type      = "full-load"
schedule_or_one_time        = "schedule"
