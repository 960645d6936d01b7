migration_refresh_indicator = "data-migration"
migration_refresh_type      = "full-load"
schedule_or_one_time        = "one-time"
