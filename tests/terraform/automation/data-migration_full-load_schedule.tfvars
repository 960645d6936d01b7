migration_refresh_indicator = "data-migration"
migration_refresh_type      = "full-load"
schedule_or_one_time        = "schedule"
# Forms of EventBridge's cron reference that the schedule rule keeps accepting.
schedule_expression          = "cron(15 10 ? * MON-FRI *)"
watchdog_schedule_expression = "cron(0/15 * * * ? *)"
