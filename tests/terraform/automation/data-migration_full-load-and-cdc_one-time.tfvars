migration_refresh_indicator = "data-migration"
migration_refresh_type      = "full-load-and-cdc"
schedule_or_one_time        = "one-time"
