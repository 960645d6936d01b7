# A partial ARN (no random suffix: the policies would grant nothing) and a name with a space.
migration_refresh_indicator = "data-refresh"
migration_refresh_type      = "full-load"
schedule_or_one_time        = "schedule"
masking_rules = [
  { schema = "hr", table = "employees", column = "ssn", strategy = "hash" },
]
masking_secret_arn     = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1a96bebc"
masking_key_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:qa masking key-AbCdEf"
masking_vpc_config = {
  subnet_ids         = ["subnet-0123456789abcdef0"]
  security_group_ids = ["sg-0123456789abcdef0"]
}
