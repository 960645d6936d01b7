# The root module automating a task you already have.
replication_task_arn        = "arn:aws:dms:eu-west-1:123456789012:task:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
replication_task_id         = "orders-task"
migration_refresh_indicator = "data-migration"
migration_refresh_type      = "full-load"
schedule_or_one_time        = "one-time"
