migration_refresh_indicator       = "data-refresh"
migration_refresh_type            = "full-load"
schedule_or_one_time              = "schedule"
masking_sensitive_column_patterns = ["email", "(unclosed"]
masking_coverage_schemas          = ["hr", "not a schema"]
