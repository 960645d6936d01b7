# A landing zone with environments: a boundary and a path on every role of the shared baseline
# and of each environment (its target endpoint's role, its automation's roles), the automation's
# own settings reaching every environment's automation, and the baseline's secret recovery window
# reaching the environments' DMS secrets.
create_baseline               = true
name_prefix                   = "team-a-orders"
iam_role_path                 = "/dms/"
iam_role_permissions_boundary = "arn:aws:iam::123456789012:policy/workload-boundary"
baseline = {
  secret_recovery_window_in_days = 7
}
automation = {
  lambda_tracing_mode             = "Active"
  post_process_timeout            = 600
  starter_timeout                 = 300
  state_table_deletion_protection = true
  watchdog_schedule_expression    = "rate(2 hours)"
}
environments = {
  dev = { schedule_expression = "cron(0 1 * * ? *)" }
  qa = {
    migration_refresh_indicator = "data-migration"
    migration_refresh_type      = "cdc"
    schedule_or_one_time        = "one-time"
  }
}
