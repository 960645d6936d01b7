# A landing zone: a boundary and a path on every role of both modules, and the automation's own
# settings passed through (a CDC task on a source the baseline does not prepare: assessed).
create_baseline               = true
name_prefix                   = "team-a-orders"
migration_refresh_indicator   = "data-migration"
migration_refresh_type        = "cdc"
schedule_or_one_time          = "one-time"
iam_role_path                 = "/dms/"
iam_role_permissions_boundary = "arn:aws:iam::123456789012:policy/workload-boundary"
baseline = {
  source_dms_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dms/source-AbCdEf"
}
automation = {
  kms_key_deletion_window_in_days = 7
  lambda_tracing_mode             = "Active"
  post_process_timeout            = 600
  starter_timeout                 = 300
  state_table_deletion_protection = true
  test_endpoint_connections       = false
  watchdog_schedule_expression    = "rate(2 hours)"
}
