# A landing zone: a permissions boundary and a path on every role (the CDC source check's too).
migration_refresh_indicator   = "data-migration"
migration_refresh_type        = "cdc"
schedule_or_one_time          = "one-time"
iam_role_path                 = "/dms/"
iam_role_permissions_boundary = "arn:aws:iam::123456789012:policy/workload-boundary"
