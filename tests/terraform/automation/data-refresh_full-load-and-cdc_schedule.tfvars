migration_refresh_indicator = "data-refresh"
migration_refresh_type      = "full-load-and-cdc"
schedule_or_one_time        = "schedule"
