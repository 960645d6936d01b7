# A day-of-week out of EventBridge's range (1-7 or SUN-SAT), refused by the root's own input.
create_baseline     = true
schedule_expression = "cron(0 0 ? * 9 *)"
