# Hours and minutes out of EventBridge's ranges (0-23, 0-59): refused at plan, not at apply.
migration_refresh_indicator  = "data-refresh"
migration_refresh_type       = "full-load"
schedule_or_one_time         = "schedule"
schedule_expression          = "cron(0 25 * * ? *)"
watchdog_schedule_expression = "cron(61 0 * * ? *)"
