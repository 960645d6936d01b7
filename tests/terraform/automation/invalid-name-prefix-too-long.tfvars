migration_refresh_indicator = "data-refresh"
migration_refresh_type      = "full-load"
schedule_or_one_time        = "schedule"
name_prefix                 = "a-name-prefix-that-is-long-enough-to-break-the-limit"
