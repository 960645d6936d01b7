migration_refresh_indicator = "data-migration"
migration_refresh_type      = "full-load-and-cdc"
schedule_or_one_time        = "one-time"
masking_rules = [
  { schema = "hr", table = "employees", column = "ssn", strategy = "hash" },
  { schema = "hr", table = "employees", column = "phone", strategy = "mask_digits", where = "dms" },
]
masking_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:qa-target-AbCdEf"
masking_vpc_config = {
  subnet_ids         = ["subnet-0123456789abcdef0"]
  security_group_ids = ["sg-0123456789abcdef0"]
}
