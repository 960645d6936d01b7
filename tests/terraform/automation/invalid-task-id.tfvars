replication_task_id         = "orders--refresh-"
migration_refresh_indicator = "data-refresh"
migration_refresh_type      = "full-load"
schedule_or_one_time        = "schedule"
