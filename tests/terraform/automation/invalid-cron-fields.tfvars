# A month out of range (1-12 or JAN-DEC) and fields that are no values at all.
migration_refresh_indicator  = "data-refresh"
migration_refresh_type       = "full-load"
schedule_or_one_time         = "schedule"
schedule_expression          = "cron(0 0 1 13 ? *)"
watchdog_schedule_expression = "cron(a b c d ? f)"
