migration_refresh_indicator = "data-refresh"
migration_refresh_type      = "full-load"
schedule_or_one_time        = "schedule"
kms_key_arn                 = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
masking_rules = [
  { schema = "hr", table = "employees", column = "ssn", strategy = "hash" },
  { schema = "hr", table = "employees", column = "card", strategy = "redact", options = { keep_last = 4 } },
  { schema = "hr", table = "employees", column = "phone", strategy = "mask_digits", where = "dms" },
]
masking_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:qa-target-AbCdEf"
masking_vpc_config = {
  subnet_ids         = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
  security_group_ids = ["sg-0123456789abcdef0"]
}
masking_chunk_rows       = 5000
masking_database         = { host = "qa-target.cluster-abc.eu-west-1.rds.amazonaws.com" }
fail_on_unmasked_columns = true
masking_coverage_schemas = ["hr", "payroll"]
