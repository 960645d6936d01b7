migration_refresh_indicator = "data-refresh"
migration_refresh_type      = "full-load"
schedule_or_one_time        = "schedule"
masking_rules = [
  { schema = "hr", table = "employees", column = "ssn", strategy = "hash" },
  { schema = "hr", table = "employees", column = "phone", strategy = "mask_digits", where = "dms" },
]
