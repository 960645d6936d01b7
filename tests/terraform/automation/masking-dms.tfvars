migration_refresh_indicator = "data-refresh"
migration_refresh_type      = "full-load"
schedule_or_one_time        = "one-time"
masking_default_where       = "dms"
masking_rules = [
  { schema = "hr", table = "employees", column = "ssn", strategy = "hash", options = { allow_unkeyed_hash = true } },
  { schema = "hr", table = "employees", column = "phone", strategy = "mask_digits", options = { mask_char = "#" } },
  { schema = "hr", table = "employees", column = "account", strategy = "randomize_digits" },
]
